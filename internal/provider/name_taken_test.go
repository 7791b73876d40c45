package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
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
		{14 * time.Minute, "ago. Under 15 minutes old, it is likely from an interrupted apply."},
		{15 * time.Minute, "ago. 15 minutes old or more, it is probably someone else's."},
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
					ExpectError: regexp.MustCompile(`(?s)Error: Name Already Used.*` + wrapTolerant("account "+
						issued.ServiceAccount.ID) + `.*` + wrapTolerant("has it, created") +
						fmt.Sprintf(`\s+%dm[0-9]s\s+`, int(tc.age/time.Minute)) + wrapTolerant(tc.want)),
				}},
			})
		})
	}
}

// Issue 26, item 2: two platformer_service_account blocks that would hold one name in
// one scope are refused at plan time, before anything is created. Before, the plan
// passed and the apply failed with Name Already Used, which said the account "is not in
// this configuration's state" and advised an import that ends in Service Account
// Managed Twice.
func TestAccServiceAccount_nameUsedTwiceRefusedAtPlan(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	c := newCLIDir(e)
	where := "organization " + e.OrgID
	twoNew := "resource \"platformer_service_account\" \"a\" {\n  name = \"ci\"\n}\n\n" +
		"resource \"platformer_service_account\" \"b\" {\n  name        = \"ci\"\n  description = \"the same name\"\n}\n"
	c.write(e.config(twoNew))
	c.must("init")
	r := c.run("plan")
	want := `Error: Service Account Name Used Twice with platformer_service_account.%s, on main.tf line %d, in resource "platformer_service_account" "%[1]s": %[2]d: name = "ci" name: two platformer_service_account resources of this configuration would hold the name "ci" in ` +
		where + `, which the Console allows once: this one (on the "with" line) and another block would both create it. Give one of them another name, or delete one of the two blocks.`
	expectOneOf(t, r, fmt.Sprintf(want, "a", 16), fmt.Sprintf(want, "b", 20))
	if n := e.em.ServiceAccountCount(); n != 0 {
		t.Fatalf("%d accounts created by a refused plan", n)
	}

	// One in state, one new: whichever of the two Terraform plans second is refused,
	// in its own terms.
	c.write(e.config("resource \"platformer_service_account\" \"a\" {\n  name = \"ci\"\n}\n"))
	c.must("apply", "-auto-approve")
	id := c.state()[0].str("id")
	c.write(e.config(twoNew))
	r = c.run("plan")
	prefix := `Error: Service Account Name Used Twice with platformer_service_account.%s, on main.tf line %d, in resource "platformer_service_account" "%[1]s": %[2]d: name = "ci" name: two platformer_service_account resources of this configuration would hold the name "ci" in ` +
		where + `, which the Console allows once: `
	expectOneOf(t, r,
		fmt.Sprintf(prefix, "b", 20)+`another resource has account `+id+` of that name in state (terraform state list -id=`+id+
			` prints its address), and this one (on the "with" line) would create another. Give this one another name, or delete this block if it is meant to be that account.`,
		fmt.Sprintf(prefix, "a", 16)+`this resource (on the "with" line) has account `+id+` of that name in state, and another block would create another. Give that block another name, or delete it if it is meant to be this account; keep this one.`)

	// The advice works: state list -id names the resource in state.
	if got := strings.TrimSpace(c.must("state", "list", "-id="+id).stdout); got != "platformer_service_account.a" {
		t.Errorf("terraform state list -id=%s printed %q", id, got)
	}
	// A replacement of the account in state is not a second claim of its name.
	c.write(e.config("resource \"platformer_service_account\" \"a\" {\n  name = \"ci\"\n}\n"))
	c.must("apply", "-auto-approve", "-replace=platformer_service_account.a")
	c.must("plan", "-replace=platformer_service_account.a")
	c.write(e.config("resource \"platformer_service_account\" \"a\" {\n  name = \"ci\"\n  project_id = \"" + e.ShopID + "\"\n}\n"))
	c.must("plan")
}

