package spec

// The YAML layer in front of the CUE validator. Every input stream is first
// parsed here with go.yaml.in/yaml/v3, the parser that kyaml and CUE's YAML
// decoder are built on, and checked for what those decoders get wrong or
// crash on: line ends, duplicate keys, documents that are not mappings,
// numbers CUE cannot hold, nulls, misplaced merge keys and sizes. Only a
// well-formed stream reaches them. Messages never quote the input, except
// values of an AuthStack that are numbers.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/token"
	cueyaml "cuelang.org/go/encoding/yaml"
	"go.yaml.in/yaml/v3"
)

// Limits bound the input. Each is far above what a real stack needs (a
// Kubernetes object is at most 1 MiB); beyond one, authstack stops at once
// with an error rather than working on.
const (
	// MaxFileBytes bounds one input file, or one AuthStack object in KRM mode.
	MaxFileBytes = 4 << 20
	// MaxTotalBytes bounds all input files together.
	MaxTotalBytes = 16 << 20
	// MaxDocuments bounds the YAML documents of one file.
	MaxDocuments = 1000
	// MaxValueBytes bounds one value of an AuthStack, such as an env value.
	MaxValueBytes = 64 << 10
	// MaxComponents bounds the components of one AuthStack.
	MaxComponents = 200
	// MaxAliasNodes bounds the values that aliases (*name) add to an
	// AuthStack when expanded: CUE's decoder copies them.
	MaxAliasNodes = 10000
)

// YAMLFile is a YAML stream that passed the checks of ParseYAML.
type YAMLFile struct {
	// Data is the stream with its line ends normalized to "\n".
	Data []byte
	// Docs are its non-empty documents: each a DocumentNode holding a
	// mapping.
	Docs []*yaml.Node
	// Scalars are the documents that are a single value, an error: such a
	// file often holds a raw secret.
	Scalars []string
	// quote are the numbers of AuthStacks to hand to CUE as strings.
	quote []*yaml.Node
}

// ParseYAML parses and checks a YAML stream. Its errors are spec.Diagnostics, one
// line per mistake at its position, quoting nothing of the input but the
// keys and the numbers of an AuthStack. With errors, the stream is returned
// too when it could be parsed, so that its secrets can be masked.
func ParseYAML(filename string, data []byte) (f *YAMLFile, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, fileError(filename, "cannot be parsed as YAML (an internal error of authstack: please report it with this file)")
		}
	}()
	if len(data) > MaxFileBytes {
		return nil, fileError(filename, fmt.Sprintf("found %d bytes, allowed: at most %d (%s) per file", len(data), MaxFileBytes, size(MaxFileBytes)))
	}
	data = normalizeLineEnds(data)
	docs, err := decodeAll(data)
	switch {
	case errors.Is(err, errTooManyDocuments):
		return nil, fileError(filename, fmt.Sprintf("found more than %d YAML documents, allowed: at most %[1]d per file", MaxDocuments))
	case err != nil:
		return nil, Diagnostics{syntaxError(filename, data, err)}
	}
	f = &YAMLFile{Data: data}
	var errs Diagnostics
	for _, doc := range docs {
		if len(doc.Content) == 0 {
			continue
		}
		top := doc.Content[0]
		switch {
		case top.Kind == yaml.ScalarNode && top.Tag == "!!null":
			continue // an empty document
		case top.Kind != yaml.MappingNode:
			errs = append(errs, &FieldError{Pos: pos(filename, top),
				Msg: fmt.Sprintf("found %s as a YAML document, allowed: a mapping (a Kubernetes object or an %s)", describe(top), Kind)})
			if top.Kind == yaml.ScalarNode {
				f.Scalars = append(f.Scalars, top.Value)
			}
			continue
		}
		c := &docChecker{file: filename, authStack: isAuthStack(top)}
		c.walk(top, nil)
		if !c.authStack {
			c.object(top, nil, 0)
		}
		errs = append(errs, c.errs...)
		f.quote = append(f.quote, c.quote...)
		if c.authStack {
			if added := expanded(top, map[*yaml.Node]int{}) - c.nodes; added > MaxAliasNodes {
				errs = append(errs, &FieldError{Pos: pos(filename, top),
					Msg: fmt.Sprintf("found aliases (*name) that add more than %d values when expanded, allowed: at most %[1]d", MaxAliasNodes)})
			}
		}
		f.Docs = append(f.Docs, doc)
	}
	if len(errs) > 0 {
		errs.sort()
		return f, errs
	}
	return f, nil
}

