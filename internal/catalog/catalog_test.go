package catalog

import "testing"

func TestCatalog(t *testing.T) {
	t.Parallel()
	org, proj := Codes(LevelOrganization), Codes(LevelProject)
	if len(org) != 12 {
		t.Errorf("organization codes: got %d, want the guide's 12", len(org))
	}
	if len(proj) != 47 {
		t.Errorf("project codes: got %d, want the guide's 47", len(proj))
	}
	seen := map[string]bool{}
	for _, c := range append(append([]string{}, org...), proj...) {
		if seen[c] {
			t.Errorf("code %q is listed twice", c)
		}
		seen[c] = true
	}
	for code, want := range map[string]Level{
		"organization.billling.editor":      LevelOrganization, // the guide's spelling
		"organization.app.edit":             LevelProject,      // listed among project codes by the guide
		"rudder.env.clusterconnector.admin": LevelProject,
		"mizzen.browser":                    LevelProject,
	} {
		if got, ok := LevelOf(code); !ok || got != want {
			t.Errorf("LevelOf(%q) = %q, %v; want %q", code, got, ok, want)
		}
	}
	if _, ok := LevelOf("organization.billing.editor"); ok {
		t.Error("organization.billing.editor is not in the guide (it spells billling)")
	}
}
