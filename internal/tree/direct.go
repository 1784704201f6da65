package tree

import (
	"bytes"
	"errors"
	"path"
	"sort"
	"strconv"
	"strings"

	yamlv2 "go.yaml.in/yaml/v2"
	"go.yaml.in/yaml/v3"
	"sigs.k8s.io/kustomize/api/filters/patchstrategicmerge"
	"sigs.k8s.io/kustomize/api/provider"
	"sigs.k8s.io/kustomize/kyaml/resid"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"
)

// The direct render computes what krusty computes for the trees that
// authstack writes, without krusty's bookkeeping, which grows with the
// square of the number of objects (every patch and every added object
// looks up its target by scanning all objects and their previous ids), and
// which at 50 components took longer than the CUE evaluation itself.
//
// It interprets only what authstack's kustomizations use: resources (files
// and directories), namespace and inline strategic-merge patches, over the
// kinds in which a namespace changes only metadata.namespace, plus
// pass-through objects in a kustomization without a namespace. It uses kustomize's own pieces where
// the bytes depend on them: the resource reader (kind: List expansion),
// the strategic-merge filter and its OpenAPI schema, the legacy sort order
// and the encoding of Resource.AsYAML (see encodeObject). Anything else
// (another field, a RoleBinding under a namespace, a patch without a
// unique target, a strategic-merge directive, two objects with one id) is
// errUnsupported, and Render falls back to krusty, which then gives
// kustomize's result or error. Tests compare both on every example,
// environment and generated stack (direct_test.go).
var errUnsupported = errors.New("not supported by the direct render")

// otherNamespaceFields are the kinds in which kustomize's namespace
// transformer changes more than metadata.namespace (its namespace field
// specs and its RoleBinding subjects): krusty's.
var otherNamespaceFields = map[string]bool{
	"APIService": true, "CustomResourceDefinition": true, "RoleBinding": true, "ClusterRoleBinding": true,
}

// kustomization is the part of kustomization.yaml that the direct render
// understands; any other field makes the decoder fail.
type kustomization struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name        string            `yaml:"name"`
		Annotations map[string]string `yaml:"annotations"`
	} `yaml:"metadata"`
	Namespace string   `yaml:"namespace"`
	Resources []string `yaml:"resources"`
	Patches   []struct {
		Patch string `yaml:"patch"`
	} `yaml:"patches"`
}

var resourceFactory = provider.NewDefaultDepProvider().GetResourceFactory()

// renderDirect renders the kustomization in dir with the resources of
// extra (a YAML stream) added beside it, as RenderWith's kustomization does.
// The caller holds renderMu and has set the OpenAPI schema.
func (t *Tree) renderDirect(dir string, extra []byte) ([]byte, error) {
	objs, err := t.accumulate(dir, 0)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(extra)) > 0 {
		more, err := resourceFactory.RNodesFromBytes(extra)
		if err != nil {
			return nil, errUnsupported // krusty says what is wrong
		}
		objs = append(objs, more...)
	}
	return encodeSorted(objs)
}

// accumulate returns the resources of the kustomization in dir with its
// patches and namespace applied.
func (t *Tree) accumulate(dir string, depth int) ([]*kyaml.RNode, error) {
	data := t.files[path.Join(dir, "kustomization.yaml")]
	if data == nil || depth > 8 {
		return nil, errUnsupported
	}
	var k kustomization
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&k); err != nil || (k.Kind != "" && k.Kind != "Kustomization") {
		return nil, errUnsupported // a Component, for one, merges differently
	}
	var objs []*kyaml.RNode
	for _, r := range k.Resources {
		p := path.Join(dir, r)
		if data, ok := t.files[p]; ok {
			nodes, err := t.objects(p, data)
			if err != nil {
				return nil, err
			}
			objs = append(objs, nodes...)
			continue
		}
		sub, err := t.accumulate(p, depth+1)
		if err != nil {
			return nil, err
		}
		objs = append(objs, sub...)
	}
	if len(k.Patches) > 0 {
		var err error
		if objs, err = patch(objs, k.Patches); err != nil {
			return nil, err
		}
	}
	if k.Namespace != "" {
		for _, o := range objs {
			if o.GetKind() == "Namespace" {
				// kustomize renames a v1 Namespace to the namespace: only
				// one that has that name already is left as it is.
				if o.GetApiVersion() != "v1" || o.GetName() != k.Namespace || o.GetNamespace() != "" {
					return nil, errUnsupported
				}
				continue
			}
			if otherNamespaceFields[o.GetKind()] {
				return nil, errUnsupported
			}
			// As kustomize decides, from the same OpenAPI schema: a kind it
			// does not know is namespaced.
			if resid.GvkFromNode(o).IsClusterScoped() {
				continue
			}
			if err := o.SetNamespace(k.Namespace); err != nil {
				return nil, errUnsupported
			}
		}
	}
	return objs, nil
}