func fileError(filename, msg string) Diagnostics {
	return Diagnostics{{Pos: token.Position{Filename: filename}, Msg: msg}}
}

// size names a limit in binary units.
func size(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// normalizeLineEnds turns "\r\n" and a lone "\r" into "\n". YAML counts each
// of them as one line break and folds them to "\n" in values anyway, so
// nothing changes but that CUE's decoder, which crashes on a lone "\r",
// sees none.
func normalizeLineEnds(data []byte) []byte {
	if bytes.IndexByte(data, '\r') < 0 {
		return data
	}
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	return bytes.ReplaceAll(data, []byte("\r"), []byte("\n"))
}

var errTooManyDocuments = errors.New("too many documents")

func decodeAll(data []byte) ([]*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []*yaml.Node
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if err == io.EOF {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		if len(docs) == MaxDocuments {
			return nil, errTooManyDocuments
		}
		docs = append(docs, &n)
	}
}

// isAuthStack reports whether a mapping has kind AuthStack, set in it or
// merged into it with "<<".
func isAuthStack(m *yaml.Node) bool { return hasKind(m, 0) }

func hasKind(m *yaml.Node, depth int) bool {
	if depth > 10 || m.Kind != yaml.MappingNode {
		return false
	}
	var merged []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		switch {
		case k.Value == "kind" && k.Tag != "!!merge":
			return v.Kind == yaml.ScalarNode && v.Value == Kind
		case k.Tag == "!!merge" && v.Kind == yaml.SequenceNode:
			merged = append(merged, v.Content...)
		case k.Tag == "!!merge":
			merged = append(merged, v)
		}
	}
	for _, src := range merged {
		if src.Kind == yaml.AliasNode && src.Alias != nil {
			src = src.Alias
		}
		if hasKind(src, depth+1) {
			return true
		}
	}
	return false
}

func pos(filename string, n *yaml.Node) token.Position {
	return token.Position{Filename: filename, Line: n.Line, Column: n.Column}
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.AliasNode:
		return "an alias"
	}
	switch n.Tag {
	case "!!null":
		return "null"
	case "!!int", "!!float":
		return "a number"
	case "!!bool":
		return "a boolean"
	}
	return "a string"
}

// docChecker walks one document.
type docChecker struct {
	file      string
	authStack bool
	errs      Diagnostics
	nodes     int // nodes walked, aliases not expanded
	// quote are plain numbers CUE's decoder cannot hold.
	quote []*yaml.Node
}

// object checks the parts of a Kubernetes object that kyaml reads as
// mappings (its metadata) and the items of a List, which kyaml reads as
// objects.
func (c *docChecker) object(m *yaml.Node, p []string, depth int) {
	want := func(n *yaml.Node, kind yaml.Kind, p []string) bool {
		if n == nil || n.Kind == kind || n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
			return true
		}
		c.fail(n, p, "found %s, allowed: %s", describe(n), describeKind(kind))
		return false
	}
	field := func(m *yaml.Node, name string) *yaml.Node {
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Value == name {
				return m.Content[i+1]
			}
		}
		return nil
	}
	at := func(name ...string) []string { return append(p[:len(p):len(p)], name...) }
	if meta := field(m, "metadata"); want(meta, yaml.MappingNode, at("metadata")) && meta != nil {
		for _, name := range []string{"labels", "annotations"} {
			want(field(meta, name), yaml.MappingNode, at("metadata", name))
		}
	}
	if kind := field(m, "kind"); kind == nil || kind.Value != "List" || depth > 0 {
		return
	}
	if items := field(m, "items"); want(items, yaml.SequenceNode, at("items")) && items != nil {
		for i, it := range items.Content {
			if want(it, yaml.MappingNode, at("items", strconv.Itoa(i))) && it.Kind == yaml.MappingNode {
				c.object(it, at("items", strconv.Itoa(i)), depth+1)
			}
		}
	}
}

// expanded is the number of nodes of n with its aliases expanded, memoized
// per node and saturating far above any limit.
func expanded(n *yaml.Node, memo map[*yaml.Node]int) int {
	if c, ok := memo[n]; ok {
		return c
	}
	memo[n] = 1 << 40 // a cycle expands without end
	c := 1
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		c = expanded(n.Alias, memo)
	}
	for _, e := range n.Content {
		c = min(c+expanded(e, memo), 1<<40)
	}
	memo[n] = c
	return c
}

