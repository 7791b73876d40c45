package provider

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/platformercloud/terraform-provider-platformer/internal/client"
)

// FuzzImportShapes: the one import-id parser (import_id.go) gives, for every id, what the
// rotating token's own parsing gave before it was merged into it: the same accounts and
// organization, or a refusal with the same message, but for the two malformed ids whose
// message now says what is wrong with them as it does for the other resources (more
// than one "/": "has N parts"; an empty organization before the "/": "is not made of
// UUIDs"). The one-account shape is FuzzParseImportID's.
func FuzzImportShapes(f *testing.F) {
	for _, seed := range []string{
		"", " ", "/", ",", fuzzID + "," + fuzzOrg, " " + fuzzID + " , " + fuzzOrg + " ", fuzzOrg + "/" + fuzzID + "," + fuzzOrg,
		fuzzID + "," + fuzzID, fuzzID + "," + strings.ToUpper(fuzzID), fuzzID, fuzzID + ",", fuzzID + ",x", "a/b/c",
		fuzzOrg + "/" + fuzzID + "/" + fuzzID, "/" + fuzzID + "," + fuzzOrg, "acme/" + fuzzID + "," + fuzzOrg,
		fuzzOrg + " /" + fuzzID + "," + fuzzOrg, fuzzID + "," + fuzzOrg + "," + fuzzID,
	} {
		f.Add(seed, true)
		f.Add(seed, false)
	}
	f.Fuzz(func(t *testing.T, raw string, providerHasOrg bool) {
		data := &providerData{}
		if providerHasOrg {
			data.organizationID = fuzzOrg
		}
		orgID, ids, problem := rotatingImport.parseID(raw, data)
		wantOrg, wantIDs, wantProblem := rotatingParseBefore(raw, data)
		trimmed := strings.TrimSpace(raw)
		reworded := strings.Count(trimmed, "/") > 1 || strings.HasPrefix(trimmed, "/")
		switch {
		case (problem == "") != (wantProblem == ""):
			t.Fatalf("%q: refused %q, before %q", raw, problem, wantProblem)
		case problem == "" && (orgID != wantOrg || !slices.Equal(ids, wantIDs)):
			t.Fatalf("%q: parsed as %q %q, before %q %q", raw, orgID, ids, wantOrg, wantIDs)
		case problem != wantProblem && !reworded:
			t.Fatalf("%q: refused with\n%s\nbefore with\n%s", raw, problem, wantProblem)
		case problem != "" && (!strings.Contains(problem, fmt.Sprintf("%q", raw)) || !strings.Contains(problem, rotatingImport.accepted)):
			t.Fatalf("%q: the message does not quote the id and say what is accepted: %s", raw, problem)
		}
	})
}

// rotatingParseBefore is the parsing of platformer_service_account_rotating_token's
// ImportState before the one parser, as it was.
func rotatingParseBefore(id string, data *providerData) (string, []string, string) {
	accepted := rotatingImport.accepted
	raw := strings.TrimSpace(id)
	orgID, pair := "", raw
	if i := strings.Index(raw, "/"); i >= 0 {
		orgID, pair = raw[:i], raw[i+1:]
	} else if data != nil {
		orgID = data.organizationID
	}
	ids := strings.Split(pair, ",")
	for i := range ids {
		ids[i] = strings.TrimSpace(ids[i])
	}
	switch {
	case len(ids) != 2:
		return "", nil, fmt.Sprintf("Import id %q does not name two service accounts. %s", id, accepted)
	case !client.IsUUID(ids[0]) || !client.IsUUID(ids[1]) || (orgID != "" && !client.IsUUID(orgID)):
		return "", nil, fmt.Sprintf("Import id %q is not made of UUIDs. %s", id, accepted)
	case strings.EqualFold(ids[0], ids[1]):
		return "", nil, fmt.Sprintf("Import id %q names the same account twice. %s", id, accepted)
	case orgID == "":
		return "", nil, fmt.Sprintf("Import id %q names no organization, and the provider has no organization_id. %s", id, accepted)
	}
	return orgID, ids, ""
}
