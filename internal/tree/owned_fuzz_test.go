package tree_test

import (
	"testing"

	"github.com/authstack/authstack/internal/tree"
)

// Whatever a manifest or a file holds, reading it never panics, and a
// manifest that parses claims only paths under bases/ and overlays/, each
// with a SHA-256.
func FuzzManifest(f *testing.F) {
	for _, s := range []string{
		"apiVersion: authstack.dev/v1alpha1\nkind: GeneratedFiles\nfiles:\n  bases/a.yaml: " + "00000000000000000000000000000000000000000000000000000000000000ff\n",
		"apiVersion: authstack.dev/v1alpha1\nkind: GeneratedFiles\nfiles:\n  ../x: \"\"\n",
		"apiVersion: authstack.dev/v1alpha1\nkind: GeneratedFiles\nfiles: [a, b]\n",
		"- x\n- y\n- z\n",
		"a: &a [*a]\n",
		"a:\r  b: 1\rc: 2\r",
		"---\n---\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tree.Sum(data)
		owned, err := tree.ParseManifest(data)
		if err != nil {
			return
		}
		for _, p := range owned.Paths() {
			if len(owned[p]) != 64 || !(len(p) > 6 && (p[:6] == "bases/" || len(p) > 9 && p[:9] == "overlays/")) {
				t.Errorf("manifest accepted %q: %q", p, owned[p])
			}
		}
	})
}
