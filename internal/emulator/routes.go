package emulator

import (
	"slices"
	"strings"
)

// apiPrefix is where the identity and access service lives.
const apiPrefix = "/auth/api/v1"

// unmatchedRoute labels, in the statistics, requests to a path no route knows.
const unmatchedRoute = "(unmatched)"

type handlerFunc func(c *call) (response, *apiError)

// route is one path pattern of the API with the handlers of its methods. A segment in
// braces is a parameter matching any non-empty segment.
type route struct {
	pattern  string
	segments []string
	methods  map[string]handlerFunc
}

func newRoute(pattern string, methods map[string]handlerFunc) *route {
	return &route{pattern: pattern, segments: strings.Split(pattern, "/"), methods: methods}
}

func apiRoutes() []*route {
	return []*route{
		newRoute(apiPrefix+"/organization/list", map[string]handlerFunc{
			"GET": handleListOrganizations,
		}),
		newRoute(apiPrefix+"/organization/project/view/list/{orgId}", map[string]handlerFunc{
			"GET": handleListProjects,
		}),
		newRoute(apiPrefix+"/serviceaccount/token/create", map[string]handlerFunc{
			"POST": handleCreateAccount,
		}),
		newRoute(apiPrefix+"/serviceaccount/list", map[string]handlerFunc{
			"GET": handleListAccounts,
		}),
		newRoute(apiPrefix+"/serviceaccount/{id}", map[string]handlerFunc{
			"GET":    handleGetAccount,
			"PUT":    handleUpdateAccount,
			"DELETE": handleDeleteAccount,
		}),
		newRoute(apiPrefix+"/serviceaccount/{id}/token/renew", map[string]handlerFunc{
			"POST": handleRenewToken,
		}),
	}
}

// allow lists the route's methods, sorted, for the Allow header.
func (rt *route) allow() string {
	methods := make([]string, 0, len(rt.methods))
	for m := range rt.methods {
		methods = append(methods, m)
	}
	slices.Sort(methods)
	return strings.Join(methods, ", ")
}

// match is the outcome of routing a path: the route (nil if none) and its parameters.
type match struct {
	route  *route
	params map[string]string
}

func (m match) label() string {
	if m.route == nil {
		return unmatchedRoute
	}
	return m.route.pattern
}

// match finds the route for a path. When several patterns match, the one with the most
// literal segments wins, so ".../serviceaccount/list" is the list route, not an id.
func (s *Server) match(path string) match {
	segs := strings.Split(path, "/")
	var best match
	bestLiterals := -1
	for _, rt := range s.routes {
		if len(rt.segments) != len(segs) {
			continue
		}
		params := map[string]string{}
		literals := 0
		matched := true
		for i, want := range rt.segments {
			if strings.HasPrefix(want, "{") && strings.HasSuffix(want, "}") {
				if segs[i] == "" {
					matched = false
					break
				}
				params[want[1:len(want)-1]] = segs[i]
				continue
			}
			if segs[i] != want {
				matched = false
				break
			}
			literals++
		}
		if matched && literals > bestLiterals {
			best, bestLiterals = match{route: rt, params: params}, literals
		}
	}
	return best
}
