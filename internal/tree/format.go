package tree

import (
	"bytes"
	"fmt"
	"io"
	"sync"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
)

// Format rewrites a YAML document (or stream) the way kpt writes a package's
// files: kyaml's encoder, two-space indent, sequences not indented under
// their key. Every file of a tree goes through it, so `authstack build` and
// `kpt fn render` write the same bytes and mixing them churns no diff.
//
// Format keeps the nodes it wrote until Add puts the same bytes into a
// tree, which keeps them beside the file: the direct render starts from
// them instead of parsing the file again.
func Format(data []byte) ([]byte, error) {
	nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(data), OmitReaderAnnotations: true}).Read()
	if err != nil {
		return nil, fmt.Errorf("format: %w", err)
	}
	return FormatNodes(nodes)
}

// FormatNodes writes objects as Format writes them, and keeps them for Add
// as Format does: the caller must not change them afterwards.
func FormatNodes(nodes []*kyaml.RNode) ([]byte, error) {
	var b bytes.Buffer
	if err := writeNodes(&b, nodes); err != nil {
		return nil, fmt.Errorf("format: %w", err)
	}
	out := b.Bytes()
	if len(out) > 0 {
		formattedMu.Lock()
		formatted[&out[0]] = formattedFile{data: string(out), nodes: nodes}
		formattedMu.Unlock()
	}
	return out, nil
}

// writeNodes writes nodes as kio.ByteWriter does. ByteWriter first copies
// every node, to remove from the copy the annotations that kio's reader
// adds and an empty metadata.annotations, then encodes the copy: a third of
// the time of writing the templates' objects, which have none of those. Such
// nodes are encoded as they are, with the encoder ByteWriter uses; any other
// list goes to ByteWriter.
func writeNodes(w io.Writer, nodes []*kyaml.RNode) error {
	for _, n := range nodes {
		if !writable(n.YNode()) {
			return kio.ByteWriter{Writer: w}.Write(nodes)
		}
	}
	enc := kyaml.NewEncoder(w)
	for _, n := range nodes {
		if err := enc.Encode(n.Document()); err != nil {
			return err
		}
	}
	return enc.Close()
}

// writerAnnotations are the annotations that kio.ByteWriter removes or
// reads (the path of a .json file makes it write JSON).
var writerAnnotations = []string{
	kioutil.IndexAnnotation, kioutil.LegacyIndexAnnotation, kioutil.SeqIndentAnnotation,
	kioutil.PathAnnotation, kioutil.LegacyPathAnnotation,
}

// writable reports whether kio.ByteWriter would write n as it is: a mapping
// that is not a wrapped bare sequence, whose metadata, if any, is a non-empty
// mapping with non-empty annotations, if any, none of them writerAnnotations.
func writable(n *kyaml.Node) bool {
	if n.Kind != kyaml.MappingNode {
		return false
	}
	if lookup(n, kyaml.BareSeqNodeWrappingKey) != nil {
		return false
	}
	meta := lookup(n, kyaml.MetadataField)
	if meta == nil {
		return true
	}
	if meta.Kind != kyaml.MappingNode || len(meta.Content) == 0 {
		return false
	}
	ann := lookup(meta, kyaml.AnnotationsField)
	if ann == nil {
		return true
	}
	if ann.Kind != kyaml.MappingNode || len(ann.Content) == 0 {
		return false
	}
	for _, a := range writerAnnotations {
		if lookup(ann, a) != nil {
			return false
		}
	}
	return true
}

// lookup is the value of key in mapping n, nil if none.
func lookup(n *kyaml.Node, key string) *kyaml.Node {
	if i := keyIndex(n, key); i >= 0 {
		return n.Content[i+1]
	}
	return nil
}

// formatted holds the nodes of Format's results by the address of their
// first byte, until Add takes them.
var (
	formattedMu sync.Mutex
	formatted   = map[*byte]formattedFile{}
)

type formattedFile struct {
	data  string // what Format returned, to see that it was not changed since
	nodes []*kyaml.RNode
}

// formattedNodes returns, and forgets, the nodes that Format wrote as data.
func formattedNodes(data []byte) []*kyaml.RNode {
	if len(data) == 0 {
		return nil
	}
	formattedMu.Lock()
	f, ok := formatted[&data[0]]
	delete(formatted, &data[0])
	formattedMu.Unlock()
	if !ok || f.data != string(data) {
		return nil
	}
	return f.nodes
}