func (c *docChecker) fail(n *yaml.Node, p []string, format string, args ...any) {
	c.errs = append(c.errs, &FieldError{Pos: pos(c.file, n), Path: pathString(p), Msg: fmt.Sprintf(format, args...)})
}

var (
	// An integer literal that YAML resolved as a float: beyond 64 bits.
	bigInt = regexp.MustCompile(`^[-+]?[0-9][0-9_]*$`)
	nonNum = regexp.MustCompile(`(?i)^[-+]?\.(nan|inf)$`)
)

// walk checks duplicate keys everywhere and, in an AuthStack, what CUE
// cannot hold and the limits. Aliases are not followed: their anchors are
// checked where they stand.
func (c *docChecker) walk(n *yaml.Node, p []string) {
	c.nodes++
	switch n.Kind {
	case yaml.MappingNode:
		first := map[string]*yaml.Node{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				if c.authStack {
					c.fail(k, p, "found %s as a key, allowed: field names", describe(k))
				}
				continue
			}
			kp := append(p[:len(p):len(p)], k.Value)
			if c.authStack && strings.ContainsFunc(k.Value, func(r rune) bool { return !unicode.IsPrint(r) && r != ' ' }) {
				// No field of an AuthStack has one, and a message would
				// break across lines.
				c.fail(k, p, "found the key %q with a control character, allowed: field names", k.Value)
				continue
			}
			if prev, dup := first[k.Value]; dup {
				c.fail(k, kp, "duplicate key %q (first at line %d)", k.Value, prev.Line)
			} else {
				first[k.Value] = k
			}
			c.walk(v, kp)
		}
		if c.authStack && strings.Join(p, ".") == "spec.components" && len(n.Content)/2 > MaxComponents {
			c.fail(n, p, "found %d components, allowed: at most %d per stack", len(n.Content)/2, MaxComponents)
		}
	case yaml.SequenceNode:
		for i, e := range n.Content {
			c.walk(e, append(p[:len(p):len(p)], strconv.Itoa(i)))
		}
	case yaml.ScalarNode:
		if !c.authStack {
			return
		}
		switch {
		case len(n.Value) > MaxValueBytes:
			c.fail(n, p, "found a value of %d bytes, allowed: at most %d (%s)", len(n.Value), MaxValueBytes, size(MaxValueBytes))
		case n.Tag == "!!float" && (nonNum.MatchString(n.Value) || bigInt.MatchString(n.Value)):
			// CUE's decoder cannot hold these numbers: the validator gets
			// them as strings, to say what the field allows instead.
			if n.Style != 0 {
				c.fail(n, p, "found %s, allowed: a finite number of at most 64 bits", clip(n.Value))
			} else {
				c.quote = append(c.quote, n)
			}
		}
	}
}

// pathString joins a field path, quoting the names that are not plain
// text, so that a message stays on one line.
func pathString(p []string) string {
	q := make([]string, len(p))
	for i, name := range p {
		q[i] = name
		if strings.ContainsFunc(name, func(r rune) bool { return !unicode.IsPrint(r) || r == ' ' }) || name == "" {
			q[i] = strconv.Quote(name)
		}
	}
	return strings.Join(q, ".")
}

func clip(s string) string {
	if len(s) > 32 {
		return s[:29] + "..."
	}
	return s
}

var quoted = regexp.MustCompile("['`\"].*['`\"]")

var yamlError = regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)

