// Command platformer-emulator serves the in-memory Platformer Console emulator over
// HTTP for demos and manual testing. Its clock is real time plus an offset that
// POST /_emulator/clock moves, and every answer carries it in its Date header.
// SIGINT or SIGTERM stops it gracefully (requests in flight finish); a second signal
// stops it at once.
//
//	platformer-emulator -addr 127.0.0.1:8787 -latency 50ms -fail-rate 0.1
//
// POST /_emulator/hold {"writes": true} holds API writes as a stalled Console does (or
// -hold writes from the start), and {"writes": true, "route": "<pattern>"} only those
// of one route, as the stats name it; POST /_emulator/release {"order": "lifo"}
// processes them, the last received first; GET /_emulator/hold lists what is held.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/platformercloud/terraform-provider-platformer/internal/emulator"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // from now on, a second signal stops the process at once
	}()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// config is what the flags say.
type config struct {
	addr        string
	allowRemote bool
	opts        emulator.Options
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("platformer-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:8787", "address to listen on (loopback only unless -allow-remote)")
	fs.BoolVar(&cfg.allowRemote, "allow-remote", false, "allow listening on a non-loopback address")
	fs.StringVar(&cfg.opts.AdminToken, "admin-token", emulator.DefaultAdminToken, "token of the seeded admin user of acme")
	fs.DurationVar(&cfg.opts.Latency, "latency", 0, "latency added to every API request, e.g. 50ms")
	fs.Float64Var(&cfg.opts.RateLimit, "rate-limit", 0, "requests per second per token; 0 for no limit")
	fs.Float64Var(&cfg.opts.FailRate, "fail-rate", 0, "fraction [0,1] of API requests answered 503 before processing")
	fs.Float64Var(&cfg.opts.DropRate, "drop-rate", 0, "fraction [0,1] of writes committed but answered 502")
	fs.Int64Var(&cfg.opts.Seed, "seed", 1, "seed of the fail/drop random source")
	hold := fs.String("hold", "", "hold API requests from the start until POST /_emulator/release {\"order\":\"lifo\"} "+
		"(or \"fifo\"): writes, reads or all; POST /_emulator/hold {\"writes\":true} does the same at any time")
	departed := fs.String("departed-writes", string(emulator.DepartedWritesCommit),
		"what to do with a write whose client has gone: commit (finish it, as a real server does) or cancel (drop it, answer 499)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	var err error
	if cfg.opts.DepartedWrites, err = emulator.ParseDepartedWrites(*departed); err != nil {
		return cfg, fmt.Errorf("-departed-writes must be %q or %q, not %q", emulator.DepartedWritesCommit,
			emulator.DepartedWritesCancel, *departed)
	}
	switch *hold {
	case "":
	case "writes":
		cfg.opts.Hold = emulator.Hold{Writes: true}
	case "reads":
		cfg.opts.Hold = emulator.Hold{Reads: true}
	case "all":
		cfg.opts.Hold = emulator.Hold{Writes: true, Reads: true}
	default:
		return cfg, fmt.Errorf("-hold must be writes, reads or all, not %q", *hold)
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	switch {
	case cfg.opts.AdminToken == "":
		return cfg, errors.New("-admin-token must not be empty")
	case cfg.opts.Latency < 0:
		return cfg, errors.New("-latency must not be negative")
	case cfg.opts.RateLimit < 0:
		return cfg, errors.New("-rate-limit must not be negative")
	case cfg.opts.FailRate < 0 || cfg.opts.FailRate > 1:
		return cfg, errors.New("-fail-rate must be between 0 and 1")
	case cfg.opts.DropRate < 0 || cfg.opts.DropRate > 1:
		return cfg, errors.New("-drop-rate must be between 0 and 1")
	}
	if !cfg.allowRemote && !isLoopback(cfg.addr) {
		return cfg, fmt.Errorf("refusing to listen on %q: not a loopback address; pass -allow-remote to expose the emulator", cfg.addr)
	}
	return cfg, nil
}

// isLoopback reports whether addr (host:port) names only the loopback interface.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// run serves until ctx is done, then shuts down gracefully. It returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "platformer-emulator:", err)
		return 2
	}
	clock := emulator.NewShiftedClock()
	cfg.opts.Clock = clock
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		fmt.Fprintln(stderr, "platformer-emulator:", err)
		return 1
	}
	console := emulator.New(cfg.opts)
	srv := &http.Server{
		Handler:           console,
		ReadHeaderTimeout: 10 * time.Second,
	}
	fmt.Fprintf(stdout, "Platformer Console emulator listening on http://%s\n", ln.Addr())
	fmt.Fprintf(stdout, "  organization  acme      %s\n", emulator.OrganizationID)
	fmt.Fprintf(stdout, "  project       shop      %s\n", emulator.ShopProjectID)
	fmt.Fprintf(stdout, "  project       data      %s\n", emulator.DataProjectID)
	fmt.Fprintf(stdout, "  custom role   deployer  %s\n", emulator.DeployerRoleID)
	fmt.Fprintf(stdout, "  custom role   auditor   %s\n", emulator.AuditorRoleID)
	fmt.Fprintf(stdout, "  admin token   %s\n", cfg.opts.AdminToken)
	fmt.Fprintf(stdout, "  clock         real time, %s now (POST /_emulator/clock moves it)\n", clock.Now().Format(time.RFC3339))
	fmt.Fprintf(stdout, "  departed writes %s\n", cfg.opts.DepartedWrites)
	if h := cfg.opts.Hold; h.Writes || h.Reads {
		fmt.Fprintf(stdout, "  holding       writes %t, reads %t (POST /_emulator/release lets them go)\n", h.Writes, h.Reads)
	}
	fmt.Fprintf(stdout, "Stop with Ctrl-C or SIGTERM (kill %d).\n", os.Getpid())

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		fmt.Fprintln(stderr, "platformer-emulator:", err)
		return 1
	case <-ctx.Done():
	}
	fmt.Fprintln(stdout, "stopping: letting requests in flight finish (a second signal stops at once)")
	console.Release(emulator.ReleaseFIFO) // held requests are in flight too
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		fmt.Fprintln(stderr, "platformer-emulator: shutdown:", err)
		return 1
	}
	fmt.Fprintln(stdout, "stopped")
	return 0
}
