package main

import (
	"strings"
	"testing"

	"github.com/platformercloud/terraform-provider-platformer/internal/catalog"
)

// Every code of the catalog is on the page exactly once, in its level's section, and
// the page is a valid tfplugindocs template (no template actions).
func TestRender(t *testing.T) {
	t.Parallel()
	page := render()
	if strings.Contains(page, "{{") {
		t.Error("the page contains {{, which tfplugindocs would execute as a template action")
	}
	orgSection, projSection, ok := strings.Cut(page, "\n## Project level\n")
	if !ok || !strings.Contains(orgSection, "\n## Organization level\n") {
		t.Fatalf("sections missing:\n%s", page)
	}
	for level, section := range map[catalog.Level]string{
		catalog.LevelOrganization: orgSection[strings.Index(orgSection, "\n## Organization level\n"):],
		catalog.LevelProject:      projSection,
	} {
		for _, c := range catalog.Codes(level) {
			if n := strings.Count(section, "`"+c+"`"); n != 1 {
				t.Errorf("%s code %q appears %d times in its section, want 1", level, c, n)
			}
		}
	}
}
