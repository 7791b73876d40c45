// Package emulator is a strict, in-memory emulator of the Platformer Console API, served
// over real HTTP. It implements the contract in shared/console-api.md exactly and
// nothing looser: the raw-token Authorization header, the scope headers, the success
// and error envelopes, the service-account routes with their one-time tokens and
// renewal, the permission catalog (package catalog) at the right level, the limits on
// names, descriptions and bindings, pagination, and every refusal with the status
// class the contract names (400, 401, 403, 404, 405, 409, 413, 429, 5xx).
//
// It is seeded with organization "acme" (OrganizationID) holding projects "shop" and
// "data" and custom roles "deployer" and "auditor", and an admin user of acme reached
// with the admin token. Faults can be injected: latency, a per-token rate limit,
// requests refused with 503 before processing, and writes committed but answered 502.
// A write whose client goes away during the latency is committed (the default) or
// dropped (Options.DepartedWrites). Every answer carries the emulator's clock in its
// Date header, as the contract says the Console's do.
//
// Control routes under /_emulator/ (no authentication, never counted, never faulted)
// report statistics, move a MovableClock (ManualClock, ShiftedClock), reset the state,
// hold API requests and release them in a chosen order (POST /_emulator/hold
// {"writes": true}, POST /_emulator/release {"order": "lifo"} or {"order": "lifo",
// "count": 1}, GET /_emulator/hold for what is held), and answer health checks.
// Their successful answers are plain JSON; their refusals use the error envelope.
//
// The emulator never imports the client or Terraform: it is the other side of the wire.
package emulator

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// maxBodyBytes is the largest request body accepted; larger bodies are answered 413.
const maxBodyBytes = 1 << 20

// Options configures a Server. The zero value is a fault-free emulator on real time.
type Options struct {
	// AdminToken reaches a user of acme holding organization.admin.
	// Default DefaultAdminToken.
	AdminToken string
	// Clock supplies every timestamp and expiry check. Default: real time (UTC).
	Clock Clock
	// Latency is added to every API request; the wait ends early if the request's
	// context is cancelled.
	Latency time.Duration
	// RateLimit is the requests per second allowed per token value (a token bucket
	// with burst max(1, ceil(rate))); 0 means no limit.
	RateLimit float64
	// FailRate is the fraction, in [0, 1], of API requests answered 503 before they
	// are processed (nothing changes).
	FailRate float64
	// DropRate is the fraction, in [0, 1], of successful writes (POST, PUT, DELETE)
	// that are committed but answered 502, as if the response were lost.
	DropRate float64
	// Seed seeds the random source of FailRate and DropRate and nothing else.
	// 0 means 1.
	Seed int64
	// DepartedWrites says what happens to a write (POST, PUT, DELETE) whose client goes
	// away while it waits out the Latency: DepartedWritesCommit (the default, and what
	// a real API server usually does) finishes and commits it, answering nobody;
	// DepartedWritesCancel drops it unprocessed (answered 499). A read whose client
	// went away is always dropped.
	DepartedWrites DepartedWrites
	// Hold holds, from the start, the API requests it names, until Release (see
	// Server.SetHold).
	Hold Hold
}

// DepartedWrites is what the emulator does with a write whose client has gone.
type DepartedWrites string

const (
	// DepartedWritesCommit finishes and commits the write; the default.
	DepartedWritesCommit DepartedWrites = "commit"
	// DepartedWritesCancel drops the write unprocessed and records 499.
	DepartedWritesCancel DepartedWrites = "cancel"
)

// ParseDepartedWrites reads "commit" or "cancel" ("" is commit).
func ParseDepartedWrites(s string) (DepartedWrites, error) {
	switch DepartedWrites(s) {
	case "", DepartedWritesCommit:
		return DepartedWritesCommit, nil
	case DepartedWritesCancel:
		return DepartedWritesCancel, nil
	}
	return "", fmt.Errorf("departed writes %q: use %q or %q", s, DepartedWritesCommit, DepartedWritesCancel)
}

// Server is the emulated Console. It implements http.Handler and is safe for
// concurrent use.
type Server struct {
	clock          Clock
	adminToken     string
	departedWrites DepartedWrites
	routes         []*route

	requestSeq atomic.Uint64

	mu sync.Mutex // guards st
	st *store

	issuedMu sync.Mutex
	issued   []string

	faults  *faults
	limiter *rateLimiter
	stats   *statsRecorder
	holder  holder
}

