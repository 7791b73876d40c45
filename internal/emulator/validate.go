package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/platformercloud/terraform-provider-platformer/internal/catalog"
)

const (
	maxNameLength        = 100
	maxDescriptionLength = 500
	nameAccepted         = "letters A-Z and a-z, digits, space, '-', '_' and '.'"
)

// object is a JSON object from a request body, its fields not yet interpreted.
type object map[string]json.RawMessage

// bodyObject decodes the request body as one JSON object whose field names are all
// among accepted (matched exactly, unlike encoding/json's case-folding).
func (c *call) bodyObject(accepted ...string) (object, *apiError) {
	var tooLarge *http.MaxBytesError
	if errors.As(c.bodyErr, &tooLarge) {
		return nil, errorf(http.StatusRequestEntityTooLarge,
			"request body too large: at most %d bytes (1 MiB) accepted", maxBodyBytes)
	}
	if c.bodyErr != nil {
		return nil, errorf(http.StatusBadRequest, "reading request body: %v", c.bodyErr)
	}
	if len(bytes.TrimSpace(c.body)) == 0 {
		return nil, errorf(http.StatusBadRequest,
			"request body required: a JSON object with fields %s", strings.Join(accepted, ", "))
	}
	return decodeObject(c.body, "request body", accepted)
}

// decodeObject decodes raw as exactly one JSON object with only accepted fields; what
// names it in messages.
func decodeObject(raw []byte, what string, accepted []string) (object, *apiError) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	var obj object
	if err := dec.Decode(&obj); err != nil {
		var syntax *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syntax):
			return nil, errorf(http.StatusBadRequest, "malformed JSON in %s at byte %d: %v", what, syntax.Offset, err)
		case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
			return nil, errorf(http.StatusBadRequest, "malformed JSON in %s: unexpected end of input", what)
		case errors.As(err, &typ):
			return nil, errorf(http.StatusBadRequest, "%s: must be a JSON object, got %s", what, typ.Value)
		default:
			return nil, errorf(http.StatusBadRequest, "malformed JSON in %s: %v", what, err)
		}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errorf(http.StatusBadRequest, "malformed JSON in %s: unexpected data after the JSON object", what)
	}
	if obj == nil {
		return nil, errorf(http.StatusBadRequest, "%s: must be a JSON object, got null", what)
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.Contains(accepted, k) {
			return nil, errorf(http.StatusBadRequest, "%s: unknown field %q; accepted fields: %s",
				what, k, strings.Join(accepted, ", "))
		}
	}
	return obj, nil
}

// isNull reports whether a field is absent or JSON null.
func isNull(raw json.RawMessage) bool {
	return raw == nil || string(bytes.TrimSpace(raw)) == "null"
}

// stringField decodes an optional string field; present is false when it is absent or
// null.
func stringField(raw json.RawMessage, path string) (value string, present bool, e *apiError) {
	if isNull(raw) {
		return "", false, nil
	}
	if err := json.Unmarshal(raw, &value); err != nil {
		return "", false, errorf(http.StatusBadRequest, "%s: must be a string", path)
	}
	return value, true, nil
}

// stringList decodes an optional array of strings; absent or null is empty.
func stringList(raw json.RawMessage, path string) ([]string, *apiError) {
	if isNull(raw) {
		return []string{}, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, errorf(http.StatusBadRequest, "%s: must be an array of strings", path)
	}
	out := make([]string, 0, len(items))
	for j, item := range items {
		var s string
		if isNull(item) || json.Unmarshal(item, &s) != nil {
			return nil, errorf(http.StatusBadRequest, "%s[%d]: must be a string", path, j)
		}
		out = append(out, s)
	}
	return out, nil
}

// validateName checks a service account's name.
func validateName(name string, present bool) *apiError {
	n := utf8.RuneCountInString(name)
	switch {
	case !present:
		return errorf(http.StatusBadRequest, "name: required: 1 to %d characters of %s", maxNameLength, nameAccepted)
	case n == 0:
		return errorf(http.StatusBadRequest, "name: must not be empty: use 1 to %d characters of %s", maxNameLength, nameAccepted)
	case n > maxNameLength:
		return errorf(http.StatusBadRequest, "name: too long (%d characters): at most %d characters of %s", n, maxNameLength, nameAccepted)
	}
	for _, r := range name {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == ' ' || r == '-' || r == '_' || r == '.') {
			return errorf(http.StatusBadRequest, "name: character %q not allowed: use %s", r, nameAccepted)
		}
	}
	return nil
}

// validateDescription checks a service account's description.
func validateDescription(description string) *apiError {
	if n := utf8.RuneCountInString(description); n > maxDescriptionLength {
		return errorf(http.StatusBadRequest, "description: too long (%d characters): at most %d characters", n, maxDescriptionLength)
	}
	return nil
}

