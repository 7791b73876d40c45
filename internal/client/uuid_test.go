package client

import (
	"regexp"
	"testing"
)

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func TestIsUUID(t *testing.T) {
	for s, want := range map[string]bool{
		"0b6c1f7e-2d3a-4c5b-9e8f-1a2b3c4d5e6f":   true,
		"0B6C1F7E-2D3A-4C5B-9E8F-1A2B3C4D5E6F":   true,
		"00000000-0000-0000-0000-000000000000":   true,
		"":                                       false,
		"0b6c1f7e2d3a4c5b9e8f1a2b3c4d5e6f":       false,
		"{0b6c1f7e-2d3a-4c5b-9e8f-1a2b3c4d5e6f}": false,
		"0b6c1f7e-2d3a-4c5b-9e8f-1a2b3c4d5e6g":   false,
		"0b6c1f7e-2d3a-4c5b-9e8f_1a2b3c4d5e6f":   false,
		"0b6c1f7e-2d3a-4c5b-9e8f-1a2b3c4d5e6":    false,
		"0b6c1f7e-2d3a-4c5b-9e8f-1a2b3c4d5e6f0":  false,
		"0b6c1f7e-2d3a-4c5b-9e8f-1a2b3c4d5e6f\n": false,
		"../../../../../../../../../../../..":    false,
	} {
		if got := IsUUID(s); got != want {
			t.Errorf("IsUUID(%q) = %v", s, got)
		}
	}
}

func FuzzIsUUID(f *testing.F) {
	for _, s := range []string{orgID, "", "x", "0b6c1f7e-2d3a-4c5b-9e8f-1a2b3c4d5e6ф", "0B6C1F7E-2D3A-4C5B-9E8F-1A2B3C4D5E6F"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := IsUUID(s), uuidRE.MatchString(s); got != want {
			t.Errorf("IsUUID(%q) = %v, the reference says %v", s, got, want)
		}
	})
}
