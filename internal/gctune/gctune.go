// Package gctune sets the collector's pace for a short-lived process that
// is CPU-bound while small and memory-bound when large: GOGC 400 while the
// live heap is small (a render of a few components lives for tens of
// milliseconds, and at Go's default a third of its CPU went to collecting
// garbage that exiting frees anyway), tightening to GOGC 25 as the
// live heap approaches Target, so that the heap stays near Target instead
// of at five times the live heap (119 MiB of RSS at 50 components with
// GOGC 400, 60-62 MiB with this pace).
//
// Unlike a memory limit (GOMEMLIMIT), which makes the collector run
// back to back once the live heap nears it (4-6 s instead of 1 s at 100
// components with a 40 MiB limit), the heap may always grow to 1.25 times
// the live heap: large inputs cost memory, never a collapse.
package gctune

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
)

// Target is the heap size that the pace aims at, in bytes.
const Target = 32 << 20

const (
	maxPercent = 400
	minPercent = 25
)

// Start sets the pace now and after every collection, unless GOGC is set
// in the environment (which wins) or Start was called already.
func Start() {
	if os.Getenv("GOGC") != "" || started {
		return
	}
	started = true
	debug.SetGCPercent(maxPercent)
	arm()
}

var started bool

// arm calls retune after the next collection: a finalizer runs once the
// collector finds its object unreachable.
func arm() {
	runtime.SetFinalizer(new([16]byte), func(*[16]byte) {
		retune()
		arm()
	})
}

var sample = []metrics.Sample{{Name: "/gc/heap/live:bytes"}}

func retune() {
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 {
		return
	}
	debug.SetGCPercent(Percent(sample[0].Value.Uint64()))
}

// Percent is the GOGC for a live heap of live bytes: the heap may grow to
// Target before the next collection, within GOGC 25 to 400.
func Percent(live uint64) int {
	if live == 0 {
		return maxPercent
	}
	p := int(100*Target/live) - 100
	return min(max(p, minPercent), maxPercent)
}