// New returns a Server holding the seeded world. It panics on an Options.DepartedWrites
// that ParseDepartedWrites refuses.
func New(opts Options) *Server {
	departed, err := ParseDepartedWrites(string(opts.DepartedWrites))
	if err != nil {
		panic("emulator: " + err.Error())
	}
	if opts.AdminToken == "" {
		opts.AdminToken = DefaultAdminToken
	}
	if opts.Clock == nil {
		opts.Clock = realClock{}
	}
	s := &Server{
		clock:          opts.Clock,
		adminToken:     opts.AdminToken,
		departedWrites: departed,
		routes:         apiRoutes(),
		st:             newSeedStore(opts.AdminToken),
		issued:         []string{opts.AdminToken},
		faults:         newFaults(opts.Seed, opts.FailRate, opts.DropRate, opts.Latency),
		limiter:        newRateLimiter(opts.RateLimit),
		stats:          newStatsRecorder(),
	}
	s.holder.set(opts.Hold)
	return s
}

// ServeHTTP answers one request: a control route under /_emulator/, or an API route.
// Every answer carries a Date header from the emulator's clock, taken when the answer
// is written.
func (s *Server) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	w := &dateWriter{ResponseWriter: rw, clock: s.clock}
	w.Header().Set("X-Request-Id", fmt.Sprintf("req-%06d", s.requestSeq.Add(1)))
	if r.URL.Path == strings.TrimSuffix(controlPrefix, "/") || strings.HasPrefix(r.URL.Path, controlPrefix) {
		s.serveControl(w, r)
		return
	}
	m := s.match(r.URL.Path)
	status := s.serveAPI(w, r, m)
	s.stats.record(r.Method, m.label(), status)
}

// dateWriter sets the Date header from the emulator's clock when the header is written,
// so that an answer delayed by latency carries the time it was sent.
type dateWriter struct {
	http.ResponseWriter
	clock Clock
	dated bool
}

func (d *dateWriter) WriteHeader(code int) {
	if !d.dated && code >= http.StatusOK {
		d.dated = true
		d.Header().Set("Date", d.clock.Now().UTC().Format(http.TimeFormat))
	}
	d.ResponseWriter.WriteHeader(code)
}

func (d *dateWriter) Write(b []byte) (int, error) {
	if !d.dated {
		d.WriteHeader(http.StatusOK)
	}
	return d.ResponseWriter.Write(b)
}

// Unwrap gives http.ResponseController the underlying writer.
func (d *dateWriter) Unwrap() http.ResponseWriter { return d.ResponseWriter }

// serveAPI runs an API request through the fault pipeline — latency, rate limit,
// injected failure — then handles it, then may drop a write's response. It returns the
// status written.
func (s *Server) serveAPI(w *dateWriter, r *http.Request, m match) int {
	// The body is read first: only once it is consumed does the HTTP server watch the
	// connection, so that a client that goes away during the latency is noticed.
	var body []byte
	var bodyErr error
	if r.Method == http.MethodPost || r.Method == http.MethodPut {
		body, bodyErr = io.ReadAll(http.MaxBytesReader(w.ResponseWriter, r.Body, maxBodyBytes))
	}
	// A write whose client goes away is finished and committed (DepartedWritesCommit),
	// as a real server does, or dropped unprocessed (DepartedWritesCancel); a read is
	// dropped.
	ctx := r.Context()
	if isWrite(r.Method) && s.departedWrites == DepartedWritesCommit {
		ctx = context.WithoutCancel(ctx)
	}
	// A held request waits for Release whether or not its client is still there, as a
	// stalled server's queue does; then it goes through the pipeline like any other.
	held, finish := s.holder.enter(r, m.label())
	defer finish()
	held()
	if err := s.faults.wait(ctx); err != nil || ctx.Err() != nil {
		return writeError(w, errorf(statusClientClosedRequest, "request cancelled by the client before it was handled"))
	}
	if allowed, retryAfter := s.limiter.allow(r.Header.Get("Authorization")); !allowed {
		w.Header().Set("Retry-After", fmt.Sprint(retryAfter))
		return writeError(w, errorf(http.StatusTooManyRequests,
			"rate limit exceeded for this token: retry after %d s", retryAfter))
	}
	if s.faults.fail() {
		w.Header().Set("Retry-After", "1")
		return writeError(w, errorf(http.StatusServiceUnavailable,
			"service temporarily unavailable: the request was not processed; retry later"))
	}
	resp, apiErr := s.dispatch(w, r, m, body, bodyErr)
	if apiErr != nil {
		return writeError(w, apiErr)
	}
	if isWrite(r.Method) && s.faults.drop() {
		return writeError(w, errorf(http.StatusBadGateway, "upstream response lost"))
	}
	return writeData(w, resp.status, resp.data)
}

