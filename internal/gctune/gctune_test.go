package gctune

import "testing"

// The pace: GOGC 400 up to a fifth of Target, then the GOGC that lets the
// heap grow to Target, never below 25.

func TestPercent(t *testing.T) {
	for _, tc := range []struct {
		live uint64
		want int
	}{
		{0, 400},
		{1 << 20, 400},
		{6 << 20, 400},
		{8 << 20, 300},
		{16 << 20, 100},
		{20 << 20, 60},
		{25 << 20, 28},
		{32 << 20, 25},
		{400 << 20, 25},
	} {
		if got := Percent(tc.live); got != tc.want {
			t.Errorf("Percent(%d MiB) = %d, want %d", tc.live>>20, got, tc.want)
		}
	}
}

// SetTarget moves the pace: at BuildTarget, a live heap of 32 MiB may
// quadruple before the next collection instead of growing by a quarter.
func TestSetTarget(t *testing.T) {
	defer SetTarget(Target)
	SetTarget(BuildTarget)
	for _, tc := range []struct {
		live uint64
		want int
	}{
		{16 << 20, 400},
		{32 << 20, 300},
		{64 << 20, 100},
		{128 << 20, 25},
	} {
		if got := Percent(tc.live); got != tc.want {
			t.Errorf("Percent(%d MiB) at %d MiB = %d, want %d", tc.live>>20, BuildTarget>>20, got, tc.want)
		}
	}
}