// parseExpiresIn reads expired_in: an RFC 3339 instant after now, or null (absent) for
// a token that never expires. The instant is kept to whole seconds, as it is printed.
func parseExpiresIn(raw json.RawMessage, now time.Time) (*time.Time, *apiError) {
	if isNull(raw) {
		return nil, nil
	}
	const accepted = `an RFC 3339 timestamp such as "2030-01-02T15:04:05Z", or null for a token that never expires`
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, errorf(http.StatusBadRequest, "expired_in: must be %s", accepted)
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return nil, errorf(http.StatusBadRequest, "expired_in: cannot parse %q: must be %s", s, accepted)
	}
	t = t.UTC().Truncate(time.Second)
	if !t.After(now) {
		return nil, errorf(http.StatusBadRequest, "expired_in: must be in the future")
	}
	return &t, nil
}

// parseRoles decodes the roles field: an array of {collection_id, roles_id} objects;
// absent or null is empty. It checks shapes only; validateRoles checks meaning.
func parseRoles(raw json.RawMessage) ([]binding, *apiError) {
	if isNull(raw) {
		return []binding{}, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, errorf(http.StatusBadRequest, "roles: must be an array of {collection_id, roles_id} objects")
	}
	out := make([]binding, 0, len(items))
	for i, item := range items {
		path := fmt.Sprintf("roles[%d]", i)
		if isNull(item) {
			return nil, errorf(http.StatusBadRequest, "%s: must be an object with fields collection_id and roles_id", path)
		}
		obj, e := decodeObject(item, path, []string{"collection_id", "roles_id"})
		if e != nil {
			return nil, e
		}
		collectionID, present, e := stringField(obj["collection_id"], path+".collection_id")
		if e != nil {
			return nil, e
		}
		if !present {
			return nil, errorf(http.StatusBadRequest,
				"%s.collection_id: required: the organization id or the id of one of its projects", path)
		}
		codes, e := stringList(obj["roles_id"], path+".roles_id")
		if e != nil {
			return nil, e
		}
		out = append(out, binding{collectionID: collectionID, codes: codes})
	}
	return out, nil
}

// validateRoles checks the bindings of an account of org at the organization level
// (proj nil) or in proj, and normalises collection ids to lowercase.
func validateRoles(org *organization, proj *project, roles []binding) *apiError {
	seen := map[string]bool{}
	for i := range roles {
		b := &roles[i]
		path := fmt.Sprintf("roles[%d]", i)
		id, valid := parseUUID(b.collectionID)
		if !valid {
			return errorf(http.StatusBadRequest,
				"%s.collection_id: must be a UUID: the organization id or the id of one of its projects", path)
		}
		b.collectionID = id
		var level catalog.Level
		switch {
		case proj != nil && id != proj.id:
			return errorf(http.StatusBadRequest,
				"%s.collection_id: a project-level service account may only hold an entry for its own project %s", path, proj.id)
		case proj != nil:
			level = catalog.LevelProject
		case id == org.id:
			level = catalog.LevelOrganization
		case org.project(id) != nil:
			level = catalog.LevelProject
		default:
			return errorf(http.StatusBadRequest,
				"%s.collection_id: %q is neither this organization nor one of its projects", path, id)
		}
		if seen[id] {
			return errorf(http.StatusBadRequest,
				"%s.collection_id: duplicate entry for %s: use one entry per organization or project", path, id)
		}
		seen[id] = true
		if len(b.codes) > catalog.MaxCodesPerBinding {
			return errorf(http.StatusBadRequest, "%s.roles_id: %d permission codes: at most %d per entry",
				path, len(b.codes), catalog.MaxCodesPerBinding)
		}
		codes := map[string]bool{}
		for j, code := range b.codes {
			codePath := fmt.Sprintf("%s.roles_id[%d]", path, j)
			got, known := catalog.LevelOf(code)
			switch {
			case !known:
				return errorf(http.StatusBadRequest, "%s: unknown permission code %q", codePath, code)
			case got != level:
				return errorf(http.StatusBadRequest,
					"%s: permission code %q is at the %s level, but this entry is for the %s: it accepts only %s-level codes",
					codePath, code, got, level, level)
			case codes[code]:
				return errorf(http.StatusBadRequest, "%s: duplicate permission code %q", codePath, code)
			}
			codes[code] = true
		}
	}
	return nil
}

// validateCustomRoles checks custom role ids against the organization's custom roles
// and normalises them to lowercase.
func validateCustomRoles(org *organization, ids []string) *apiError {
	seen := map[string]bool{}
	for j, raw := range ids {
		path := fmt.Sprintf("custom_role_ids[%d]", j)
		id, valid := parseUUID(raw)
		switch {
		case !valid:
			return errorf(http.StatusBadRequest, "%s: must be the UUID of a custom role of this organization", path)
		case org.customRoles[id] == "":
			return errorf(http.StatusBadRequest, "%s: no custom role %s in this organization", path, id)
		case seen[id]:
			return errorf(http.StatusBadRequest, "%s: duplicate custom role id %s", path, id)
		}
		seen[id] = true
		ids[j] = id
	}
	return nil
}
