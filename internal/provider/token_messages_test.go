package provider

import (
	"strings"
	"testing"
	"time"
)

// Issue 19, item 5: the warning of a renewal that the configuration did not ask for says
// what becomes of the current token. Before the fix, a token that had already expired
// was said to stop working "when it does".
func TestAccServiceAccountToken_renewalWarningSaysWhatBecomesOfTheToken(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("its clock")
	c := initCLI(e, e.config(`
resource "platformer_service_account" "a" {
  name = "fate"
}

resource "platformer_service_account_token" "a" {
  service_account_id = platformer_service_account.a.id
  expires_in         = "2h"
  renew_before       = "1h"
}
`))
	c.must("apply", "-auto-approve")
	for _, tc := range []struct {
		advance time.Duration
		want    string
	}{
		{90 * time.Minute, "The current token stops working when this apply renews it; the new one is stored in state."},
		// "(now …)" is the Console's clock as estimated, a second late on a loaded machine.
		{3 * time.Hour, "The current token has already stopped working, since it expired; the new one is stored in state."},
	} {
		e.clock.Set(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC).Add(tc.advance))
		r := c.run("plan")
		flat := strings.Join(strings.Fields(r.stdout), " ")
		if r.code != 0 || !strings.Contains(flat, "Warning: Token Will Be Renewed") || !strings.Contains(flat, tc.want) {
			t.Errorf("%s after the apply: the plan does not warn %q:\n%s", tc.advance, tc.want, r)
		}
	}
}
