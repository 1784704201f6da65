package tree

import (
	"bytes"
	"fmt"
	"sync"

	"sigs.k8s.io/kustomize/kyaml/kio"
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
	if err := (kio.ByteWriter{Writer: &b}).Write(nodes); err != nil {
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
