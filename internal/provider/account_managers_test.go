package provider

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
)

// Issue 21: one manager per account. A query run again after an adoption lists the
// adopted accounts again (a list resource cannot see state); applying the blocks it
// generated would import each account a second time, under a new address, and the two
// resources would fight over one Console account. Two platformer_service_account
// resources of one configuration that plan with the same account are refused at plan
// time; a replacement, a moved block and ordinary plans of one resource are not.

const managedTwice = "Error: Service Account Managed Twice"

// handMadeAccount makes an organization-level account through the Console's API and
// returns its id.
func handMadeAccount(t *testing.T, e *accEnv, name string) string {
	t.Helper()
	issued, err := e.client().CreateServiceAccount(context.Background(), e.OrgID, client.CreateServiceAccountInput{
		Name: name, Roles: []client.RoleBinding{{CollectionID: e.OrgID, RoleIDs: []string{"organization.viewer"}}},
	})
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	return issued.ServiceAccount.ID
}

// adoptedBlock is a resource block for the hand-made account name, with an import block
// by id string when importID is set, and extra arguments.
func adoptedBlock(addr, name, importID, extra string) string {
	s := fmt.Sprintf(`
resource "platformer_service_account" %q {
  name        = %q
  permissions = ["organization.viewer"]
  %s
}
`, addr, name, extra)
	if importID != "" {
		s += fmt.Sprintf(`
import {
  to = platformer_service_account.%s
  id = %q
}
`, addr, importID)
	}
	return s
}

// expectAccountManagedTwice checks that r failed at plan time with the error naming the
// account by id and name, on one of its two resources (given by address, each with
// whether this plan imports it), and saying which one to delete.
func expectAccountManagedTwice(t *testing.T, r cliResult, id, name string, pair map[string]bool, what string) {
	t.Helper()
	out := r.stdout + r.stderr
	head := expectText(fmt.Sprintf("id: service account %s (%q) is managed by two platformer_service_account resources "+
		"of this configuration", id, name))
	var chunk string
	for _, c := range strings.Split(out, managedTwice)[1:] {
		if head.MatchString(c) {
			chunk = c
		}
	}
	if r.code != 1 || chunk == "" || !expectText("A query does not know the state").MatchString(chunk) {
		t.Errorf("%s: expected the plan-time error naming account %s (%q):\n%s", what, id, name, r)
		return
	}
	var this string
	if m := regexp.MustCompile(`with (platformer_service_account\.\S+),`).FindStringSubmatch(chunk); m != nil {
		this = m[1]
	}
	importing, known := pair[this]
	otherImporting := false
	for addr, imp := range pair {
		if addr != this {
			otherImporting = imp
		}
	}
	var advice string
	switch {
	case !known || len(pair) != 2:
		t.Errorf("%s: the error is on %q, not on one of %v:\n%s", what, this, pair, r)
		return
	case importing && otherImporting:
		advice = "This resource and another are both imported by this plan"
	case importing:
		advice = "Another resource has it in state already, and this one imports it (an import block): delete the " +
			"import block and the resource block that it imports into (this resource's), and keep the one in state."
	case otherImporting:
		advice = fmt.Sprintf("This resource has it in state already, and another one imports it (an import block "+
			"whose id or identity names %s): delete that import block and the resource block that it imports into, and "+
			"keep this one.", id)
	default:
		advice = "Both have it in state already: remove one from state without destroying it (terraform state rm <address>"
	}
	if !expectText(advice).MatchString(chunk) {
		t.Errorf("%s: the error on %s does not say %q:\n%s", what, this, advice, r)
	}
}

// resetStats resets the emulator's counters (against a real Console: nothing).
func (e *accEnv) resetStats() {
	if e.em != nil {
		e.em.ResetStats()
	}
}

// expectReadsOnly checks, on the emulator, that the requests since resetStats were all
// reads, and, when listings >= 0, that they were that many listings and no GET of an
// account: the one-manager check itself makes no API call.
func expectReadsOnly(t *testing.T, e *accEnv, what string, listings int) {
	t.Helper()
	if e.em == nil {
		return
	}
	st := e.em.Stats()
	for _, rs := range st.Requests {
		if rs.Method != http.MethodGet {
			t.Errorf("%s: %s %s was sent (%d); expected reads only", what, rs.Method, rs.Route, rs.Count)
		}
	}
	if listings >= 0 && (st.Count(http.MethodGet, routeList) != listings || st.Count(http.MethodGet, routeAccount) != 0) {
		t.Errorf("%s: expected %d listings and no GET of an account, got %+v", what, listings, st.Requests)
	}
}

// accountsInState is the ids of the accounts in c's state, by address.
func accountsInState(c *cliDir) map[string]string {
	ids := map[string]string{}
	for _, in := range c.state() {
		if in.Type == "platformer_service_account" {
			ids[in.Addr] = in.str("id")
		}
	}
	return ids
}

