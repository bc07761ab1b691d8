package backend

import (
	"testing"
	"time"

	"github.com/berth/berth/internal/errdefs"
)

func TestParseTime(t *testing.T) {
	now := time.Unix(1000, 0)
	for in, want := range map[string]time.Time{
		"":                     {},
		"1700000000":           time.Unix(1700000000, 0),
		"1700000000.5":         time.Unix(1700000000, 500000000),
		"10s":                  now.Add(-10 * time.Second),
		"2024-01-02T03:04:05Z": time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
	} {
		got, err := ParseTime(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseTime("yesterday", now); !errdefs.IsInvalidParameter(err) {
		t.Errorf("bad time accepted: %v", err)
	}
}
