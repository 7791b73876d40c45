package emulator

import (
	"cmp"
	"slices"
	"sync"
)

// Stats is a snapshot of the API request counters. Control routes are never counted.
type Stats struct {
	// Total is the number of API requests answered.
	Total int `json:"total"`
	// Requests counts them by method, route pattern and final status, sorted by route,
	// then method, then status.
	Requests []RouteStat `json:"requests"`
}

// RouteStat counts the API requests of one method, route and final status.
type RouteStat struct {
	Method string `json:"method"`
	// Route is the pattern, e.g. "/auth/api/v1/serviceaccount/{id}"; requests to no
	// known route are counted under "(unmatched)".
	Route  string `json:"route"`
	Status int    `json:"status"`
	Count  int    `json:"count"`
}

// Count sums the requests of a method and route pattern over every status.
func (s Stats) Count(method, route string) int {
	n := 0
	for _, r := range s.Requests {
		if r.Method == method && r.Route == route {
			n += r.Count
		}
	}
	return n
}

type statKey struct {
	method, route string
	status        int
}

type statsRecorder struct {
	mu     sync.Mutex
	total  int
	counts map[statKey]int
}

func newStatsRecorder() *statsRecorder {
	return &statsRecorder{counts: map[statKey]int{}}
}

func (r *statsRecorder) record(method, route string, status int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.total++
	r.counts[statKey{method, route, status}]++
}

func (r *statsRecorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.total = 0
	r.counts = map[statKey]int{}
}

func (r *statsRecorder) snapshot() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := Stats{Total: r.total, Requests: make([]RouteStat, 0, len(r.counts))}
	for k, n := range r.counts {
		out.Requests = append(out.Requests, RouteStat{Method: k.method, Route: k.route, Status: k.status, Count: n})
	}
	slices.SortFunc(out.Requests, func(a, b RouteStat) int {
		return cmp.Or(cmp.Compare(a.Route, b.Route), cmp.Compare(a.Method, b.Method), cmp.Compare(a.Status, b.Status))
	})
	return out
}