// syntaxError places a YAML parser error at the line of the problem. The
// parser reports the line of the enclosing block (the context) when it has
// one; the problem is in the first line whose addition to the stream makes
// the parser fail the same way.
func syntaxError(filename string, data []byte, err error) *FieldError {
	problem := err.Error()
	if m := yamlError.FindStringSubmatch(problem); m != nil {
		problem = m[2]
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	fails := func(k int) bool { // the first k lines fail with the same problem
		end := 0
		for _, l := range lines[:k] {
			end += len(l)
		}
		_, err := decodeAll(data[:end])
		if err == nil {
			return false
		}
		m := yamlError.FindStringSubmatch(err.Error())
		return m != nil && m[2] == problem
	}
	lo, hi := 1, len(lines)
	if !fails(hi) {
		lo = hi
	}
	for lo < hi {
		mid := (lo + hi) / 2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	line := lo
	col := 1
	text := ""
	if line-1 < len(lines) {
		text = string(lines[line-1])
		col += len(text) - len(strings.TrimLeft(text, " \t"))
	}
	return &FieldError{Pos: token.Position{Filename: filename, Line: line, Column: col}, Msg: "invalid YAML: " + explain(problem, text)}
}

// explain says what a YAML parser problem means, in the user's terms.
func explain(problem, line string) string {
	tab := strings.Contains(line[:len(line)-len(strings.TrimLeft(line, " \t"))], "\t")
	switch {
	case tab || strings.Contains(problem, "tab character"):
		return "found a tab in the indentation, allowed: spaces only"
	case problem == "did not find expected key":
		return "found a line indented differently from the keys before it, allowed: keys aligned with their siblings"
	case problem == "mapping values are not allowed in this context":
		return `found an unexpected ':', allowed: a key aligned with its siblings; quote a value that contains ": "`
	case problem == "did not find expected '-' indicator":
		return "found a line indented differently from the list items before it, allowed: items aligned with their siblings"
	case problem == "found character that cannot start any token":
		return "found a character that cannot start a value (such as @, ` or %), allowed: such a value in quotes"
	case problem == "found unexpected end of stream":
		return "found a quoted value or a [ ] or { } that is never closed, allowed: closed quotes and brackets"
	case strings.HasPrefix(problem, "did not find expected ',' or ']'"):
		return "found a [ ] list that is not closed or lacks a ',', allowed: [a, b]"
	case strings.HasPrefix(problem, "did not find expected ',' or '}'"):
		return "found a { } mapping that is not closed or lacks a ',', allowed: {a: 1, b: 2}"
	case problem == "could not find expected ':'":
		return "found a line that is neither a key with ':' nor a list item, allowed: key: value"
	case problem == "did not find expected node content":
		return "found a key or list item without the value it needs"
	case problem == "block sequence entries are not allowed in this context":
		return "found a list item '- ' on a key's line, allowed: list items on their own lines, indented under the key"
	case strings.HasPrefix(problem, "did not find expected <document start>"):
		return "found content after the end of a document, allowed: documents separated by ---"
	case strings.Contains(problem, "control characters"):
		return "found a control character, allowed: printable text"
	case strings.Contains(problem, "UTF-8") || strings.Contains(problem, "UTF-16"):
		return "found bytes that are not UTF-8 text"
	case strings.HasPrefix(problem, "unknown anchor"):
		return "found an alias (*name) to an anchor (&name) that is not defined before it"
	case strings.Contains(problem, "excessive aliasing"):
		return "found aliases that expand too much"
	}
	// Other problems are fixed phrases of the parser; drop anything quoted.
	return "found " + quoted.ReplaceAllString(problem, "…")
}

// extract parses a YAML stream into CUE syntax, after ParseYAML and the
// checks of AuthStacks against the schema: shapes, nulls and merge keys. A null
// where the schema wants an optional mapping or list means an empty one.
func (s *Schema) extract(filename string, data []byte) (f *ast.File, err error) {
	yf, err := ParseYAML(filename, data)
	if err != nil {
		return nil, err
	}
	var errs Diagnostics
	for _, doc := range yf.Docs {
		if top := doc.Content[0]; isAuthStack(top) {
			errs = append(errs, s.checkShapes(filename, top, nil, s.def)...)
			errs = append(errs, s.checkMerges(filename, top, nil)...)
		}
	}
	if len(errs) > 0 {
		errs.sort()
		return nil, errs
	}
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, fileError(filename, "cannot be parsed as YAML (an internal error of authstack: please report it with this file)")
		}
	}()
	data, ok := authStacksOnly(quoteScalars(yf.Data, yf.quote), yf.Docs)
	if !ok {
		return &ast.File{Filename: filename}, nil
	}
	f, err = cueyaml.Extract(filename, data)
	if err != nil {
		// ParseYAML accepted what CUE's decoder does not.
		// At CUE's position when it has one, else at the first AuthStack:
		// every line of a message has a position.
		e := &FieldError{Pos: token.Position{Filename: filename, Line: 1, Column: 1}, Msg: "found YAML that the validator cannot read, allowed: plain mappings, lists and scalars"}
		for _, doc := range yf.Docs {
			if len(doc.Content) == 1 && isAuthStack(doc.Content[0]) {
				e.Pos.Line, e.Pos.Column = doc.Content[0].Line, doc.Content[0].Column
				break
			}
		}
		if es := cueerrors.Errors(err); len(es) > 0 && es[0].Position().IsValid() {
			e.Pos = es[0].Position().Position()
			e.Pos.Filename = filename
		}
		return nil, Diagnostics{e}
	}
	s.emptyNulls(f)
	return f, nil
}

