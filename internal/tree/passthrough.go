package tree

// inputDir is where RenderWith puts the input objects, beside bases/ and
// overlays/ in a copy of the tree held only in memory.
const inputDir = "authstack-input"

// RenderWith renders the overlay dir together with objects, a YAML stream of
// input objects that pass through unchanged. The result is what `kustomize
// build` prints for a kustomization that lists the objects as resources and
// runs authstack as a transformer: one stream, ordered as kustomize orders
// it, with the objects in their own namespaces.
func (t *Tree) RenderWith(dir string, objects []byte) ([]byte, error) {
	return t.render(dir, objects, true)
}
