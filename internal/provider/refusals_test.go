package provider

import (
	"fmt"
	"strings"
	"testing"
)

// Issue 19, item 5: an update refused by the Console names the attribute and the value,
// as a create does (TestAccBadInput). Before: "Could not update service account …: PUT
// /auth/api/v1/serviceaccount/…: 400 Bad Request: roles[2].roles_id[…]: unknown
// permission code "rudder.env.veiwer"".
func TestAccServiceAccount_updateRefusalNamesTheAttribute(t *testing.T) {
	t.Parallel()
	e := newAccEnv(t)
	account := func(dataCodes string) string {
		return e.config(fmt.Sprintf(`
resource "platformer_service_account" "a" {
  name        = "refused"
  permissions = ["organization.viewer"]
  project_permissions = {
    %[1]q = ["rudder.app.viewer"]
    %[2]q = [%[3]s]
  }
}
`, e.ShopID, e.DataID, dataCodes))
	}
	c := initCLI(e, account(`"rudder.env.viewer"`))
	c.must("apply", "-auto-approve")
	id := c.state()[0].str("id")
	c.write(account(`"rudder.env.viewer", "rudder.env.veiwer"`))
	r := c.run("apply", "-auto-approve")
	flat := strings.Join(strings.Fields(r.stdout+r.stderr), " ")
	want := `Could not update service account ` + id + `: the Console refused "rudder.env.veiwer" in project_permissions["` +
		e.DataID + `"]: unknown permission code "rudder.env.veiwer".`
	if r.code != 1 || !strings.Contains(flat, "Error: Value Refused by the Console") || !strings.Contains(flat, want) {
		t.Errorf("the refused update does not say\n%s\n%s", want, r)
	}
}
