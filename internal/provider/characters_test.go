package provider

import (
	"fmt"
	"strings"
	"testing"
)

// Issue 19, item 4: description is limited to 500 characters, counted as the Console
// counts them (runes), not in bytes. Before the fix, 300 × "é" (600 bytes) was refused
// at plan: "Attribute description string length must be at most 500, got: 600".
func TestAccServiceAccount_descriptionCountsCharacters(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	for _, description := range []string{
		strings.Repeat("é", 300),                              // 600 bytes
		strings.Repeat("🙂", 500),                              // 2000 bytes, at the limit
		"Déploie la boutique 🚀 — " + strings.Repeat("ü", 476), // 500 characters, mixed
	} {
		config := e.config(fmt.Sprintf(`
resource "platformer_service_account" "a" {
  name        = "characters"
  description = %q
}
`, description))
		c := initCLI(e, config)
		if r := c.run("apply", "-auto-approve"); r.code != 0 {
			t.Fatalf("%d characters (%d bytes) refused:\n%s", len([]rune(description)), len(description), r)
		}
		if got := c.state()[0].str("description"); got != description {
			t.Errorf("state holds %q, want %q", got, description)
		}
		expectEmptyPlans(t, c, "after the apply")
		c.must("destroy", "-auto-approve")
	}
}