// authStacksOnly returns the stream with the lines of every document that
// is not an AuthStack blanked, keeping the document markers, so that only
// AuthStacks reach CUE's decoder, at their own lines. ok is false when
// there is no AuthStack.
func authStacksOnly(data []byte, docs []*yaml.Node) (_ []byte, ok bool) {
	lines := bytes.SplitAfter(data, []byte("\n"))
	keep := make([]bool, len(lines))
	all := true
	for i, d := range docs {
		start, end := d.Content[0].Line, len(lines)
		if i == 0 {
			start = 1
		}
		if i+1 < len(docs) {
			end = docs[i+1].Content[0].Line - 1
		}
		if !isAuthStack(d.Content[0]) {
			all = false
			continue
		}
		ok = true
		for l := max(start, 1) - 1; l < end && l < len(lines); l++ {
			keep[l] = true
		}
	}
	if !ok || all {
		return data, ok
	}
	var b bytes.Buffer
	for i, l := range lines {
		switch {
		case keep[i]:
			b.Write(l)
		case isMarker(l, "---"):
			b.WriteString("---\n")
		case isMarker(l, "..."):
			b.WriteString("...\n")
		case bytes.HasSuffix(l, []byte("\n")):
			b.WriteByte('\n')
		}
	}
	return b.Bytes(), true
}

