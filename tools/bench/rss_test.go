package main

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

const statusText = `Name:	terraform-provi
Umask:	0022
State:	S (sleeping)
Pid:	4242
PPid:	4200
VmPeak:	 1300000 kB
VmSize:	 1290000 kB
VmHWM:	   51234 kB
VmRSS:	   40960 kB
RssAnon:	   30000 kB
Threads:	12
`

func TestParseProcStatus(t *testing.T) {
	m, err := parseProcStatus([]byte(statusText))
	if err != nil {
		t.Fatal(err)
	}
	if m.HWMKiB != 51234 || m.RSSKiB != 40960 {
		t.Fatalf("got %+v, want HWM 51234 RSS 40960", m)
	}
	// A zombie's status has no Vm lines.
	if _, err := parseProcStatus([]byte("Name:\tx\nState:\tZ (zombie)\n")); err == nil {
		t.Fatal("want an error for a status without VmHWM/VmRSS")
	}
	if _, err := parseProcStatus([]byte("VmHWM:\t12 MB\nVmRSS:\t1 kB\n")); err == nil {
		t.Fatal("want an error for a unit other than kB")
	}
}

func TestParseProcStat(t *testing.T) {
	// A name with a space and a parenthesis: the fields are counted from the last ')'.
	line := "4242 (odd) name) S 4200 4242 4200 0 -1 4194560 100 0 0 0 150 25 0 0 20 0 12 0 999 1000 200\n"
	st, err := parseProcStat([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	if st.Comm != "odd) name" || st.PPID != 4200 || st.CPUTicks != 175 {
		t.Fatalf("got %+v, want comm %q ppid 4200 ticks 175", st, "odd) name")
	}
	if _, err := parseProcStat([]byte("4242 (x) S 1")); err == nil {
		t.Fatal("want an error for a truncated stat")
	}
}

func TestIsProviderExe(t *testing.T) {
	for exe, want := range map[string]bool{
		"/tmp/w/providers/terraform-provider-platformer":           true,
		"/tmp/w/providers/terraform-provider-platformer (deleted)": true,
		"/usr/bin/terraform":                             false,
		"/x/terraform-provider-platformer_v1.2.3_x5":     false,
		"/x/terraform-provider-platformer-emulator-test": false,
	} {
		if got := isProviderExe(exe); got != want {
			t.Errorf("isProviderExe(%q) = %v, want %v", exe, got, want)
		}
	}
}

// TestSamplerFakeProc runs one sample over a fake /proc: terraform (pid 100), two
// provider children, an unrelated provider (not our child) and another child.
func TestSamplerFakeProc(t *testing.T) {
	proc := t.TempDir()
	mk := func(pid, ppid int, exe string, hwm, rss int64) {
		dir := filepath.Join(proc, strconv.Itoa(pid))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		stat := strconv.Itoa(pid) + " (" + filepath.Base(exe)[:min(15, len(filepath.Base(exe)))] + ") S " + strconv.Itoa(ppid) +
			" 1 1 0 -1 0 0 0 0 0 30 10 0 0 20 0 1 0 1 1 1\n"
		status := "VmHWM:\t" + strconv.FormatInt(hwm, 10) + " kB\nVmRSS:\t" + strconv.FormatInt(rss, 10) + " kB\n"
		for name, content := range map[string]string{"stat": stat, "status": status} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Symlink(exe, filepath.Join(dir, "exe")); err != nil {
			t.Fatal(err)
		}
	}
	mk(100, 1, "/usr/bin/terraform", 90000, 80000)
	mk(101, 100, "/w/providers/terraform-provider-platformer", 30000, 20000)
	mk(102, 100, "/w/providers/terraform-provider-platformer", 25000, 25000)
	mk(103, 7, "/w/providers/terraform-provider-platformer", 999999, 999999) // not ours
	mk(104, 100, "/bin/sh", 999999, 999999)                                  // not the provider
	if err := os.MkdirAll(filepath.Join(proc, "self"), 0o755); err != nil {
		t.Fatal(err)
	}

	s := &rssSampler{proc: proc, tfPID: 100, kinds: map[int]bool{}, ticks: map[int]int64{}, stop: make(chan struct{}), done: make(chan struct{})}
	s.sample()
	s.sample() // a second look must not count the instances twice
	close(s.done)
	got := s.Stop()
	if got.ProviderInstances != 2 {
		t.Errorf("ProviderInstances = %d, want 2", got.ProviderInstances)
	}
	// max(largest HWM 30000, concurrent RSS 20000+25000) = 45000.
	if got.ProviderPeakKiB != 45000 {
		t.Errorf("ProviderPeakKiB = %d, want 45000", got.ProviderPeakKiB)
	}
	if got.TerraformPeakKiB != 90000 {
		t.Errorf("TerraformPeakKiB = %d, want 90000", got.TerraformPeakKiB)
	}
	if got.ProviderCPUTicks != 80 { // 2 instances x (30+10)
		t.Errorf("ProviderCPUTicks = %d, want 80", got.ProviderCPUTicks)
	}
}