func isWrite(method string) bool {
	return method == http.MethodPost || method == http.MethodPut || method == http.MethodDelete
}

// call is one authenticated API request being handled under the store lock.
type call struct {
	r       *http.Request
	params  map[string]string
	body    []byte
	bodyErr error
	now     time.Time // the clock's reading for this request, full precision
	st      *store
	caller  principal
	server  *Server
}

// stamp is the request's time as stored in timestamps: UTC, whole seconds.
func (c *call) stamp() time.Time { return c.now.UTC().Truncate(time.Second) }

// dispatch routes the request, authenticates the caller and runs the handler, all
// under the store lock so that a request sees one consistent state.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request, m match, body []byte, bodyErr error) (response, *apiError) {
	if m.route == nil {
		return response{}, errorf(http.StatusNotFound, "no such route: %s", r.URL.Path)
	}
	h, found := m.route.methods[r.Method]
	if !found {
		allow := m.route.allow()
		w.Header().Set("Allow", allow)
		return response{}, errorf(http.StatusMethodNotAllowed,
			"method %s not allowed on %s; allowed: %s", r.Method, m.route.pattern, allow)
	}
	c := &call{r: r, params: m.params, server: s, body: body, bodyErr: bodyErr}
	s.mu.Lock()
	defer s.mu.Unlock()
	c.st = s.st
	c.now = s.clock.Now().UTC()
	caller, apiErr := authenticate(c.st, r.Header.Values("Authorization"), c.now)
	if apiErr != nil {
		return response{}, apiErr
	}
	c.caller = caller
	return h(c)
}

// recordIssued remembers a token value for IssuedTokens.
func (s *Server) recordIssued(token string) {
	s.issuedMu.Lock()
	defer s.issuedMu.Unlock()
	s.issued = append(s.issued, token)
}

// SetFaults changes the injected failure and drop rates (each clamped to [0, 1]).
func (s *Server) SetFaults(failRate, dropRate float64) { s.faults.setRates(failRate, dropRate) }

// SetLatency changes the latency added to every API request.
func (s *Server) SetLatency(d time.Duration) { s.faults.setLatency(d) }

// SetRateLimit changes the per-token rate limit (0: none); every bucket starts full.
func (s *Server) SetRateLimit(rps float64) { s.limiter.setRate(rps) }

// Stats returns a snapshot of the API request counters.
func (s *Server) Stats() Stats { return s.stats.snapshot() }

// ResetStats sets every API request counter back to zero.
func (s *Server) ResetStats() { s.stats.reset() }

// IssuedTokens returns every token value this emulator ever issued, the admin token
// first, including tokens that no longer work and those issued before a Reset.
func (s *Server) IssuedTokens() []string {
	s.issuedMu.Lock()
	defer s.issuedMu.Unlock()
	return slices.Clone(s.issued)
}

// ServiceAccountCount returns how many service accounts exist, in every organization.
func (s *Server) ServiceAccountCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.st.accounts)
}

// Reset wipes the state back to the seed, as a restart that lost its data would: every
// service account and its token are gone (their tokens become unknown). The list of
// issued tokens, the statistics and the fault settings are kept.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st = newSeedStore(s.adminToken)
}

// Running is a Server listening on a loopback port.
type Running struct {
	*Server
	// URL is the base URL, e.g. "http://127.0.0.1:41234", without a trailing slash.
	URL string

	httpServer *httptest.Server
}

// Start serves a new Server on 127.0.0.1 at a free port.
func Start(opts Options) (*Running, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("emulator: listening on 127.0.0.1: %w", err)
	}
	s := New(opts)
	hs := httptest.NewUnstartedServer(s)
	_ = hs.Listener.Close()
	hs.Listener = ln
	hs.Start()
	return &Running{Server: s, URL: hs.URL, httpServer: hs}, nil
}

// Close stops listening and waits for requests in flight to finish; requests still
// held are released first (in the order they arrived).
func (r *Running) Close() {
	r.Release(ReleaseFIFO)
	r.httpServer.Close()
}