// objects returns the objects of the file p, which holds data: copies of
// the nodes that Format wrote, or else data read as kustomize reads it.
func (t *Tree) objects(p string, data []byte) ([]*kyaml.RNode, error) {
	if nodes, ok := t.nodes[p]; ok && !hasList(nodes) {
		out := make([]*kyaml.RNode, len(nodes))
		for i, n := range nodes {
			out[i] = n.Copy()
		}
		return out, nil
	}
	nodes, err := resourceFactory.RNodesFromBytes(data)
	if err != nil {
		return nil, errUnsupported
	}
	return nodes, nil
}

// hasList reports whether nodes hold a kind that kustomize's reader would
// expand (FooList) or an anchor that it would resolve.
func hasList(nodes []*kyaml.RNode) bool {
	for _, n := range nodes {
		if strings.HasSuffix(n.GetKind(), "List") || hasAnchor(n.YNode()) {
			return true
		}
	}
	return false
}

func hasAnchor(n *yaml.Node) bool {
	if n.Anchor != "" || n.Kind == yaml.AliasNode {
		return true
	}
	for _, c := range n.Content {
		if hasAnchor(c) {
			return true
		}
	}
	return false
}

// objectKey identifies an object as a patch without namespace names its target.
type objectKey struct{ apiVersion, kind, name, namespace string }

func keyOf(o *kyaml.RNode) objectKey {
	return objectKey{o.GetApiVersion(), o.GetKind(), o.GetName(), o.GetNamespace()}
}

// patch applies each strategic-merge patch to the one object with its
// apiVersion, kind, name and namespace, as krusty's PatchTransformer does,
// and returns the objects that remain: a patch of only "$patch: delete"
// removes its target.
func patch(objs []*kyaml.RNode, patches []struct {
	Patch string `yaml:"patch"`
}) ([]*kyaml.RNode, error) {
	byKey := make(map[objectKey]*kyaml.RNode, len(objs))
	for _, o := range objs {
		k := keyOf(o)
		if _, dup := byKey[k]; dup {
			return nil, errUnsupported
		}
		byKey[k] = o
	}
	deleted := map[*kyaml.RNode]bool{}
	for _, p := range patches {
		nodes, err := resourceFactory.RNodesFromBytes([]byte(p.Patch))
		if err != nil || len(nodes) != 1 {
			return nil, errUnsupported
		}
		pn := nodes[0]
		if pn.GetNamespace() != "" || len(pn.GetAnnotations("config.kubernetes.io/patch")) > 0 {
			return nil, errUnsupported
		}
		target := byKey[keyOf(pn)]
		if target == nil || deleted[target] {
			return nil, errUnsupported
		}
		if isDelete(pn.YNode()) {
			deleted[target] = true
			continue
		}
		if hasDirective(pn.YNode()) {
			return nil, errUnsupported
		}
		k := keyOf(target)
		// The merge walks every field of the object it is given: give it
		// only the fields the patch names, then put the result back.
		pruned := map[*yaml.Node]*yaml.Node{}
		view := kyaml.NewRNode(prune(target.YNode(), pn.YNode(), pruned))
		out, err := patchstrategicmerge.Filter{Patch: pn}.Filter([]*kyaml.RNode{view})
		if err != nil || len(out) != 1 {
			return nil, errUnsupported
		}
		if out[0].YNode() != view.YNode() || !graft(target.YNode(), view.YNode(), pn.YNode(), pruned) || keyOf(target) != k {
			return nil, errUnsupported
		}
	}
	if len(deleted) == 0 {
		return objs, nil
	}
	kept := objs[:0:0]
	for _, o := range objs {
		if !deleted[o] {
			kept = append(kept, o)
		}
	}
	return kept, nil
}

// isDelete reports whether a patch is apiVersion, kind, metadata.name and
// "$patch: delete" alone: kustomize removes the object it names.
func isDelete(n *yaml.Node) bool {
	if n.Kind != yaml.MappingNode || len(n.Content) != 8 {
		return false
	}
	if j := keyIndex(n, "$patch"); j < 0 || n.Content[j+1].Value != "delete" {
		return false
	}
	m := keyIndex(n, "metadata")
	return keyIndex(n, "apiVersion") >= 0 && keyIndex(n, "kind") >= 0 && m >= 0 &&
		len(n.Content[m+1].Content) == 2 && keyIndex(n.Content[m+1], "name") >= 0
}