// Two import blocks that name one account (one of them in upper case) are refused at
// plan, and nothing is imported; so is an import of an account already in state, and a
// second resource that terraform import put in state. Runs on every CLI (import blocks
// by id string are Terraform 1.5).
func TestAccServiceAccount_importedTwice(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	id := handMadeAccount(t, e, "adopted-twice")
	twice := adoptedBlock("a", "adopted-twice", id, "") + adoptedBlock("b", "adopted-twice", strings.ToUpper(id), "")
	c := initCLI(e, e.config(twice))
	both := map[string]bool{"platformer_service_account.a": true, "platformer_service_account.b": true}
	e.resetStats()
	first := c.run("plan")
	t.Logf("two import blocks:\n%s", first)
	expectAccountManagedTwice(t, first, id, "adopted-twice", both, "two import blocks of one account")
	expectAccountManagedTwice(t, c.run("apply", "-auto-approve"), id, "adopted-twice", both, "the apply of two import blocks")
	if got := accountsInState(c); len(got) != 0 {
		t.Fatalf("the refused apply imported %v", got)
	}
	expectReadsOnly(t, e, "the refused plan and apply", -1)

	// One import applies; an import of the same account beside it is refused.
	c.write(e.config(adoptedBlock("a", "adopted-twice", id, "")))
	c.must("apply", "-auto-approve")
	c.write(e.config(adoptedBlock("a", "adopted-twice", "", "") + adoptedBlock("b", "adopted-twice", strings.ToUpper(id), "")))
	second := c.run("apply", "-auto-approve")
	t.Logf("an import beside the resource in state:\n%s", second)
	expectAccountManagedTwice(t, second, id, "adopted-twice",
		map[string]bool{"platformer_service_account.a": false, "platformer_service_account.b": true}, "an import of an account in state")
	if got := accountsInState(c); len(got) != 1 || got["platformer_service_account.a"] != id {
		t.Fatalf("state after the refused import: %v, want only platformer_service_account.a = %s", got, id)
	}
	c.write(e.config(adoptedBlock("a", "adopted-twice", "", "")))
	e.resetStats()
	expectEmptyPlans(t, c, "once the second import block is gone")
	expectReadsOnly(t, e, "two no-change plans of one account", 2) // one listing each, no GET of the account

	// terraform import plans nothing: the second resource reaches state, and the next
	// plan says to remove one from state.
	c.write(e.config(adoptedBlock("a", "adopted-twice", "", "") + adoptedBlock("b", "adopted-twice", "", "")))
	c.must("import", "platformer_service_account.b", strings.ToUpper(id))
	expectAccountManagedTwice(t, c.run("plan"), id, "adopted-twice",
		map[string]bool{"platformer_service_account.a": false, "platformer_service_account.b": false}, "two in state")
	c.must("state", "rm", "platformer_service_account.b")
	c.write(e.config(adoptedBlock("a", "adopted-twice", "", "")))
	expectEmptyPlans(t, c, "once one of the two is removed from state")
	oneResourceStillPlans(t, c, id)
}

// oneResourceStillPlans: a moved block, -replace and replace_triggered_by of the one
// resource that manages account id are not taken for a second manager.
func oneResourceStillPlans(t *testing.T, c *cliDir, id string) {
	t.Helper()
	e := c.e
	moved := adoptedBlock("c", "adopted-twice", "", "") + `
moved {
  from = platformer_service_account.a
  to   = platformer_service_account.c
}
`
	c.write(e.config(moved))
	if r := c.run("apply", "-auto-approve"); r.code != 0 || strings.Contains(r.stdout+r.stderr, "Managed Twice") {
		t.Fatalf("a moved block: expected the apply to succeed:\n%s", r)
	}
	if got := accountsInState(c); got["platformer_service_account.c"] != id {
		t.Fatalf("after the move, state holds %v", got)
	}
	expectEmptyPlans(t, c, "after the move")

	r := c.run("plan", "-replace=platformer_service_account.c", "-detailed-exitcode")
	if r.code != 2 || strings.Contains(r.stdout+r.stderr, "Managed Twice") ||
		!strings.Contains(r.stdout, "Plan: 1 to add, 0 to change, 1 to destroy.") {
		t.Errorf("-replace of the account: expected a replacement planned without error:\n%s", r)
	}
	c.must("apply", "-replace=platformer_service_account.c", "-auto-approve")
	expectEmptyPlans(t, c, "after -replace")

	triggered := func(input string) string {
		return e.config(adoptedBlock("c", "adopted-twice", "", "lifecycle {\n    replace_triggered_by = [terraform_data.rotation]\n  }") +
			fmt.Sprintf("\nresource \"terraform_data\" \"rotation\" {\n  input = %q\n}\n", input))
	}
	c.write(triggered("1"))
	c.must("apply", "-auto-approve")
	c.write(triggered("2"))
	r = c.run("plan", "-detailed-exitcode")
	if r.code != 2 || strings.Contains(r.stdout+r.stderr, "Managed Twice") {
		t.Errorf("replace_triggered_by: expected a replacement planned without error:\n%s", r)
	}
	c.must("apply", "-auto-approve")
	expectEmptyPlans(t, c, "after replace_triggered_by")
	c.must("destroy", "-auto-approve")
}

