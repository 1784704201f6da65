package spec_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/authstack/authstack/internal/spec"
)

// fuzzLine is one mistake in a fuzzed stream: at a position, or about the
// whole file (its size or number of documents).
var fuzzLine = regexp.MustCompile(`^fuzz\.yaml(:[0-9]+:[0-9]+: [^\n]+|: found (more than )?[0-9]+ [^\n]+)$`)

// FuzzStacks: whatever the bytes, the loader ends in stacks or in errors,
// never in a crash (recovered or not), the same twice, one line per
// mistake with its position and no decoder internals. Seeds are in
// testdata/fuzz/FuzzStacks: the shapes of issue 8.
func FuzzStacks(f *testing.F) {
	schema, err := spec.Load()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := schema.Stacks("fuzz.yaml", data)
		_, again := schema.Stacks("fuzz.yaml", data)
		if errString(err) != errString(again) {
			t.Fatalf("not deterministic:\n%v\n---\n%v", err, again)
		}
		if err == nil {
			return
		}
		checkLines(t, err)
	})
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func checkLines(t *testing.T, err error) {
	t.Helper()
	msg := err.Error()
	if strings.Contains(msg, "internal error") || internals.MatchString(msg) {
		t.Fatalf("crash or internals:\n%s", msg)
	}
	lines := strings.Split(msg, "\n")
	if es, ok := err.(spec.Diagnostics); ok && len(es) != len(lines) {
		t.Fatalf("%d errors in %d lines:\n%s", len(es), len(lines), msg)
	}
	for _, l := range lines {
		if !fuzzLine.MatchString(l) {
			t.Fatalf("line without a position: %q", l)
		}
	}
}
