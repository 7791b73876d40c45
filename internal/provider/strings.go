package provider

import (
	"fmt"
	"strings"
)

// quoteList renders names as "a", "b", "c" for diagnostics, or "none".
func quoteList(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
