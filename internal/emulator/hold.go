package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Hold says which API requests the emulator holds, as a stalled Console does: a held
// request is received (its body read) but not processed until it is released, whether
// or not its client is still waiting. Reads are GET; writes are POST, PUT and DELETE.
// Route, when set, narrows the hold to the requests of that route pattern, as in Stats
// (e.g. /auth/api/v1/serviceaccount/{id}/token/renew).
type Hold struct {
	Writes bool   `json:"writes"`
	Reads  bool   `json:"reads"`
	Route  string `json:"route,omitempty"`
}

func (h Hold) holds(method, route string) bool {
	if h.Route != "" && route != h.Route {
		return false
	}
	if isWrite(method) {
		return h.Writes
	}
	return h.Reads
}

// ReleaseOrder is the order in which Release lets held requests go.
type ReleaseOrder string

const (
	// ReleaseFIFO processes the requests in the order they arrived.
	ReleaseFIFO ReleaseOrder = "fifo"
	// ReleaseLIFO processes the request that arrived last first.
	ReleaseLIFO ReleaseOrder = "lifo"
)

// ParseReleaseOrder reads "fifo" or "lifo" ("" is fifo).
func ParseReleaseOrder(s string) (ReleaseOrder, error) {
	switch ReleaseOrder(s) {
	case "", ReleaseFIFO:
		return ReleaseFIFO, nil
	case ReleaseLIFO:
		return ReleaseLIFO, nil
	}
	return "", fmt.Errorf("order %q: use %q or %q", s, ReleaseFIFO, ReleaseLIFO)
}

// HeldRequest describes a request being held.
type HeldRequest struct {
	Method string `json:"method"`
	// Route is the route pattern, as in Stats (e.g. /auth/api/v1/serviceaccount/{id}/token/renew).
	Route string `json:"route"`
	Path  string `json:"path"`
	// Since is when the request arrived, on real time (not the emulator's clock).
	Since time.Time `json:"since"`
	// Departed says that its client has gone (stopped waiting for the answer).
	Departed bool `json:"departed"`
}

// HoldStatus is what GET /_emulator/hold answers.
type HoldStatus struct {
	Hold Hold          `json:"hold"`
	Held []HeldRequest `json:"held"`
}

// releaseTimeout bounds how long Release waits for one released request to be
// processed before it releases the next.
const releaseTimeout = 30 * time.Second

// holder keeps the held requests.
type holder struct {
	mu    sync.Mutex
	hold  Hold
	queue []*heldRequest
}

type heldRequest struct {
	info    HeldRequest
	client  context.Context // the request's own context: done when its client has gone
	release chan struct{}   // closed when the request may be processed
	done    chan struct{}   // closed when it has been answered (or dropped)
}

// enter holds the request when the hold says so, and returns a function that waits
// until it is released and one to call when it has been answered; both are no-ops for
// a request that is not held.
func (h *holder) enter(r *http.Request, route string) (wait func(), finish func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.hold.holds(r.Method, route) {
		return func() {}, func() {}
	}
	req := &heldRequest{
		info:    HeldRequest{Method: r.Method, Route: route, Path: r.URL.Path, Since: time.Now()},
		client:  r.Context(),
		release: make(chan struct{}),
		done:    make(chan struct{}),
	}
	h.queue = append(h.queue, req)
	return func() { <-req.release }, func() { close(req.done) }
}

func (h *holder) set(hold Hold) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.hold = hold
}

func (h *holder) status() HoldStatus {
	h.mu.Lock()
	defer h.mu.Unlock()
	st := HoldStatus{Hold: h.hold, Held: make([]HeldRequest, 0, len(h.queue))}
	for _, q := range h.queue {
		info := q.info
		info.Departed = q.client.Err() != nil
		st.Held = append(st.Held, info)
	}
	return st
}

