package tree

import (
	"bytes"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/openapi"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
)

// SetStep replaces the hook called before each change a write makes to the
// disk, and returns a function that restores it.
func SetStep(f func(string) error) (restore func()) {
	old := step
	step = f
	return func() { step = old }
}

// ErrUnsupported is the direct render's "use krusty".
var ErrUnsupported = errUnsupported

// RenderDirect renders as RenderWith does, with the direct render only.
func (t *Tree) RenderDirect(dir string, extra []byte) ([]byte, error) {
	renderMu.Lock()
	defer renderMu.Unlock()
	if err := openapi.SetSchema(nil, openAPISchema, true); err != nil {
		return nil, err
	}
	defer openapi.ResetOpenAPI()
	return t.renderDirect(dir, extra)
}

// RenderKrusty renders as RenderWith does, with krusty only.
func (t *Tree) RenderKrusty(dir string, extra []byte) ([]byte, error) {
	return t.render(dir, extra, false)
}

// SlowEncodes is the number of objects that the direct render encoded the
// slow way, through JSON, so far.
func SlowEncodes() int {
	renderMu.Lock()
	defer renderMu.Unlock()
	return slowEncodes
}

// FormatByteWriter writes nodes with kio.ByteWriter alone, as FormatNodes
// did before it wrote plain nodes itself.
func FormatByteWriter(nodes []*kyaml.RNode) ([]byte, error) {
	var b bytes.Buffer
	err := kio.ByteWriter{Writer: &b}.Write(nodes)
	return b.Bytes(), err
}

// Writable reports whether FormatNodes writes n itself.
var Writable = writable
