package emulator

import (
	"io"
	"net/http"
	"time"

	"github.com/platformercloud/terraform-provider-platformer/internal/duration"
)

// controlPrefix is where the control routes live. They need no token, are never
// counted, and never see latency, rate limits or injected faults.
const controlPrefix = "/_emulator/"

// serveControl answers a control route. Successful answers are plain JSON; refusals
// use the error envelope.
func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) {
	var allow string
	switch r.URL.Path {
	case controlPrefix + "stats":
		allow = "GET, DELETE"
		switch r.Method {
		case http.MethodGet:
			writeJSON(w, http.StatusOK, s.Stats())
			return
		case http.MethodDelete:
			s.ResetStats()
			writeJSON(w, http.StatusOK, s.Stats())
			return
		}
	case controlPrefix + "clock":
		allow = "POST"
		if r.Method == http.MethodPost {
			s.serveClock(w, r)
			return
		}
	case controlPrefix + "reset":
		allow = "POST"
		if r.Method == http.MethodPost {
			s.Reset()
			writeJSON(w, http.StatusOK, map[string]bool{"reset": true})
			return
		}
	case controlPrefix + "hold":
		allow = "GET, POST"
		if r.Method == http.MethodGet || r.Method == http.MethodPost {
			s.serveHold(w, r)
			return
		}
	case controlPrefix + "release":
		allow = "POST"
		if r.Method == http.MethodPost {
			s.serveRelease(w, r)
			return
		}
	case controlPrefix + "healthz":
		allow = "GET"
		if r.Method == http.MethodGet {
			writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
			return
		}
	default:
		writeError(w, errorf(http.StatusNotFound, "no such control route: %s", r.URL.Path))
		return
	}
	w.Header().Set("Allow", allow)
	writeError(w, errorf(http.StatusMethodNotAllowed, "method %s not allowed on %s; allowed: %s", r.Method, r.URL.Path, allow))
}

// advanceDuration is the clock route's "advance": the provider's duration syntax
// (package duration: "31d", "1d12h", "90s"), or a zero ("0", "0s") that moves nothing.
func advanceDuration(s string) (time.Duration, error) {
	if zero, err := time.ParseDuration(s); err == nil && zero == 0 {
		return 0, nil
	}
	return duration.Parse(s)
}

// serveClock moves a MovableClock (a ManualClock, or the ShiftedClock of the stand-alone
// emulator): body {"advance": "<duration>"} (as the provider writes them: "31d", "1h30m") or {"set": "<RFC 3339>"}. Any other
// clock (plain real time) is 409.
func (s *Server) serveClock(w http.ResponseWriter, r *http.Request) {
	clock, movable := s.clock.(MovableClock)
	if !movable {
		writeError(w, errorf(http.StatusConflict, "the clock cannot be moved: this emulator runs on real time"))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	c := &call{body: body, bodyErr: err}
	obj, e := c.bodyObject("advance", "set")
	if e != nil {
		writeError(w, e)
		return
	}
	advance, hasAdvance, e := stringField(obj["advance"], "advance")
	if e != nil {
		writeError(w, e)
		return
	}
	set, hasSet, e := stringField(obj["set"], "set")
	if e != nil {
		writeError(w, e)
		return
	}
	switch {
	case hasAdvance == hasSet:
		writeError(w, errorf(http.StatusBadRequest, `send exactly one of "advance" (a duration such as "1h") or "set" (an RFC 3339 timestamp)`))
		return
	case hasAdvance:
		d, err := advanceDuration(advance)
		if err != nil {
			writeError(w, errorf(http.StatusBadRequest, "advance: %s", err))
			return
		}
		clock.Advance(d)
	default:
		t, err := time.Parse(time.RFC3339, set)
		if err != nil {
			writeError(w, errorf(http.StatusBadRequest, "set: must be an RFC 3339 timestamp such as \"2030-01-02T15:04:05Z\", got %q", set))
			return
		}
		clock.Set(t)
	}
	writeJSON(w, http.StatusOK, map[string]string{"now": clock.Now().Format(time.RFC3339Nano)})
}
