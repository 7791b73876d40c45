package client

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestEncodeCreateServiceAccountNulls(t *testing.T) {
	b, err := encodeCreateServiceAccount(CreateServiceAccountInput{Name: "n", Roles: []RoleBinding{{CollectionID: orgID}}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"name":"n","description":"","expired_in":null,"project_id":null,` +
		`"roles":[{"collection_id":"` + orgID + `","roles_id":[]}],"custom_role_ids":[]}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}

func TestTimeFormat(t *testing.T) {
	in := time.Date(2030, 5, 6, 9, 8, 7, 999, time.FixedZone("X", -2*3600))
	if got := formatTime(in); got != "2030-05-06T11:08:07Z" {
		t.Errorf("got %q", got)
	}
	if _, err := parseTime("2030-05-06 11:08:07"); err == nil {
		t.Error("not RFC 3339")
	}
}

func TestParseEnvelope(t *testing.T) {
	for body, want := range map[string]bool{
		`{"success": true, "data": 1}`:                           true,
		`{"success": true}`:                                      true,
		`{"success": false, "errors": {"message": ""}}`:          true,
		`{"success": false, "errors": {"message": "x", "y": 1}}`: true,
		`{"success": null, "data": 1}`:                           false,
		`{"success": false}`:                                     false,
		`{"success": false, "errors": null}`:                     false,
		`{"success": false, "errors": {"message": null}}`:        false,
		`{"success": false, "errors": {"message": 5}}`:           false,
		`null`:      false,
		`"success"`: false,
		``:          false,
	} {
		if _, ok := parseEnvelope([]byte(body)); ok != want {
			t.Errorf("parseEnvelope(%s) = %v", body, ok)
		}
	}
}

// FuzzDecodeEnvelope feeds arbitrary bodies through the decoding of every call: it
// must never panic, and a success must carry a well-formed payload.
func FuzzDecodeEnvelope(f *testing.F) {
	sa, _ := json.Marshal(okEnv(saJSON(saID)))
	issued, _ := json.Marshal(okEnv(map[string]any{"token": "t", "service_account": saJSON(saID)}))
	page, _ := json.Marshal(okEnv(map[string]any{"items": []any{saJSON(saID)}, "next_page": 2}))
	orgs, _ := json.Marshal(okEnv([]any{map[string]any{"organization_id": orgID, "name": "a"}}))
	for _, seed := range []string{
		string(sa), string(issued), string(page), string(orgs),
		`{"success":true}`, `{"success":true,"data":null}`, `{"success":true,"data":{}}`,
		`{"success":false,"errors":{"message":"no"}}`, `<html>`, ``, `{"success":true,"data":[]}`,
		`{"success":true,"data":{"items":null,"next_page":-1}}`,
	} {
		f.Add(200, []byte(seed))
		f.Add(404, []byte(seed))
	}
	c, err := New(Config{Token: testToken})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 599 {
			status = 200
		}
		r := apiRequest{method: "GET", path: "/p"}
		check := func(err error) {
			if err == nil {
				if status < 200 || status > 299 {
					t.Fatalf("success with status %d", status)
				}
				env, ok := parseEnvelope(body)
				if !ok || !env.success || !json.Valid(body) {
					t.Fatalf("success from a body that is not a success envelope: %q", body)
				}
				return
			}
			var ae *APIError
			var ue *UnexpectedResponseError
			if !errors.As(err, &ae) && !errors.As(err, &ue) {
				t.Fatalf("error of type %T", err)
			}
			if ue != nil && len(ue.Body) > maxBodySnippet {
				t.Fatalf("snippet of %d bytes", len(ue.Body))
			}
			if strings.Contains(err.Error(), testToken) {
				t.Fatal("token in error")
			}
		}

		var gotSA *ServiceAccount
		err := c.interpret(r, answer{status: status, body: body}, func(d json.RawMessage) (err error) { gotSA, err = decodeServiceAccount(d); return err })
		check(err)
		if err == nil && (!IsUUID(gotSA.ID) || !IsUUID(gotSA.OrganizationID) || gotSA.Name == "") {
			t.Fatalf("garbage account %+v", gotSA)
		}

		var gotTok *IssuedToken
		err = c.interpret(r, answer{status: status, body: body}, func(d json.RawMessage) (err error) { gotTok, err = decodeIssuedToken(d); return err })
		check(err)
		if err == nil && (gotTok.Token == "" || !IsUUID(gotTok.ServiceAccount.ID)) {
			t.Fatalf("garbage token %+v", gotTok)
		}

		var gotPage *Page
		err = c.interpret(r, answer{status: status, body: body}, func(d json.RawMessage) (err error) { gotPage, err = decodePage(d); return err })
		check(err)
		if err == nil {
			if gotPage.Items == nil || gotPage.NextPage < 0 {
				t.Fatalf("garbage page %+v", gotPage)
			}
			for _, it := range gotPage.Items {
				if !IsUUID(it.ID) {
					t.Fatalf("garbage item %+v", it)
				}
			}
		}

		var gotOrgs []Organization
		err = c.interpret(r, answer{status: status, body: body}, func(d json.RawMessage) (err error) { gotOrgs, err = decodeOrganizations(d); return err })
		check(err)
		for _, o := range gotOrgs {
			if !IsUUID(o.ID) {
				t.Fatalf("garbage organization %+v", o)
			}
		}

		check(c.interpret(r, answer{status: status, body: body}, nil))
	})
}