// The adoption, then the same query again into another file: applying what it wrote is
// refused at plan, naming each account, and state is unchanged. Deleting the duplicated
// blocks leaves empty plans, and a query narrowed with name_prefix adopts a new
// account alone.
func TestAccAdopt_queryAgain(t *testing.T) {
	requireCLI(t, capListResources)
	e := newAccEnv(t)
	e.needEmulator("a fresh organization with exactly the hand-made accounts")
	ids := map[string]string{}
	for _, name := range []string{"ci-deployer", "release bot"} {
		ids[name] = handMadeAccount(t, e, name)
	}
	c := newCLIDir(e)
	c.write(e.config(""))
	writeQuery(t, c, "accounts.tfquery.hcl", `
list "platformer_service_account" "org" {
  provider = platformer
  config {}
}
`)
	c.must("init")
	c.must("query", "-generate-config-out=generated.tf")
	c.must("apply", "-auto-approve")
	if n := len(accountsInState(c)); n != 2 {
		t.Fatalf("the adoption imported %d accounts, want the 2", n)
	}
	// As the guide suggests: the generated blocks become ordinary configuration, renamed
	// with moved blocks, and generated.tf goes.
	takeOverGenerated(t, c, len(ids))
	adopted := accountsInState(c)

	again := c.must("query", "-generate-config-out=generated.tf")
	apply := c.run("apply", "-auto-approve")
	for name, id := range ids {
		pair := map[string]bool{}
		for addr, was := range adopted {
			if was == id {
				pair[addr] = false
				pair[strings.Replace(addr, ".adopted_", ".org_", 1)] = true // the query's address
			}
		}
		expectAccountManagedTwice(t, apply, id, name, pair, "the blocks of a second query")
	}
	if got := accountsInState(c); fmt.Sprint(got) != fmt.Sprint(adopted) {
		t.Fatalf("the refused apply changed state: %v, was %v", got, adopted)
	}
	t.Logf("transcript:\n$ terraform query -generate-config-out=generated.tf\n%s\n$ terraform apply\n%s",
		lastLines(again.stdout, 4), lastLines(apply.stdout+apply.stderr, 40))
	if err := os.Remove(filepath.Join(c.dir, "generated.tf")); err != nil {
		t.Fatal(err)
	}
	expectEmptyPlans(t, c, "once the duplicated blocks are deleted")

	// The safe way to adopt what was made since: a query that lists only the new.
	newID := handMadeAccount(t, e, "ci-nightly")
	if err := os.Remove(filepath.Join(c.dir, "accounts.tfquery.hcl")); err != nil {
		t.Fatal(err)
	}
	writeQuery(t, c, "new.tfquery.hcl", `
list "platformer_service_account" "new" {
  provider = platformer
  config {
    name_prefix = "ci-nightly"
  }
}
`)
	c.must("query", "-generate-config-out=new.tf")
	r := c.must("apply", "-auto-approve")
	if !strings.Contains(r.stdout, "Apply complete! Resources: 1 imported, 0 added, 0 changed, 0 destroyed.") {
		t.Fatalf("the narrowed query's blocks did not import the one new account:\n%s", r)
	}
	if addressOf(t, c, newID) == "" || len(accountsInState(c)) != 3 {
		t.Fatalf("state after adopting the new account: %v", accountsInState(c))
	}
	expectEmptyPlans(t, c, "after adopting the new account")
}

// writeQuery writes a file (a .tfquery.hcl) into c's directory.
func writeQuery(t *testing.T, c *cliDir, name, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(c.dir, name), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

var importBlock = regexp.MustCompile(`(?ms)^import \{.*?^\}\n?`)

// takeOverGenerated turns the n resource blocks of generated.tf into accounts.tf, named
// adopted_<i> instead of org_<i>, without the import blocks, applies the move (moved
// blocks), then deletes the moved blocks.
func takeOverGenerated(t *testing.T, c *cliDir, n int) {
	t.Helper()
	generated, err := os.ReadFile(filepath.Join(c.dir, "generated.tf"))
	if err != nil {
		t.Fatal(err)
	}
	own := strings.ReplaceAll(importBlock.ReplaceAllString(string(generated), ""),
		`"platformer_service_account" "org_`, `"platformer_service_account" "adopted_`)
	for i := 0; i < n; i++ {
		own += fmt.Sprintf("\nmoved {\n  from = platformer_service_account.org_%[1]d\n  to   = platformer_service_account.adopted_%[1]d\n}\n", i)
	}
	if strings.Contains(own, "import {") || strings.Count(own, "moved {") != n {
		t.Fatalf("taking over generated.tf:\n%s", own)
	}
	writeQuery(t, c, "accounts.tf", own)
	if err := os.Remove(filepath.Join(c.dir, "generated.tf")); err != nil {
		t.Fatal(err)
	}
	c.must("apply", "-auto-approve")
	writeQuery(t, c, "accounts.tf", own[:strings.Index(own, "\nmoved {")]) // moved blocks are done once applied
	expectEmptyPlans(t, c, "after taking over the generated blocks")
}