// hasDirective reports whether a patch holds a strategic-merge directive
// ($patch, $retainKeys, $setElementOrder/…, $deleteFromPrimitiveList/…):
// they may act on fields the patch does not name.
func hasDirective(n *yaml.Node) bool {
	for i, c := range n.Content {
		if n.Kind == yaml.MappingNode && i%2 == 0 && strings.HasPrefix(c.Value, "$") {
			return true
		}
		if hasDirective(c) {
			return true
		}
	}
	return false
}

// prune returns dest with, in every map that the patch also has as a map,
// only the keys of the patch: new map nodes (recorded in pruned, with the
// node each stands for) over dest's own values. A strategic merge changes
// only what the patch names, so merging into the view and grafting the
// result back (graft) is merging into dest.
func prune(dest, patch *yaml.Node, pruned map[*yaml.Node]*yaml.Node) *yaml.Node {
	if dest.Kind != yaml.MappingNode || patch.Kind != yaml.MappingNode {
		return dest
	}
	view := *dest
	view.Content = nil
	for i := 0; i+1 < len(patch.Content); i += 2 {
		if j := keyIndex(dest, patch.Content[i].Value); j >= 0 {
			view.Content = append(view.Content, dest.Content[j], prune(dest.Content[j+1], patch.Content[i+1], pruned))
		}
	}
	pruned[&view] = dest
	return &view
}

// graft puts the merged view back into dest: each key of the patch that
// the merge left, removed or added. It reports false, having changed dest
// in part, where the merge did not merge into the view.
func graft(dest, merged, patch *yaml.Node, pruned map[*yaml.Node]*yaml.Node) bool {
	for i := 0; i+1 < len(patch.Content); i += 2 {
		key := patch.Content[i].Value
		j, m := keyIndex(dest, key), keyIndex(merged, key)
		switch {
		case m < 0 && j >= 0: // removed
			dest.Content = append(dest.Content[:j:j], dest.Content[j+2:]...)
		case m < 0:
		case j < 0: // added
			dest.Content = append(dest.Content, merged.Content[m], merged.Content[m+1])
		default:
			if orig, ok := pruned[merged.Content[m+1]]; ok && orig == dest.Content[j+1] {
				if !graft(orig, merged.Content[m+1], patch.Content[i+1], pruned) {
					return false
				}
			} else if dest.Content[j+1].Kind == yaml.MappingNode && patch.Content[i+1].Kind == yaml.MappingNode {
				// The merge replaced a view instead of merging into it: the
				// view lacks the keys the patch did not name.
				return false
			} else {
				dest.Content[j+1] = merged.Content[m+1]
			}
		}
	}
	return true
}

// keyIndex is the index of key's node in the map n, or -1.
func keyIndex(n *yaml.Node, key string) int {
	if n.Kind != yaml.MappingNode {
		return -1
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return i
		}
	}
	return -1
}

// legacyOrder is kustomize's default legacy sort order (SortOrderTransformer):
// these kinds first, in this order, MutatingWebhookConfiguration and
// ValidatingWebhookConfiguration last, all others between them.
var legacyOrder = func() map[string]int {
	first := []string{"Namespace", "ResourceQuota", "StorageClass", "CustomResourceDefinition",
		"ServiceAccount", "PodSecurityPolicy", "Role", "ClusterRole", "RoleBinding",
		"ClusterRoleBinding", "ConfigMap", "Secret", "Endpoints", "Service", "LimitRange",
		"PriorityClass", "PersistentVolume", "PersistentVolumeClaim", "Deployment",
		"StatefulSet", "CronJob", "PodDisruptionBudget"}
	last := []string{"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"}
	m := map[string]int{}
	for i, k := range first {
		m[k] = -len(first) + i
	}
	for i, k := range last {
		m[k] = 1 + i
	}
	return m
}()

type sortItem struct {
	obj   *kyaml.RNode
	gvk   resid.Gvk
	order int
	gvkS  string // legacyGVKSortString
	idS   string // legacyResIDSortString
}