// release lets held requests go, one at a time in order, each processed and answered
// before the next is let go: the first n in that order (every one when n < 0). The hold
// ends when end is set. It returns how many it released.
func (h *holder) release(order ReleaseOrder, n int, end bool) int {
	h.mu.Lock()
	queue := slices.Clone(h.queue)
	if order == ReleaseLIFO {
		slices.Reverse(queue)
	}
	if n < 0 || n > len(queue) {
		n = len(queue)
	}
	queue = queue[:n]
	h.queue = slices.DeleteFunc(h.queue, func(q *heldRequest) bool { return slices.Contains(queue, q) })
	if end {
		h.hold = Hold{}
	}
	h.mu.Unlock()
	for _, q := range queue {
		close(q.release)
		select {
		case <-q.done:
		case <-time.After(releaseTimeout):
		}
	}
	return len(queue)
}

// SetHold starts holding the API requests hold names (the zero Hold holds nothing new;
// requests already held stay held until Release).
func (s *Server) SetHold(hold Hold) { s.holder.set(hold) }

// HoldStatus says what is held, and what the hold is.
func (s *Server) HoldStatus() HoldStatus { return s.holder.status() }

// Release ends the hold and processes every held request in order, one after the
// other (each answered, or dropped if its client went away and DepartedWrites says
// cancel, before the next starts). It returns how many requests it released.
func (s *Server) Release(order ReleaseOrder) int { return s.holder.release(order, -1, true) }

// ReleaseSome processes the first n held requests in order, one after the other, as
// Release does, and keeps holding the others and what comes next. It returns how many
// it released.
func (s *Server) ReleaseSome(order ReleaseOrder, n int) int { return s.holder.release(order, n, false) }

// serveHold answers /_emulator/hold: GET the status; POST {"writes": bool, "reads":
// bool, "route": pattern} sets the hold and answers the status.
func (s *Server) serveHold(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		obj, e := controlBody(w, r, "writes", "reads", "route")
		if e != nil {
			writeError(w, e)
			return
		}
		var hold Hold
		for name, dst := range map[string]*bool{"writes": &hold.Writes, "reads": &hold.Reads} {
			if raw := obj[name]; !isNull(raw) && json.Unmarshal(raw, dst) != nil {
				writeError(w, errorf(http.StatusBadRequest, "%s: must be true or false", name))
				return
			}
		}
		if raw := obj["route"]; !isNull(raw) && json.Unmarshal(raw, &hold.Route) != nil {
			writeError(w, errorf(http.StatusBadRequest, "route: must be a route pattern, as in the stats"))
			return
		}
		s.SetHold(hold)
	}
	writeJSON(w, http.StatusOK, s.HoldStatus())
}

// serveRelease answers POST /_emulator/release {"order": "fifo"|"lifo", "count": n}:
// Release, or ReleaseSome when count is given. It returns once the requests released
// have been processed, with {"released": n}.
func (s *Server) serveRelease(w http.ResponseWriter, r *http.Request) {
	obj, e := controlBody(w, r, "order", "count")
	if e != nil {
		writeError(w, e)
		return
	}
	count := -1
	if raw := obj["count"]; !isNull(raw) && (json.Unmarshal(raw, &count) != nil || count < 0) {
		writeError(w, errorf(http.StatusBadRequest, "count: must be a non-negative integer"))
		return
	}
	raw, _, e := stringField(obj["order"], "order")
	if e != nil {
		writeError(w, e)
		return
	}
	order, err := ParseReleaseOrder(raw)
	if err != nil {
		writeError(w, errorf(http.StatusBadRequest, "%s", err))
		return
	}
	released := 0
	if count < 0 {
		released = s.Release(order)
	} else {
		released = s.ReleaseSome(order, count)
	}
	writeJSON(w, http.StatusOK, map[string]int{"released": released})
}

// controlBody decodes a control route's body, a JSON object of accepted fields (an
// empty body is an empty object).
func controlBody(w http.ResponseWriter, r *http.Request, accepted ...string) (object, *apiError) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err == nil && len(bytes.TrimSpace(body)) == 0 {
		return object{}, nil
	}
	c := &call{body: body, bodyErr: err}
	return c.bodyObject(accepted...)
}
