package krm

import (
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/kptdev/krm-functions-sdk/go/fn"

	"github.com/authstack/authstack/internal/stackgen"
)

// runFull is Run without the streaming path.
func runFull(t *testing.T, target, in string) (string, error) {
	t.Helper()
	old := streamMin
	streamMin = math.MaxInt
	out, err := Run(target, io.Discard, []byte(in))
	streamMin = old
	return string(out), err
}

// unrelated are n ConfigMaps in kpt's layout, some in forms that the line
// scan does not read (flow style, quoted, a name YAML reads as a number).
func unrelated(n int, odd bool) string {
	var b strings.Builder
	for i := range n {
		switch {
		case odd && i%7 == 1:
			fmt.Fprintf(&b, "- {apiVersion: v1, kind: ConfigMap, metadata: {name: flow-%d, annotations: {config.kubernetes.io/path: x/f%d.yaml}}}\n", i, i)
		case odd && i%7 == 2:
			fmt.Fprintf(&b, "- apiVersion: \"v1\"\n  kind: 'ConfigMap'\n  # a comment\n  metadata:\n    name: \"%d\"\n    namespace: a # trailing\n  data: {a: b}\n", 100000+i)
		case odd && i%7 == 3:
			fmt.Fprintf(&b, "- kind: ConfigMap\n  apiVersion: v1\n  metadata:\n    labels:\n      name: not-the-name\n    name: late-%d\n  data:\n    text: |\n      kind: Secret\n      name: inner\n", i)
		default:
			fmt.Fprintf(&b, "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: cm-%05d\n    namespace: other\n    annotations:\n      config.kubernetes.io/path: unrelated/cm-%05d.yaml\n  data:\n    k: v%d\n", n-i, n-i, i)
		}
	}
	return b.String()
}

// The streaming path gives the full path's output, byte for byte where the
// untouched items are in kpt's layout, and otherwise the same items; for
// both targets and the tree, the tree fed back in (kpt's second run), an
// invalid spec, and lists indented by two.
func TestRunStreamEqualsFull(t *testing.T) {
	ref, err := os.ReadFile("../../examples/shop/stack.yaml")
	if err != nil {
		t.Fatal(err)
	}
	secretYAML, err := os.ReadFile("../../examples/shop/better-auth-secret.yaml")
	if err != nil {
		t.Fatal(err)
	}
	stack, err := stackgen.Stack(ref, 3)
	if err != nil {
		t.Fatal(err)
	}
	// Fewer items than in real use, so that the full path, which the test
	// runs too, stays quick.
	old := streamMin
	streamMin = 16
	defer func() { streamMin = old }()
	plain := string(stackgen.ResourceList(stack, secretYAML, 0)) + unrelated(40, false)
	odd := string(stackgen.ResourceList(stack, secretYAML, 0)) + unrelated(40, true)
	// kpt's second run: the first run's output (the tree, results dropped)
	// with the unrelated items again.
	first, err := runFull(t, "", plain)
	if err != nil {
		t.Fatal(err)
	}
	second := first[:strings.Index(first, "\nresults:")+1]
	invalid := strings.Replace(plain, "port: 3000", "port: 99999", 1)
	head, items, _ := strings.Cut(plain, "items:\n")
	indented := head + "items:\n  " + strings.TrimSuffix(strings.ReplaceAll(items, "\n", "\n  "), "  ")
	for _, tc := range []struct {
		name, in string
		exact    bool
	}{
		{"plain", plain, true}, {"odd", odd, false}, {"second run", second, true},
		{"invalid", invalid, true}, {"indented", indented, false},
	} {
		for _, target := range []string{"", "eks", "gke"} {
			t.Run(tc.name+"/"+target, func(t *testing.T) {
				want, wantErr := runFull(t, target, tc.in)
				got, ok, gotErr := runStream(target, io.Discard, []byte(tc.in))
				if !ok {
					t.Fatal("the streaming path was not taken")
				}
				if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
					t.Fatalf("error %v, want %v", gotErr, wantErr)
				}
				if tc.exact {
					if string(got) != want {
						t.Fatalf("output differs from the full path:\n%s", firstDiff(want, string(got)))
					}
					return
				}
				// Same items, in the same order, as fn reads them.
				if a, b := reparse(t, want), reparse(t, string(got)); a != b {
					t.Fatalf("items differ from the full path:\n%s", firstDiff(a, b))
				}
			})
		}
	}
}

func reparse(t *testing.T, list string) string {
	t.Helper()
	rl, err := fn.ParseResourceList([]byte(list))
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, it := range rl.Items {
		parts = append(parts, it.String())
	}
	return strings.Join(parts, "---\n")
}

func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range max(len(w), len(g)) {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return fmt.Sprintf("line %d: want %q, got %q", i+1, a, b)
		}
	}
	return "(same)"
}

// Lists that the streaming path does not cut take the full path.
func TestRunStreamDeclines(t *testing.T) {
	base := "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n" + unrelated(300, false)
	for name, in := range map[string]string{
		"few items":        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n" + unrelated(10, false),
		"comment":          strings.Replace(base, "- apiVersion", "# c\n- apiVersion", 5),
		"two documents":    base + "---\napiVersion: v1\n",
		"flow items":       "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: [" + strings.Repeat("{apiVersion: v1, kind: ConfigMap, metadata: {name: a}},", 300) + "]\n",
		"tab":              strings.Replace(base, "  kind", "\tkind", 1),
		"no items":         "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n",
		"scalar item":      base + "- just a string\n",
		"crlf":             strings.ReplaceAll(base, "\n", "\r\n"),
		"under-indented":   strings.Replace(base, "    name: cm-00300", " name: cm-00300", 1),
		"no trailing line": strings.TrimSuffix(base, "\n"),
	} {
		if _, ok, _ := runStream("eks", io.Discard, []byte(in)); ok {
			t.Errorf("%s: the streaming path was taken", name)
		}
	}
}
