package emulator

import (
	"sync"
	"testing"
	"time"
)

func TestManualClock(t *testing.T) {
	local := time.FixedZone("UTC+2", 2*3600)
	c := NewManualClock(time.Date(2030, 1, 1, 14, 0, 0, 0, local))
	if got, want := c.Now(), time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC); !got.Equal(want) || got.Location() != time.UTC {
		t.Fatalf("Now = %v, want %v in UTC", got, want)
	}
	c.Advance(90 * time.Minute)
	if got, want := c.Now(), time.Date(2030, 1, 1, 13, 30, 0, 0, time.UTC); !got.Equal(want) {
		t.Fatalf("after Advance: %v, want %v", got, want)
	}
	c.Set(time.Date(2031, 6, 1, 0, 0, 0, 0, time.UTC))
	if got := c.Now(); got.Year() != 2031 || got.Month() != time.June {
		t.Fatalf("after Set: %v", got)
	}
}

func TestManualClockConcurrent(t *testing.T) {
	c := NewManualClock(t0)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				c.Advance(time.Second)
				_ = c.Now()
			}
		}()
	}
	wg.Wait()
	if got, want := c.Now(), t0.Add(800*time.Second); !got.Equal(want) {
		t.Fatalf("Now = %v, want %v", got, want)
	}
}

func TestRealClockIsUTC(t *testing.T) {
	if loc := (realClock{}).Now().Location(); loc != time.UTC {
		t.Fatalf("location %v, want UTC", loc)
	}
}

func TestFormatTime(t *testing.T) {
	tests := []struct {
		in   time.Time
		want string
	}{
		{time.Date(2030, 1, 2, 3, 4, 5, 999_000_000, time.UTC), "2030-01-02T03:04:05Z"},
		{time.Date(2030, 1, 2, 5, 4, 5, 0, time.FixedZone("", 2*3600)), "2030-01-02T03:04:05Z"},
	}
	for _, tt := range tests {
		if got := formatTime(tt.in); got != tt.want {
			t.Errorf("formatTime(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
