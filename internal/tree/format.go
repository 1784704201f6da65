package tree

import (
	"bytes"
	"fmt"

	"sigs.k8s.io/kustomize/kyaml/kio"
)

// Format rewrites a YAML document (or stream) the way kpt writes a package's
// files: kyaml's encoder, two-space indent, sequences not indented under
// their key. Every file of a tree goes through it, so `authstack build` and
// `kpt fn render` write the same bytes and mixing them churns no diff.
func Format(data []byte) ([]byte, error) {
	nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(data), OmitReaderAnnotations: true}).Read()
	if err != nil {
		return nil, fmt.Errorf("format: %w", err)
	}
	var b bytes.Buffer
	if err := (kio.ByteWriter{Writer: &b}).Write(nodes); err != nil {
		return nil, fmt.Errorf("format: %w", err)
	}
	return b.Bytes(), nil
}