// A name unknown at plan time (taken from another resource of the run) is checked
// only when the Console refuses the create. The account holding the name is in state,
// under a resource that this apply does not change, which the provider cannot see: Name
// Already Used says how to tell (terraform state list -id), and that command names it.
func TestAccServiceAccount_nameTakenByAnUnchangedResource(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	c := newCLIDir(e)
	first := "resource \"platformer_service_account\" \"a\" {\n  name = \"ci\"\n}\n"
	c.write(e.config(first))
	c.must("init")
	c.must("apply", "-auto-approve")
	id := c.state()[0].str("id")
	c.write(e.config(first + "\nresource \"terraform_data\" \"name\" {\n  input = \"ci\"\n}\n\n" +
		"resource \"platformer_service_account\" \"b\" {\n  name = terraform_data.name.output\n}\n"))
	r := c.run("apply", "-auto-approve")
	want := fmt.Sprintf(`If terraform state list -id=%s prints an address, or the account is someone else's, set name to another.`, id)
	if r.code == 0 || !strings.Contains(flatOutput(r), "Error: Name Already Used") || !strings.Contains(flatOutput(r), want) {
		t.Fatalf("want Name Already Used saying %s\n%s", want, r)
	}
	if got := strings.TrimSpace(c.must("state", "list", "-id="+id).stdout); got != "platformer_service_account.a" {
		t.Errorf("terraform state list -id=%s printed %q", id, got)
	}
}

// expectOneOf fails unless the command failed with exactly one of the errors wants
// (each a whole diagnostic, as flatOutput shows it), and no other error.
func expectOneOf(t *testing.T, r cliResult, wants ...string) {
	t.Helper()
	out := flatOutput(r)
	found := 0
	for _, w := range wants {
		if strings.Contains(out, w) {
			found++
		}
	}
	if r.code == 0 || found != 1 || len(r.errorSummaries()) != 1 {
		t.Fatalf("want exactly one of these errors:\n%s\n%s", strings.Join(wants, "\n"), r)
	}
}

// Name Already Used for an account that another resource of this apply planned (and so
// has in this configuration's state, such as one renamed away in the same apply, whose
// update came after this create): the error says so, and advises no import. Driven
// below the CLI, since which of the two a real apply runs first is not fixed.
func TestServiceAccount_nameTakenInThisState(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	e.needEmulator("a Console to refuse the name")
	ctx := context.Background()
	api := e.client()
	held, err := api.CreateServiceAccount(ctx, e.OrgID, client.CreateServiceAccountInput{Name: "ci"})
	if err != nil {
		t.Fatal(err)
	}
	_, createErr := api.CreateServiceAccount(ctx, e.OrgID, client.CreateServiceAccountInput{Name: "ci"})
	if !client.IsConflict(createErr) {
		t.Fatalf("the second create: %v", createErr)
	}
	id := held.ServiceAccount.ID
	d := &providerData{}
	plan := &serviceAccountModel{Name: types.StringValue("ci"), OrganizationID: uuidOf(e.OrgID), ProjectID: uuidNull()}
	for _, claimed := range []bool{false, true} {
		if claimed {
			var diags diag.Diagnostics
			d.claimAccount(tftypes.NewValue(tftypes.String, "a"), id, "ci", false, &diags)
		}
		var diags diag.Diagnostics
		d.addNameTakenError(ctx, api, e.clock.Now(), plan, createErr, &diags)
		if len(diags) != 1 {
			t.Fatalf("claimed %v: %v", claimed, diags)
		}
		detail := strings.Join(strings.Fields(diags[0].Detail()), " ")
		inState := fmt.Sprintf(`It is in this configuration's state under another address (terraform state list -id=%s prints it). If that resource renames it in this apply, apply again once it has; otherwise set name to another. Do not import it here: two resources would manage one account.`, id)
		if n := len(diags[0].Detail()); n > maxMessage {
			t.Errorf("claimed %v: a detail of %d characters, over %d:\n%s", claimed, n, maxMessage, detail)
		}
		if got := strings.Contains(detail, inState); got != claimed {
			t.Errorf("claimed %v: the detail says it is in state: %v\n%s", claimed, got, detail)
		}
		if got := strings.Contains(detail, "import {"); got == claimed {
			t.Errorf("claimed %v: import steps given: %v\n%s", claimed, got, detail)
		}
	}
}
