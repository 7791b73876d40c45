package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Peak memory of the provider is measured from /proc (Linux only):
//
//   - every sampleInterval the sampler lists /proc and classifies each new pid once:
//     a process whose parent is the terraform process we started and whose executable
//     (/proc/PID/exe) is named providerBinary is a provider instance;
//   - for the terraform process and every provider instance it reads /proc/PID/status
//     and keeps the largest VmHWM (the kernel's own high-water mark of the resident set,
//     so a peak between two samples is still seen) and VmRSS;
//   - it also sums VmRSS over the provider instances alive at the same sample, in case
//     Terraform runs several at once.
//
// The provider's peak is max(largest VmHWM of one instance, largest concurrent sum).
// Growth in the last sampleInterval before an instance exits can be missed.

const (
	providerBinary = "terraform-provider-platformer"
	sampleInterval = 20 * time.Millisecond
)

// procMem is what /proc/PID/status says about a process's memory, in KiB.
type procMem struct {
	HWMKiB int64 // VmHWM: peak resident set size
	RSSKiB int64 // VmRSS: resident set size now
}

// parseProcStatus reads VmHWM and VmRSS from the text of /proc/PID/status. A process
// that has exited or is a zombie has neither: that is an error.
func parseProcStatus(data []byte) (procMem, error) {
	var m procMem
	var seenHWM, seenRSS bool
	for line := range bytes.Lines(data) {
		key, rest, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		var dst *int64
		switch string(key) {
		case "VmHWM":
			dst, seenHWM = &m.HWMKiB, true
		case "VmRSS":
			dst, seenRSS = &m.RSSKiB, true
		default:
			continue
		}
		fields := bytes.Fields(rest)
		if len(fields) != 2 || string(fields[1]) != "kB" {
			return procMem{}, fmt.Errorf("%s: unexpected value %q", key, bytes.TrimSpace(rest))
		}
		v, err := strconv.ParseInt(string(fields[0]), 10, 64)
		if err != nil {
			return procMem{}, fmt.Errorf("%s: %w", key, err)
		}
		*dst = v
	}
	if !seenHWM || !seenRSS {
		return procMem{}, errors.New("no VmHWM/VmRSS (process exited or is a kernel thread)")
	}
	return m, nil
}

// procStat is what the bench reads from /proc/PID/stat.
type procStat struct {
	Comm     string
	PPID     int
	CPUTicks int64 // utime + stime, in clock ticks (USER_HZ, 100 on Linux)
}

// userHZ is the unit of utime and stime in /proc/PID/stat: fixed at 100 on Linux.
const userHZ = 100

// parseProcStat parses the text of /proc/PID/stat. The command name is in parentheses
// and may itself hold spaces and parentheses, so the fields after it are counted from
// the last ')'.
func parseProcStat(data []byte) (procStat, error) {
	open := bytes.IndexByte(data, '(')
	closing := bytes.LastIndexByte(data, ')')
	if open < 0 || closing < open {
		return procStat{}, errors.New("malformed stat: no (comm)")
	}
	st := procStat{Comm: string(data[open+1 : closing])}
	// After the name: state(3) ppid(4) ... utime(14) stime(15): indexes 0, 1, 11, 12.
	fields := bytes.Fields(data[closing+1:])
	if len(fields) < 13 {
		return procStat{}, errors.New("malformed stat: too few fields")
	}
	var err error
	if st.PPID, err = strconv.Atoi(string(fields[1])); err != nil {
		return procStat{}, fmt.Errorf("malformed stat: ppid: %w", err)
	}
	for _, f := range fields[11:13] {
		v, err := strconv.ParseInt(string(f), 10, 64)
		if err != nil {
			return procStat{}, fmt.Errorf("malformed stat: utime/stime: %w", err)
		}
		st.CPUTicks += v
	}
	return st, nil
}

// memPeak is what the sampler saw over one terraform command.
type memPeak struct {
	ProviderPeakKiB   int64 // max(largest VmHWM of one instance, largest concurrent VmRSS sum)
	ProviderInstances int   // provider processes seen
	TerraformPeakKiB  int64 // VmHWM of the terraform process
	// ProviderCPUTicks sums the last utime+stime seen of each provider instance: a
	// lower bound (up to one sample interval per instance is missed).
	ProviderCPUTicks int64
	Samples          int
}

