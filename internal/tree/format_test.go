package tree_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/authstack/authstack/internal/testsupport"
	"github.com/authstack/authstack/internal/tree"
)

// FormatNodes writes what kio.ByteWriter writes: for every file of every
// example's tree (most of them objects it writes itself), and for the
// nodes that ByteWriter changes before writing them.
func TestFormatNodesAsByteWriter(t *testing.T) {
	read := func(t *testing.T, data string) []*kyaml.RNode {
		t.Helper()
		nodes, err := (&kio.ByteReader{Reader: bytes.NewBufferString(data), OmitReaderAnnotations: true}).Read()
		if err != nil {
			t.Fatal(err)
		}
		return nodes
	}
	check := func(t *testing.T, name string, nodes []*kyaml.RNode) {
		t.Helper()
		want, err := tree.FormatByteWriter(nodes)
		if err != nil {
			t.Fatal(err)
		}
		got, err := tree.FormatNodes(nodes)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: FormatNodes wrote\n%s\nkio.ByteWriter writes\n%s", name, got, want)
		}
	}
	writable := 0
	for _, dir := range testsupport.Examples(t, "../..") {
		tr := compiled(t, filepath.Base(dir))
		for _, p := range tr.Paths() {
			data := tr.File(p)
			nodes := read(t, string(data))
			for _, n := range nodes {
				if tree.Writable(n.YNode()) {
					writable++
				}
			}
			check(t, filepath.Base(dir)+"/"+p, nodes)
		}
	}
	if writable < 100 {
		t.Errorf("FormatNodes wrote %d of the examples' objects itself, want most", writable)
	}
	for name, data := range map[string]string{
		"empty annotations":   "kind: A\nmetadata:\n  name: a\n  annotations: {}\n",
		"empty metadata":      "kind: A\nmetadata: {}\n",
		"index annotation":    "kind: A\nmetadata:\n  name: a\n  annotations:\n    config.kubernetes.io/index: '0'\n    x: y\n",
		"seq indent":          "kind: A\nmetadata:\n  name: a\n  annotations:\n    internal.config.kubernetes.io/seqindent: wide\nspec:\n  l:\n  - a\n",
		"json path":           "kind: A\nmetadata:\n  name: a\n  annotations:\n    config.kubernetes.io/path: a.json\n",
		"two, the second not": "kind: A\nmetadata: {name: a}\n---\nkind: B\nmetadata:\n  name: b\n  annotations: {}\n",
		"plain":               "kind: A\nmetadata:\n  name: a\n  annotations: {x: y}\nspec: {l: [a, {b: c}]}\n",
	} {
		check(t, name, read(t, data))
	}
}
