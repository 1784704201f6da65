package krm

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"sort"
	"strings"

	"github.com/kptdev/krm-functions-sdk/go/fn"
	"go.yaml.in/yaml/v3"
)

// A ResourceList may carry thousands of items that authstack never looks
// at (a package's other objects). Parsed into kyaml nodes they cost ~30
// times their size in memory and most of the run; runStream passes them
// through as text instead. It cuts the list's items into blocks of lines;
// only the items that authstack might read or replace go through the
// function: AuthStacks, Secrets of every kind (the auth secret's hash),
// objects in an AuthStack's tree (bases/, overlays/, .authstack/), and any
// item whose text has an escape that could spell those. The others keep
// their input text and take the places in the output that fn's sort gives
// them; their sort keys are read from their lines (or, when the lines are
// not the plain form, from the item parsed alone). Untouched items of the
// canonical form that kpt and kustomize write come out byte for byte as
// before; tests check the whole output against the full path.

// streamMin is the number of untouched items from which runStream is used.
var streamMin = 256

// mayTouch are substrings of every item that the function reads or replaces.
var mayTouch = [][]byte{[]byte(`\`), []byte("AuthStack"), []byte("Secret"), []byte("bases/"), []byte("overlays/"), []byte(".authstack")}

// listItem is one item of the list, as text.
type listItem struct {
	lines []byte // its lines, "- " first, at the list's indentation
	key   string // fn's sort key: apiVersion, kind, namespace, name
	obj   *fn.KubeObject
}

// runStream is Run for a list with at least streamMin untouched items, in
// the block layout that it recognises; ok is false, with nothing done,
// otherwise.
func runStream(target string, log io.Writer, in []byte) (out []byte, ok bool, err error) {
	head, items, tail, indent, ok := splitItems(in)
	if !ok {
		return nil, false, nil
	}
	var touched []int
	for i := range items {
		if mayBeTouched(items[i].lines) {
			touched = append(touched, i)
			continue
		}
		key, ok := sortKey(items[i].lines, indent)
		if !ok {
			return nil, false, nil
		}
		items[i].key = key
	}
	if len(items)-len(touched) < streamMin {
		return nil, false, nil
	}
	// The list minus the untouched items goes through the function.
	var small bytes.Buffer
	small.Write(head)
	for _, i := range touched {
		small.Write(items[i].lines)
	}
	if len(touched) == 0 {
		small.Reset()
		small.Write(bytes.TrimSuffix(head, []byte("items:\n")))
		small.WriteString("items: []\n")
	}
	small.Write(tail)
	rl, err := fn.ParseResourceList(small.Bytes())
	if err != nil || len(rl.Items) != len(touched) {
		return nil, false, nil
	}
	parsed := append(fn.KubeObjects(nil), rl.Items...)
	processOK, _ := Processor(target, log).Process(rl)

	// fn's order before its sort in the full run: the input items that the
	// function kept (it keeps every untouched one), in input order, then
	// the ones it added. Then fn's sort, which is deterministic: the same
	// keys in the same order give the same permutation.
	kept := map[*fn.KubeObject]bool{}
	for _, o := range rl.Items {
		kept[o] = true
	}
	isParsed := map[*fn.KubeObject]bool{}
	for _, o := range parsed {
		isParsed[o] = true
	}
	order := make(sortable, 0, len(items)+len(rl.Items))
	t := 0
	for i := range items {
		if t < len(touched) && touched[t] == i {
			if o := parsed[t]; kept[o] {
				order = append(order, listItem{key: sortKeyOf(o), obj: o})
			}
			t++
			continue
		}
		order = append(order, items[i])
	}
	for _, o := range rl.Items {
		if !isParsed[o] {
			order = append(order, listItem{key: sortKeyOf(o), obj: o})
		}
	}
	sort.Sort(order)

	written, err := rl.ToYAML() // sorts rl.Items as it writes them
	if err != nil {
		return nil, false, nil
	}
	whead, witems, wtail, windent, ok := splitItems(written)
	if !ok {
		// No items: fn wrote "items: []" (or nothing).
		whead, wtail, ok = emptyItems(written)
		windent = indent
	}
	if !ok || len(witems) != len(rl.Items) {
		return nil, false, nil
	}
	text := make(map[*fn.KubeObject][]byte, len(rl.Items))
	for i, o := range rl.Items {
		text[o] = witems[i].lines
	}
	var b bytes.Buffer
	b.Grow(len(in) + len(written))
	b.Write(whead)
	for _, it := range order {
		if it.obj != nil {
			b.Write(text[it.obj])
		} else {
			writeIndented(&b, it.lines, indent, windent)
		}
	}
	b.Write(wtail)
	if !processOK {
		return b.Bytes(), true, errFunctionFailure
	}
	return b.Bytes(), true, nil
}

// sortable sorts items as fn.KubeObjects.Less does.
type sortable []listItem

func (s sortable) Len() int           { return len(s) }
func (s sortable) Less(i, j int) bool { return s[i].key < s[j].key }
func (s sortable) Swap(i, j int)      { s[i], s[j] = s[j], s[i] }

// sortKeyOf is the key that fn.KubeObjects.Less compares.
func sortKeyOf(o *fn.KubeObject) string {
	return o.GetAPIVersion() + " " + o.GetKind() + " " + o.GetNamespace() + " " + o.GetName()
}

func mayBeTouched(lines []byte) bool {
	for _, s := range mayTouch {
		if bytes.Contains(lines, s) {
			return true
		}
	}
	return false
}

// splitItems cuts a ResourceList into the lines before its items (ending
// with "items:"), the items and the lines after them. It recognises only
// block layout: top-level keys at column 0, no comments or document
// markers there, "items:" followed by "- " entries at column 0 or 2 whose
// other lines are indented by two more. indent is the entries' column.
func splitItems(in []byte) (head []byte, items []listItem, tail []byte, indent int, ok bool) {
	if bytes.IndexByte(in, '\r') >= 0 || bytes.IndexByte(in, '\t') >= 0 || len(in) == 0 || in[len(in)-1] != '\n' {
		return nil, nil, nil, 0, false
	}
	const (
		before = iota
		inItems
		after
	)
	state := before
	itemsEnd := -1
	var dash, cont []byte
	for off := 0; off < len(in); {
		end := off + bytes.IndexByte(in[off:], '\n') + 1
		line := in[off:end]
		top := line[0] != ' ' && line[0] != '\n'
		if bytes.HasPrefix(line, []byte("---")) || bytes.HasPrefix(line, []byte("...")) || line[0] == '%' ||
			state == inItems && top && (line[0] == '#' || line[0] == '-' && !bytes.HasPrefix(line, []byte("- "))) {
			return nil, nil, nil, 0, false
		}
		switch state {
		case before:
			if string(line) == "items:\n" {
				head = in[:end]
				state = inItems
			}
		case inItems:
			switch {
			case dash == nil && bytes.HasPrefix(line, []byte("- ")):
				indent, dash, cont = 0, []byte("- "), []byte("  ")
			case dash == nil && bytes.HasPrefix(line, []byte("  - ")):
				indent, dash, cont = 2, []byte("  - "), []byte("    ")
			}
			switch {
			case dash != nil && bytes.HasPrefix(line, dash):
				items = append(items, listItem{lines: line})
			case len(items) > 0 && (bytes.HasPrefix(line, cont) || len(bytes.TrimSpace(line)) == 0):
				it := &items[len(items)-1]
				it.lines = it.lines[:len(it.lines)+len(line)] // contiguous in in
			case top && line[0] != '-':
				itemsEnd = off
				state = after
			default:
				return nil, nil, nil, 0, false
			}
		}
		off = end
	}
	if state == before || len(items) == 0 {
		return nil, nil, nil, 0, false
	}
	if itemsEnd < 0 {
		itemsEnd = len(in)
	}
	return head, items, in[itemsEnd:], indent, true
}

// emptyItems cuts a list written with "items: []" into the lines before
// and after, with "items:\n" ending the first.
func emptyItems(in []byte) (head, tail []byte, ok bool) {
	i := bytes.Index(in, []byte("\nitems: []\n"))
	if i < 0 {
		return nil, nil, false
	}
	head = append(append([]byte(nil), in[:i+1]...), "items:\n"...)
	return head, in[i+len("\nitems: []\n"):], true
}

// writeIndented writes an item's lines moved from column from to column to.
func writeIndented(b *bytes.Buffer, lines []byte, from, to int) {
	if from == to {
		b.Write(lines)
		return
	}
	for len(lines) > 0 {
		end := bytes.IndexByte(lines, '\n') + 1
		line := lines[:end]
		if len(bytes.TrimSpace(line)) > 0 {
			b.WriteString(strings.Repeat(" ", to))
			line = line[from:]
		}
		b.Write(line)
		lines = lines[end:]
	}
}

// plainValue is a scalar that reads the same in every YAML form: the value
// of an unquoted key, or quoted without escapes.
var (
	plainLine  = regexp.MustCompile(`^([A-Za-z]+): *([A-Za-z0-9][-A-Za-z0-9._/:@+]*|'[^'\n]*'|"[^"\\\n]*")? *\n$`)
	metaFields = map[string]bool{"name": true, "namespace": true}
)

// sortKey reads an item's apiVersion, kind, metadata.namespace and
// metadata.name from its lines when they are in plain block form, else
// from the item parsed alone.
func sortKey(lines []byte, indent int) (string, bool) {
	if key, ok := scanKey(lines, indent); ok {
		return key, true
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(lines, &doc); err != nil || len(doc.Content) != 1 || len(doc.Content[0].Content) != 1 {
		return "", false
	}
	o, err := fn.ParseKubeObject(mustMarshal(doc.Content[0].Content[0]))
	if err != nil {
		return "", false
	}
	return sortKeyOf(o), true
}

func mustMarshal(n *yaml.Node) []byte {
	b, err := yaml.Marshal(n)
	if err != nil {
		return nil
	}
	return b
}

// scanKey reads the sort key from the lines of an item in plain block
// form: the keys at the item's column, metadata's at the next level.
func scanKey(lines []byte, indent int) (string, bool) {
	base := indent + 2
	vals := map[string]string{}
	inMeta, metaIndent := false, -1
	first := true
	for len(lines) > 0 {
		end := bytes.IndexByte(lines, '\n') + 1
		line := lines[:end]
		lines = lines[end:]
		if first {
			line = line[base:] // after "- "
			first = false
		} else {
			n := len(line) - len(bytes.TrimLeft(line, " "))
			if len(bytes.TrimSpace(line)) == 0 || bytes.HasPrefix(bytes.TrimLeft(line, " "), []byte("#")) {
				continue
			}
			switch {
			case n == base:
				line = line[base:]
				inMeta = false
			case inMeta && (metaIndent < 0 || n == metaIndent):
				metaIndent = n
				m := plainLine.FindSubmatch(line[n:])
				if m == nil {
					if bytes.HasPrefix(line[n:], []byte("name")) {
						return "", false
					}
					continue
				}
				if k := string(m[1]); metaFields[k] {
					if _, dup := vals["metadata."+k]; dup {
						return "", false
					}
					vals["metadata."+k] = unquote(m[2])
				}
				continue
			default:
				continue
			}
		}
		if string(line) == "metadata:\n" {
			inMeta, metaIndent = true, -1
			if _, dup := vals["metadata"]; dup {
				return "", false
			}
			vals["metadata"] = ""
			continue
		}
		m := plainLine.FindSubmatch(line)
		if m == nil {
			if bytes.HasPrefix(line, []byte("apiVersion")) || bytes.HasPrefix(line, []byte("kind")) || bytes.HasPrefix(line, []byte("metadata")) {
				return "", false
			}
			continue
		}
		if k := string(m[1]); k == "apiVersion" || k == "kind" {
			if _, dup := vals[k]; dup {
				return "", false
			}
			vals[k] = unquote(m[2])
		}
	}
	if vals["apiVersion"] == "" || vals["kind"] == "" || vals["metadata.name"] == "" {
		return "", false
	}
	for _, v := range vals {
		if v == "\x00" {
			return "", false
		}
	}
	return vals["apiVersion"] + " " + vals["kind"] + " " + vals["metadata.namespace"] + " " + vals["metadata.name"], true
}

// unquote is the string a scalar of plainLine stands for; "\x00" for a
// plain one that YAML may read as something else (null, a bool, a number).
func unquote(v []byte) string {
	if len(v) >= 2 && (v[0] == '\'' || v[0] == '"') {
		return string(v[1 : len(v)-1])
	}
	if len(v) == 0 {
		return ""
	}
	if !(v[0] >= 'a' && v[0] <= 'z' || v[0] >= 'A' && v[0] <= 'Z') {
		return "\x00"
	}
	switch strings.ToLower(string(v)) {
	case "null", "true", "false", "yes", "no", "on", "off", "y", "n":
		return "\x00"
	}
	return string(v)
}

// errFunctionFailure is Run's error when the function reported one.
var errFunctionFailure = errors.New("error: function failure")
