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
	"sync/atomic"
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

// BuildTarget is the target of `authstack build`, which compiles every
// environment and has no memory goal (issue #13 sets peak RSS goals for
// render): at 50 components × 4 platforms, half its CPU went to collecting
// at Target (1.0 s CPU, 0.65 s wall, 68 MiB), against 0.55 s CPU, 0.4 s
// wall and ~93 MiB at 64 MiB. Since the templates allocate less, 128 MiB
// saves a further 50-80 ms of CPU (0.65 → 0.6 s, 95 → 119 MiB; 20 runs
// alternated, docs/performance.md).
const BuildTarget = 128 << 20

// target is the heap size the pace aims at now: Target, or what SetTarget
// set. It is atomic because retune runs on the finalizer goroutine.
var target atomic.Uint64

func init() { target.Store(Target) }

// SetTarget makes the pace aim at a heap of n bytes from the next
// collection on, for a command that trades memory for time.
func SetTarget(n uint64) { target.Store(n) }

// Percent is the GOGC for a live heap of live bytes: the heap may grow to
// the target (Target unless SetTarget changed it) before the next
// collection, within GOGC 25 to 400.
func Percent(live uint64) int {
	if live == 0 {
		return maxPercent
	}
	p := int(100*target.Load()/live) - 100
	return min(max(p, minPercent), maxPercent)
}