// rssSampler polls /proc for the terraform process tfPID and its provider children.
type rssSampler struct {
	proc  string // "/proc"; a test may point it elsewhere
	tfPID int

	stop chan struct{}
	done chan struct{}

	mu    sync.Mutex
	peak  memPeak
	kinds map[int]bool  // pid -> is a provider instance (classified once)
	ticks map[int]int64 // provider pid -> last utime+stime seen
}

func startRSSSampler(tfPID int) *rssSampler {
	s := &rssSampler{
		proc:  "/proc",
		tfPID: tfPID,
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
		kinds: map[int]bool{},
		ticks: map[int]int64{},
	}
	go s.loop()
	return s
}

func (s *rssSampler) loop() {
	defer close(s.done)
	t := time.NewTicker(sampleInterval)
	defer t.Stop()
	for {
		s.sample()
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
	}
}

// Stop ends sampling and returns the peaks.
func (s *rssSampler) Stop() memPeak {
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	s.peak.ProviderCPUTicks = 0
	for _, t := range s.ticks {
		s.peak.ProviderCPUTicks += t
	}
	return s.peak
}

func (s *rssSampler) sample() {
	entries, err := os.ReadDir(s.proc)
	if err != nil {
		return
	}
	var concurrent int64
	s.mu.Lock()
	defer s.mu.Unlock()
	s.peak.Samples++
	if m, err := s.readStatus(s.tfPID); err == nil {
		s.peak.TerraformPeakKiB = max(s.peak.TerraformPeakKiB, m.HWMKiB, m.RSSKiB)
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == s.tfPID {
			continue
		}
		isProvider, known := s.kinds[pid]
		if !known {
			var final bool
			isProvider, final = s.classify(pid)
			if final {
				s.kinds[pid] = isProvider
			}
			if isProvider {
				s.peak.ProviderInstances++
			}
		}
		if !isProvider {
			continue
		}
		m, err := s.readStatus(pid)
		if err != nil {
			continue
		}
		s.peak.ProviderPeakKiB = max(s.peak.ProviderPeakKiB, m.HWMKiB, m.RSSKiB)
		concurrent += m.RSSKiB
		if st, err := s.readStat(pid); err == nil {
			s.ticks[pid] = max(s.ticks[pid], st.CPUTicks)
		}
	}
	s.peak.ProviderPeakKiB = max(s.peak.ProviderPeakKiB, concurrent)
}

// classify reports whether pid is a provider instance started by our terraform, and
// whether that is final. A child of terraform that does not run the provider yet may
// be between fork and exec: it is looked at again next time.
func (s *rssSampler) classify(pid int) (isProvider, final bool) {
	st, err := s.readStat(pid)
	if err != nil {
		return false, false
	}
	if st.PPID != s.tfPID {
		return false, true
	}
	exe, err := os.Readlink(filepath.Join(s.proc, strconv.Itoa(pid), "exe"))
	if err != nil || !isProviderExe(exe) {
		return false, false
	}
	return true, true
}

// isProviderExe reports whether the target of /proc/PID/exe is the provider binary
// (the kernel appends " (deleted)" when the file was replaced since).
func isProviderExe(exe string) bool {
	base := filepath.Base(exe)
	base, _ = strings.CutSuffix(base, " (deleted)")
	return base == providerBinary
}

func (s *rssSampler) readStat(pid int) (procStat, error) {
	data, err := os.ReadFile(filepath.Join(s.proc, strconv.Itoa(pid), "stat"))
	if err != nil {
		return procStat{}, err
	}
	return parseProcStat(data)
}

func (s *rssSampler) readStatus(pid int) (procMem, error) {
	data, err := os.ReadFile(filepath.Join(s.proc, strconv.Itoa(pid), "status"))
	if err != nil {
		return procMem{}, err
	}
	return parseProcStatus(data)
}