// encodeSorted sorts objs as kustomize's legacy order does and encodes
// them as `kustomize build` prints them. Two objects with one id are
// errUnsupported: kustomize refuses them.
func encodeSorted(objs []*kyaml.RNode) ([]byte, error) {
	items := make([]sortItem, len(objs))
	seen := make(map[string]bool, len(objs))
	for i, o := range objs {
		gvk := resid.GvkFromNode(o)
		ns, name := o.GetNamespace(), o.GetName()
		if ns == "default" {
			return nil, errUnsupported // kustomize's ids equate it with none
		}
		id := strings.Join([]string{gvk.String(), or(ns, "~X"), or(name, "~N")}, "|")
		if seen[id] || (gvk.Kind == "Namespace" && gvk.Group != "") || name == "" {
			return nil, errUnsupported
		}
		seen[id] = true
		items[i] = sortItem{obj: o, gvk: gvk, order: legacyOrder[gvk.Kind],
			gvkS: strings.Join([]string{or(gvk.Group, "~G"), or(gvk.Version, "~V"), or(gvk.Kind, "~K")}, "_"),
			idS:  id}
	}
	sort.Slice(items, func(i, j int) bool {
		a, b := &items[i], &items[j]
		if !a.gvk.Equals(b.gvk) {
			if a.order != b.order {
				return a.order < b.order
			}
			return a.gvkS < b.gvkS
		}
		return a.idS < b.idS
	})
	var buf bytes.Buffer
	for i, it := range items {
		if i > 0 {
			buf.WriteString("---\n")
		}
		if err := encodeObject(&buf, it.obj); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// encodeObject writes o as kustomize's Resource.AsYAML does: RNode.MarshalJSON
// (YAML out, YAML in, JSON out), then sigs.k8s.io/yaml.JSONToYAML (JSON
// read as YAML 1.1 by go-yaml v2, whose encoder writes the result with
// sorted keys). plain builds the value that go-yaml v2 reads from that JSON
// straight from the node, and v2's encoder writes it: the same bytes
// without the three round trips. A node that plain does not know takes
// kustomize's own way.
func encodeObject(buf *bytes.Buffer, o *kyaml.RNode) error {
	if v, ok := plain(o.YNode()); ok {
		y, err := yamlv2.Marshal(v)
		if err == nil {
			buf.Write(y)
			return nil
		}
	}
	slowEncodes++
	j, err := o.MarshalJSON()
	if err != nil {
		return errUnsupported
	}
	y, err := sigsyaml.JSONToYAML(j)
	if err != nil {
		return errUnsupported
	}
	buf.Write(y)
	return nil
}

// slowEncodes counts the objects that took kustomize's way (tests).
var slowEncodes int

// plain returns what go-yaml v2 decodes from the JSON that encoding/json
// writes for what go-yaml v3 decodes from n: maps with string keys become
// map[interface{}]interface{}, decimal ints int, true and false bool,
// null nil, strings string. It refuses (false) anchors, aliases, merge
// keys, floats, timestamps, other tags and numbers that JSON would write
// differently, and repeated keys (an error in v3).
func plain(n *yaml.Node) (any, bool) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) != 1 {
			return nil, false
		}
		return plain(n.Content[0])
	case yaml.MappingNode:
		if n.Anchor != "" || n.ShortTag() != "!!map" {
			return nil, false
		}
		m := make(map[any]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode || scalarTag(k) != "!!str" || k.Anchor != "" {
				return nil, false
			}
			if _, dup := m[k.Value]; dup {
				return nil, false
			}
			v, ok := plain(n.Content[i+1])
			if !ok {
				return nil, false
			}
			m[k.Value] = v
		}
		return m, true
	case yaml.SequenceNode:
		if n.Anchor != "" || n.ShortTag() != "!!seq" {
			return nil, false
		}
		l := make([]any, len(n.Content))
		for i, c := range n.Content {
			v, ok := plain(c)
			if !ok {
				return nil, false
			}
			l[i] = v
		}
		return l, true
	case yaml.ScalarNode:
		if n.Anchor != "" {
			return nil, false
		}
		switch scalarTag(n) {
		case "!!str":
			return n.Value, true
		case "!!null":
			return nil, true
		case "!!bool":
			switch n.Value {
			case "true", "True", "TRUE":
				return true, true
			case "false", "False", "FALSE":
				return false, true
			}
		case "!!int":
			// Decimal digits only: JSON writes them as they are, and v2 reads
			// them back as an int. Other forms (0x1F, 0o17, +1, 1_000) refused.
			if i, err := strconv.Atoi(n.Value); err == nil && strconv.Itoa(i) == n.Value {
				return i, true
			}
		}
	}
	return nil, false
}

// scalarTag is the tag that go-yaml v3 reads back from what it writes for
// the scalar n: nodes that kyaml makes may have no tag, and then a quoted
// or block style makes a string, where Node.ShortTag would resolve the value.
func scalarTag(n *yaml.Node) string {
	if (n.Tag == "" || n.Tag == "!") && n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return "!!str"
	}
	return n.ShortTag()
}