// quoteScalars returns data with the plain scalars at the nodes quoted. A
// column is a count of characters; the text there must be the scalar's.
func quoteScalars(data []byte, nodes []*yaml.Node) []byte {
	if len(nodes) == 0 {
		return data
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	for _, n := range nodes {
		if n.Line < 1 || n.Line > len(lines) {
			continue
		}
		l := lines[n.Line-1]
		off := 0
		for i := 1; i < n.Column && off < len(l); i++ {
			_, size := utf8.DecodeRune(l[off:])
			off += size
		}
		if !bytes.HasPrefix(l[off:], []byte(n.Value)) {
			continue
		}
		q := append(append(append([]byte{}, l[:off]...), strconv.Quote(n.Value)...), l[off+len(n.Value):]...)
		lines[n.Line-1] = q
	}
	return bytes.Join(lines, nil)
}

// isMarker reports whether a line is a document marker.
func isMarker(line []byte, marker string) bool {
	return bytes.HasPrefix(line, []byte(marker)) && (len(line) == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\n')
}

// slot is what the schema says of the field at p.
type slot struct {
	v        cue.Value
	required bool
}

// schemaField looks up p in the schema: fields, optional and required ones,
// and pattern constraints (the value for any name of a map).
func (s *Schema) schemaField(p []string) (slot, bool) {
	v := s.def
	var f slot
	for _, name := range p {
		var ok bool
		if f, ok = childSlot(v, name, requiredOf(v)); !ok {
			return slot{}, false
		}
		v = f.v
	}
	return f, true
}

// childSlot is the schema of the field name of the schema value v; required
// holds v's required fields.
func childSlot(v cue.Value, name string, required map[string]bool) (slot, bool) {
	var next cue.Value
	if v.IncompleteKind() == cue.ListKind {
		next = v.LookupPath(cue.MakePath(cue.AnyIndex))
	} else {
		for _, sel := range []cue.Selector{cue.Str(name), cue.Str(name).Optional(), cue.AnyString} {
			if next = v.LookupPath(cue.MakePath(sel)); next.Exists() {
				break
			}
		}
	}
	if !next.Exists() {
		return slot{}, false
	}
	return slot{v: next, required: required[name]}, true
}

// requiredOf returns the names of the required fields of the schema value v.
func requiredOf(v cue.Value) map[string]bool {
	it, err := v.Fields(cue.Optional(true))
	if err != nil {
		return nil
	}
	var req map[string]bool
	for it.Next() {
		if it.Selector().ConstraintType() == cue.RequiredConstraint {
			if req == nil {
				req = map[string]bool{}
			}
			req[it.Selector().Unquoted()] = true
		}
	}
	return req
}

// slotShape is what the schema's field f holds: 0 when unknown.
func slotShape(f slot) yaml.Kind {
	want := yamlShape(f.v)
	if f.v.IncompleteKind() == cue.BottomKind && want == yaml.ScalarNode {
		// A map with a size constraint, evaluated empty, is an error on
		// its own; whether it takes names says it is a map.
		want = 0
		if _, ok := childSlot(f.v, "a", nil); ok {
			want = yaml.MappingNode
		}
	}
	return want
}

// yamlShape is what a schema value holds: a mapping, a list or a scalar. A map
// with a size constraint evaluates to an error on its own; its pattern
// still says it is a mapping.
func yamlShape(v cue.Value) yaml.Kind {
	if !v.Exists() {
		return 0
	}
	k := v.IncompleteKind()
	switch {
	case k&cue.StructKind != 0 && k&^(cue.StructKind|cue.NullKind) == 0:
		return yaml.MappingNode
	case k == cue.ListKind:
		return yaml.SequenceNode
	case k == cue.BottomKind:
		if v.LookupPath(cue.MakePath(cue.AnyString)).Exists() {
			return yaml.MappingNode
		}
		if it, err := v.Fields(cue.Optional(true)); err == nil && it.Next() {
			return yaml.MappingNode
		}
	}
	return yaml.ScalarNode
}

// checkShapes reports a value whose shape is not the schema's: a null
// where a mapping or list is required, a scalar or list where a mapping
// belongs, and so on. A null where one is optional means an empty one (see
// emptyNulls). Scalars are the schema's to judge.
func (s *Schema) checkShapes(filename string, n *yaml.Node, p []string, sv cue.Value) Diagnostics {
	var errs Diagnostics
	check := func(k, v *yaml.Node, vp []string) {
		f, ok := childSlot(sv, vp[len(vp)-1], nil)
		if !ok {
			return // an unknown field: the schema's to report
		}
		want, got := slotShape(f), v
		if got.Kind == yaml.AliasNode && got.Alias != nil {
			got = got.Alias
		}
		switch {
		case got.Kind == yaml.ScalarNode && got.Tag == "!!null":
			if want != yaml.ScalarNode && requiredOf(sv)[vp[len(vp)-1]] {
				errs = append(errs, &FieldError{Pos: pos(filename, v), Path: pathString(vp),
					Msg: fmt.Sprintf("found null, allowed: %s (the field is required)", describeKind(want))})
			}
			return
		case want == yaml.MappingNode || want == yaml.SequenceNode:
			if got.Kind != want {
				errs = append(errs, &FieldError{Pos: pos(filename, v), Path: pathString(vp),
					Msg: fmt.Sprintf("found %s, allowed: %s", describe(got), describeKind(want))})
				return
			}
		case want != 0 && (got.Kind == yaml.MappingNode || got.Kind == yaml.SequenceNode):
			if f.v.IncompleteKind()&(cue.StructKind|cue.ListKind) == 0 {
				errs = append(errs, &FieldError{Pos: pos(filename, v), Path: pathString(vp),
					Msg: fmt.Sprintf("found %s, allowed: a single value", describe(got))})
				return
			}
		}
		errs = append(errs, s.checkShapes(filename, v, vp, f.v)...)
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; k.Tag != "!!merge" {
				check(k, n.Content[i+1], append(p[:len(p):len(p)], k.Value))
			}
		}
	case yaml.SequenceNode:
		for i, e := range n.Content {
			check(e, e, append(p[:len(p):len(p)], strconv.Itoa(i)))
		}
	}
	return errs
}

func describeKind(k yaml.Kind) string {
	if k == yaml.SequenceNode {
		return "a list"
	}
	return "a mapping"
}

// checkMerges reports a merge key whose keys do not belong where it puts
// them: the merge happened at the wrong level, and the messages about the
// merged keys, placed at the anchor, would mislead.
func (s *Schema) checkMerges(filename string, n *yaml.Node, p []string) Diagnostics {
	var errs Diagnostics
	switch n.Kind {
	case yaml.MappingNode:
		explicit := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; k.Tag != "!!merge" {
				explicit[k.Value] = true
			}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Tag == "!!merge" {
				if e := s.misplacedMerge(filename, k, v, p, explicit); e != nil {
					errs = append(errs, e)
				}
				continue
			}
			errs = append(errs, s.checkMerges(filename, v, append(p[:len(p):len(p)], k.Value))...)
		}
	case yaml.SequenceNode:
		for i, e := range n.Content {
			errs = append(errs, s.checkMerges(filename, e, append(p[:len(p):len(p)], strconv.Itoa(i)))...)
		}
	}
	return errs
}

