package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
)

// Issue 19, item 5: the words of Name Already Used match the rule. An account created
// less than 15 minutes before, on the Console's clock, is called the sign of an
// interrupted apply; one 15 minutes old or more is not. Before the fix, a 14-minute-old
// account was said to be "created in the last few minutes". The emulator's clock is days
// away from this machine's, and the provider runs on this machine's clock, so a
// decision on any clock but the Console's fails both cases.
func TestAccServiceAccount_nameTakenWordsMatchTheWindow(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		age  time.Duration
		want string
	}{
		{14 * time.Minute, "ago by the Console's clock. It was created less than 15 minutes ago, and is not in " +
			"this configuration's state: the sign of an earlier apply that was interrupted (killed, or timed out) after " +
			"the Console created the account and before Terraform recorded it."},
		{15 * time.Minute, "ago by the Console's clock. It was created 15 minutes ago or more, so it was probably " +
			"not left behind by an interrupted apply: it may belong to another configuration, or to someone else."},
	} {
		t.Run(tc.age.String(), func(t *testing.T) {
			t.Parallel()
			e := newAccEnv(t)
			e.needEmulator("its clock")
			if d := time.Since(e.clock.Now()); d < 24*time.Hour && d > -24*time.Hour {
				t.Fatalf("the emulator's clock is %s from this machine's: too close to tell the clocks apart", d)
			}
			issued, err := e.client().CreateServiceAccount(context.Background(), e.OrgID, client.CreateServiceAccountInput{Name: "taken"})
			if err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(tc.age)
			resource.Test(t, resource.TestCase{
				// The provider on this machine's clock, the Console days away on its own.
				ProtoV6ProviderFactories: map[string]func() (tfprotov6.ProviderServer, error){
					"platformer": NewServer(newWithClock("test", "acc", realClock{})),
				},
				Steps: []resource.TestStep{{
					Config: e.config("resource \"platformer_service_account\" \"test\" {\n  name = \"taken\"\n}\n"),
					// The age is printed to the second; a loaded machine may add one.
					ExpectError: regexp.MustCompile(`(?s)Error: Name Already Used.*` + wrapTolerant(fmt.Sprintf(
						"id %s, created %s,", issued.ServiceAccount.ID, e.clock.Now().Add(-tc.age).UTC().Format(time.RFC3339))) +
						fmt.Sprintf(`\s+%dm[0-9]s\s+`, int(tc.age/time.Minute)) + wrapTolerant(tc.want)),
				}},
			})
		})
	}
}
