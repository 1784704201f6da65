package tree

import (
	"bytes"
	"testing"

	"go.yaml.in/yaml/v3"

	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"
)

// plain's shortcut writes what kustomize's round trips write, and refuses
// what it does not know, which then takes kustomize's way.
func TestEncodeObjectAsKustomize(t *testing.T) {
	for _, tc := range []struct {
		doc   string
		plain bool
	}{
		{"a: 1\nb: [x, 'y', \"010\", 0, -7, true, False, null, ~, {}, []]\nc: {d: e}\n", true},
		{"k: |\n  two\n  lines\n", true},
		{"k: " + string(bytes.Repeat([]byte("word "), 30)) + "end\n", true},
		{"\"10\": a\n\"9\": b\nZ: c\na: d\n'on': yes\n", true},
		{"k: 1.5\n", false},
		{"k: 0x1F\n", false},
		{"k: 2001-12-14\n", false},
		{"a: &x {b: 1}\nc: *x\n", false},
		{"k: !custom v\n", false},
		{"k: 99999999999999999999\n", false},
	} {
		n, err := kyaml.Parse(tc.doc)
		if err != nil {
			t.Fatal(err)
		}
		check(t, tc.doc, n, tc.plain)
	}
	// kyaml makes nodes without tags: a quoted one is a string, a plain one
	// what its value resolves to.
	n := kyaml.NewMapRNode(nil)
	n.YNode().Tag = ""
	n.YNode().Content = []*yaml.Node{
		{Kind: yaml.ScalarNode, Value: "quoted"}, {Kind: yaml.ScalarNode, Value: "8000", Style: yaml.DoubleQuotedStyle},
		{Kind: yaml.ScalarNode, Value: "int"}, {Kind: yaml.ScalarNode, Value: "8000"},
		{Kind: yaml.ScalarNode, Value: "bool"}, {Kind: yaml.ScalarNode, Value: "true"},
		{Kind: yaml.ScalarNode, Value: "str"}, {Kind: yaml.ScalarNode, Value: "x", Tag: "!!str"},
	}
	check(t, "tagless", n, true)
}

func check(t *testing.T, name string, n *kyaml.RNode, wantPlain bool) {
	t.Helper()
	tc := struct {
		doc   string
		plain bool
	}{name, wantPlain}
	{
		if _, ok := plain(n.YNode()); ok != tc.plain {
			t.Errorf("%q: plain ok = %v, want %v", tc.doc, ok, tc.plain)
		}
		j, err := n.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		want, err := sigsyaml.JSONToYAML(j)
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := encodeObject(&got, n); err != nil {
			t.Fatal(err)
		}
		if got.String() != string(want) {
			t.Errorf("%q:\ngot  %q\nwant %q", tc.doc, got.String(), want)
		}
	}
}
