package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestParseNs(t *testing.T) {
	ns, err := parseNs(" 1000,50 ,200,50")
	if err != nil || !slices.Equal(ns, []int{50, 200, 1000}) {
		t.Fatalf("parseNs = %v, %v", ns, err)
	}
	for _, bad := range []string{"", "0", "x", "50,-1", "20000"} {
		if _, err := parseNs(bad); err == nil {
			t.Errorf("parseNs(%q): want an error", bad)
		}
	}
}

func TestConfigs(t *testing.T) {
	ours := oursConfig(7, providerSettings{APIURL: "http://127.0.0.1:1234", RequestsPerSecond: 20}, shapeList)
	for _, want := range []string{
		`api_url         = "http://127.0.0.1:1234"`,
		"requests_per_second = 20",
		`resource "platformer_service_account" "sa" {` + "\n  count       = 7",
		`resource "platformer_service_account_token" "token" {` + "\n  count              = 7",
		"ids = platformer_service_account.sa[*].id",
		"service_account_id = local.ids[count.index]",
	} {
		if !strings.Contains(ours, want) {
			t.Errorf("oursConfig lacks %q:\n%s", want, ours)
		}
	}
	if index := oursConfig(7, providerSettings{APIURL: "http://x"}, shapeIndex); !strings.Contains(index,
		"service_account_id = platformer_service_account.sa[count.index].id") || strings.Contains(index, "locals") {
		t.Errorf("oursConfig, shape index:\n%s", index)
	}
	if strings.Contains(oursConfig(1, providerSettings{APIURL: "http://x"}, shapeList), "requests_per_second") {
		t.Error("requests_per_second set although -rps is 0")
	}
	if base := baselineConfig(7); !strings.Contains(base, "count = 14") || strings.Contains(base, "provider") {
		t.Errorf("baselineConfig(7) is not 14 terraform_data without a provider:\n%s", base)
	}
}

func TestTerraformEnv(t *testing.T) {
	env := terraformEnv([]string{"PATH=/bin", "TF_CLI_ARGS_apply=-parallelism=1", "TF_LOG=trace", "PLATFORMER_TOKEN=x", "HOME=/root"}, "/w/terraform.rc")
	want := []string{"PATH=/bin", "HOME=/root", "TF_CLI_CONFIG_FILE=/w/terraform.rc", "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1", "TF_INPUT=0"}
	if !slices.Equal(env, want) {
		t.Fatalf("terraformEnv = %v, want %v", env, want)
	}
}

func TestPhases(t *testing.T) {
	var names []string
	for _, p := range phases(true) {
		names = append(names, p.name)
		if slices.Contains(p.args, "-parallelism") {
			t.Errorf("%s sets -parallelism", p.name)
		}
	}
	if !slices.Equal(names, []string{phaseApply, phasePlan, phaseUpdate, phaseDestroy}) {
		t.Fatalf("phases = %v", names)
	}
	if got := phases(false); len(got) != 3 {
		t.Fatalf("phases(false) has %d phases, want 3", len(got))
	}
}

func TestBaselineRefConfig(t *testing.T) {
	ref := baselineRefConfig(5, shapeIndex, refPadding{})
	if strings.Count(ref, "count = 5") != 2 || !strings.Contains(ref, "input = terraform_data.a[count.index].id") {
		t.Fatalf("baselineRefConfig(5, index):\n%s", ref)
	}
	ref = baselineRefConfig(5, shapeList, refPadding{})
	if strings.Count(ref, "count = 5") != 2 || !strings.Contains(ref, "ids = terraform_data.a[*].id") ||
		!strings.Contains(ref, "input = local.ids[count.index]") {
		t.Fatalf("baselineRefConfig(5, list):\n%s", ref)
	}
}

func TestBaselineRefConfig_padding(t *testing.T) {
	ref := baselineRefConfig(3, shapeList, refPadding{A: 4, B: 2})
	for _, want := range []string{`input = "${count.index}-xxxx"`, `input = "${local.ids[count.index]}-xx"`} {
		if !strings.Contains(ref, want) {
			t.Errorf("padded baselineRefConfig lacks %q:\n%s", want, ref)
		}
	}
}

func TestStateAttrBytesAndPadFor(t *testing.T) {
	dir := t.TempDir()
	state := `{"version": 4, "resources": [
  {"type": "terraform_data", "name": "a", "instances": [
    {"attributes": {"id": "1", "input": null}},
    {"attributes": {"id": "123", "input": null}}]}]}`
	if err := os.WriteFile(filepath.Join(dir, "terraform.tfstate"), []byte(state), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := stateAttrBytes(dir)
	if err != nil {
		t.Fatal(err)
	}
	// {"id":"1","input":null} is 23 bytes, {"id":"123","input":null} 25: compact, not as written.
	if got["terraform_data.a"] != 24 {
		t.Fatalf("stateAttrBytes = %v, want terraform_data.a 24", got)
	}
	pad, err := padFor(
		map[string]float64{"platformer_service_account.sa": 500, "platformer_service_account_token.token": 600},
		map[string]float64{"terraform_data.a": 200, "terraform_data.b": 350})
	if err != nil || pad != (refPadding{A: 150, B: 125}) {
		t.Fatalf("padFor = %+v, %v", pad, err)
	}
	if _, err := padFor(map[string]float64{}, got); err == nil {
		t.Error("padFor with sizes missing: want an error")
	}
}