func (s *Schema) misplacedMerge(filename string, key, value *yaml.Node, p []string, explicit map[string]bool) *FieldError {
	sources := []*yaml.Node{value}
	if value.Kind == yaml.SequenceNode {
		sources = value.Content
	}
	var wrong []string
	var from []string
	for _, src := range sources {
		if src.Kind == yaml.AliasNode && src.Alias != nil {
			from = append(from, fmt.Sprintf("&%s (line %d)", src.Value, src.Alias.Line))
			src = src.Alias
		}
		if src.Kind != yaml.MappingNode {
			continue
		}
		for i := 0; i+1 < len(src.Content); i += 2 {
			k, v := src.Content[i], src.Content[i+1]
			if explicit[k.Value] {
				continue // overridden: the merged value does not land
			}
			if v.Kind == yaml.AliasNode && v.Alias != nil {
				v = v.Alias
			}
			f, ok := s.schemaField(append(p[:len(p):len(p)], k.Value))
			if want := yamlShape(f.v); !ok || (want != v.Kind && !(want == yaml.ScalarNode && v.Kind == yaml.ScalarNode)) {
				wrong = append(wrong, pathString([]string{k.Value}))
			}
		}
	}
	if len(wrong) == 0 {
		return nil
	}
	where := pathString(p)
	if where == "" {
		where = "the top level"
	}
	src := ""
	if len(from) > 0 {
		src = " from " + strings.Join(from, ", ")
	}
	return &FieldError{Pos: pos(filename, key), Path: pathString(p),
		Msg: fmt.Sprintf("the merge key \"<<\" puts %s%s directly under %s, where they are not fields of this level; allowed: a merge whose keys belong here (move it into the mapping those keys belong to)",
			strings.Join(wrong, ", "), src, where)}
}

// emptyNulls replaces, in every AuthStack of f, a null where the schema has
// an optional mapping or list by an empty one at the same position: "env:"
// with nothing after it means no env.
func (s *Schema) emptyNulls(f *ast.File) {
	var docs []ast.Expr
	if len(f.Decls) == 1 {
		if e, ok := f.Decls[0].(*ast.EmbedDecl); ok {
			if l, ok := e.Expr.(*ast.ListLit); ok {
				docs = l.Elts
			}
		}
	}
	if docs == nil {
		s.emptyNullsIn(f.Decls, nil, true)
		return
	}
	for _, d := range docs {
		if st, ok := d.(*ast.StructLit); ok {
			s.emptyNullsIn(st.Elts, nil, true)
		}
	}
}

func (s *Schema) emptyNullsIn(decls []ast.Decl, p []string, top bool) {
	if top && !declsAreAuthStack(decls) {
		return
	}
	for _, d := range decls {
		fd, ok := d.(*ast.Field)
		if !ok {
			continue
		}
		name, _, err := ast.LabelName(fd.Label)
		if err != nil {
			continue
		}
		fp := append(p[:len(p):len(p)], name)
		switch v := fd.Value.(type) {
		case *ast.BasicLit:
			if v.Kind != token.NULL {
				continue
			}
			f, ok := s.schemaField(fp)
			if !ok || f.required {
				continue
			}
			switch slotShape(f) {
			case yaml.MappingNode:
				fd.Value = &ast.StructLit{Lbrace: v.ValuePos, Rbrace: v.ValuePos}
			case yaml.SequenceNode:
				fd.Value = &ast.ListLit{Lbrack: v.ValuePos, Rbrack: v.ValuePos}
			}
		case *ast.StructLit:
			s.emptyNullsIn(v.Elts, fp, false)
		}
	}
}

func declsAreAuthStack(decls []ast.Decl) bool {
	for _, d := range decls {
		if fd, ok := d.(*ast.Field); ok {
			if name, _, _ := ast.LabelName(fd.Label); name == "kind" {
				if lit, ok := fd.Value.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					v, err := strconv.Unquote(lit.Value)
					return err == nil && v == Kind
				}
			}
		}
	}
	return false
}
