package provider

import (
	"fmt"
	"sort"
	"strings"

	"github.com/platformercloud/terraform-provider-platformer/internal/catalog"
)

// permissionProblem says what is wrong with a permission code used at a level.
// isError is false for a code the catalog does not know: the real Console may know
// codes we don't, so that is a warning and the API's answer is final.
func permissionProblem(code string, want catalog.Level) (msg string, isError bool) {
	level, known := catalog.LevelOf(code)
	if !known {
		msg = fmt.Sprintf("%q is not a known %s-level permission code.", code, want)
		if s := closestCode(code, want); s != "" {
			msg += fmt.Sprintf(" Did you mean %q?", s)
		}
		return msg + " The Console will reject it if it does not know it either.", false
	}
	if level != want {
		return fmt.Sprintf("%q is a permission code of the %s level and cannot be granted at the %s level. "+
			"Accepted %s-level codes: %s.", code, level, want, want, strings.Join(catalog.Codes(want), ", ")), true
	}
	return "", false
}

// closestCode returns the known code of a level nearest to code, if one is near.
func closestCode(code string, level catalog.Level) string {
	best, bestDist := "", len(code)/2+2
	codes := catalog.Codes(level)
	sort.Strings(codes)
	for _, c := range codes {
		if d := levenshtein(code, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
