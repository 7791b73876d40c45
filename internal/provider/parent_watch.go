package provider

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"
)

// A plugin outlives a Terraform that is killed (SIGKILL, an out-of-memory kill, a CI
// runner ending the job): go-plugin serves until Terraform tells it to stop, and a dead
// Terraform never does. Such plugins were seen lingering for 29 to 41 minutes, on a
// machine that a runner reuses (issue 24, defect 8). So the served plugin watches its
// parent: when the parent process is gone (the plugin was adopted, and its parent id
// changed), it ends its lifetime, which cancels the context of every RPC in flight (the
// token lifecycle abandons what it has not sent, as on any cancellation), waits a
// moment for them to return, deletes the temporary accounts of ephemeral resources that
// Terraform did not close, and exits.

// errParentGone is the cause of the lifetime's end.
var errParentGone = errors.New("terraform, the parent process of this plugin, is gone")

// parentPoll is how often the parent process id is read: a plugin whose parent is gone
// stops within about this long, plus inFlightGrace and the ephemeral accounts' cleanup.
const (
	parentPoll    = 500 * time.Millisecond
	inFlightGrace = 2 * time.Second
)

// lifetime is the served plugin's: every RPC's context is cancelled when it ends
// (releasing, server.go). inFlight counts those RPCs.
var (
	lifetime, endLifetime = context.WithCancelCause(context.Background())
	inFlight              atomic.Int64
)

// watchParent reads the parent process id every interval until it is no longer ppid,
// then calls gone, once, and returns. It returns without calling gone when stop is
// closed.
func watchParent(ppid int, interval time.Duration, getppid func() int, stop <-chan struct{}, gone func()) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
			if getppid() != ppid {
				gone()
				return
			}
		}
	}
}

// stopOrphaned is what a plugin whose parent is gone does: cancel the RPCs in flight,
// give them inFlightGrace to return, close what ephemeral resources left open, exit.
func stopOrphaned() {
	endLifetime(errParentGone)
	for deadline := time.Now().Add(inFlightGrace); inFlight.Load() > 0 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	closeUnclosedEphemeralAccounts()
	// Best effort: nobody may be reading stderr any more.
	fmt.Fprintf(os.Stderr, "[WARN] stopping: %v\n", errParentGone)
	os.Exit(1)
}
