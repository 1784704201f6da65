package compile

import (
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"cuelang.org/go/cue"
	"go.yaml.in/yaml/v3"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/authstack/authstack/internal/tree"
)

// useDirect is off in the test that compares encodeDirect with the detour.
var useDirect = true

// directCalls counts encodeDirect's calls, and directMisses those that it
// left to the detour (tests).
// They are atomic: build encodes the bases and the environments at once.
var directCalls, directMisses atomic.Int64

// encodeDirect is encode without the detour through text: cue's YAML
// encoder exports the value to CUE syntax, builds YAML nodes from it and
// writes them, and tree.Format parses that text again to write it kpt's
// way. encodeDirect builds the same nodes from the value itself, as cue's
// encoder builds them (internal/encoding/yaml: labels and strings that
// YAML 1.1 would read as bools, times or hex numbers double-quoted), and
// hands them to tree.FormatNodes. It reports false for what it does not
// build the same way (multi-line strings, bytes, floats, an error), and
// encode then takes the detour. A test compares both for every object of
// every example and of generated stacks.
func encodeDirect(v cue.Value) ([]byte, bool) {
	directCalls.Add(1)
	n, ok := yamlNode(v)
	if !ok || n.Kind != yaml.MappingNode {
		directMisses.Add(1)
		return nil, false
	}
	data, err := tree.FormatNodes([]*kyaml.RNode{kyaml.NewRNode(n)})
	if err != nil {
		return nil, false
	}
	return data, true
}

// yamlNode is v's node with the tags that parsing its text would give.
// The direct render merges patches into these nodes: without the tags,
// minikube's merged Deployments had failureThreshold "3", a string (the
// test against krusty caught it).
func yamlNode(v cue.Value) (*yaml.Node, bool) {
	switch v.IncompleteKind() {
	case cue.StructKind:
		it, err := v.Fields(cue.Concrete(true))
		if err != nil {
			return nil, false
		}
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		for it.Next() {
			if !it.Selector().IsString() {
				return nil, false
			}
			label, ok := str(it.Selector().Unquoted())
			if !ok {
				return nil, false
			}
			val, ok := yamlNode(it.Value())
			if !ok {
				return nil, false
			}
			n.Content = append(n.Content, label, val)
		}
		return n, true
	case cue.ListKind:
		it, err := v.List()
		if err != nil {
			return nil, false
		}
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for it.Next() {
			val, ok := yamlNode(it.Value())
			if !ok {
				return nil, false
			}
			n.Content = append(n.Content, val)
		}
		return n, true
	case cue.StringKind:
		s, err := v.String()
		if err != nil {
			return nil, false
		}
		return str(s)
	case cue.IntKind:
		i, err := v.Int64()
		if err != nil {
			return nil, false
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(i, 10)}, true
	case cue.BoolKind:
		b, err := v.Bool()
		if err != nil {
			return nil, false
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(b)}, true
	case cue.NullKind:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}, true
	}
	return nil, false
}

// str is a string's node as cue's encoder makes it, for one-line UTF-8.
func str(s string) (*yaml.Node, bool) {
	if strings.Contains(s, "\n") || !utf8.ValidString(s) {
		return nil, false
	}
	n := &yaml.Node{}
	n.SetString(s)
	if legacyStrings[s] || mayQuote(s) && quoteRE.MatchString(s) {
		n.Style = yaml.DoubleQuotedStyle
	}
	return n, true
}

// quoteRE and legacyStrings are cue's shouldQuote (cuelang.org/go
// internal/encoding/yaml, v0.17): strings that YAML 1.1 reads as times, hex
// numbers or bools.
var quoteRE = regexp.MustCompile(`^[\-+0-9:\. \t]+([-:]|[tT])[\-+0-9:\. \t]+[zZ]?$|^0x[a-fA-F0-9]+$`)

// mayQuote reports whether quoteRE can match s, from its first byte: most
// strings (names, labels, paths) start with a letter or '/', and matching
// the expression took a tenth of the time of encoding.
func mayQuote(s string) bool {
	if s == "" {
		return false
	}
	switch c := s[0]; {
	case c >= '0' && c <= '9', c == '-', c == '+', c == ':', c == '.', c == ' ', c == '\t':
		return true
	}
	return false
}

var legacyStrings = map[string]bool{
	"y":     true,
	"Y":     true,
	"yes":   true,
	"Yes":   true,
	"YES":   true,
	"n":     true,
	"N":     true,
	"t":     true,
	"T":     true,
	"f":     true,
	"F":     true,
	"no":    true,
	"No":    true,
	"NO":    true,
	"true":  true,
	"True":  true,
	"TRUE":  true,
	"false": true,
	"False": true,
	"FALSE": true,
	"on":    true,
	"On":    true,
	"ON":    true,
	"off":   true,
	"Off":   true,
	"OFF":   true,
	// Non-standard.
	".Nan": true,
}
