package krm

import (
	"io"
	"sort"
	"strings"
	"testing"

	"github.com/kptdev/krm-functions-sdk/go/fn"

	"github.com/authstack/authstack/internal/testsupport"
)

func item(t *testing.T, data, path string) *fn.KubeObject {
	t.Helper()
	o, err := fn.ParseKubeObject([]byte(data))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if err := o.SetPathAnnotation(path); err != nil {
		t.Fatal(err)
	}
	return o
}

// files maps each item's path to its YAML, as kpt would write it.
func files(items fn.KubeObjects) map[string]string {
	out := map[string]string{}
	for _, it := range items {
		out[it.PathAnnotation()] += it.String()
	}
	return out
}

// reread is what kpt passes on the next render: the items, parsed again.
func reread(t *testing.T, items fn.KubeObjects) fn.KubeObjects {
	t.Helper()
	var out fn.KubeObjects
	for _, it := range items {
		out = append(out, item(t, it.String(), it.PathAnnotation()))
	}
	return out
}

func render(t *testing.T, target string, items fn.KubeObjects) (*fn.ResourceList, bool) {
	t.Helper()
	rl := &fn.ResourceList{Items: items}
	ok, err := Processor(target, io.Discard).Process(rl)
	if err != nil {
		t.Fatal(err)
	}
	return rl, ok
}

const (
	userConfigMap = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: mine\n"
	userOverlay   = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nmetadata:\n  name: prod\nresources:\n  - ../eks\n"
)

// The function replaces only the items the tree's manifest records
// unchanged: the user's items inside bases/ and overlays/ pass through, a
// second render changes nothing, a dropped target's files go, and an item
// of the user's at a generated path is an error result.
func TestOwnership(t *testing.T) {
	spec := testsupport.ReadFile(t, "../../examples/shop/stack.yaml")
	secret := testsupport.ReadFile(t, "../../examples/shop/better-auth-secret.yaml")
	inputs := func(spec string) fn.KubeObjects {
		return fn.KubeObjects{
			item(t, spec, "stack.yaml"),
			item(t, secret, "better-auth-secret.yaml"),
			item(t, userConfigMap, "bases/mine.yaml"),
			item(t, userOverlay, "overlays/prod/kustomization.yaml"),
		}
	}
	rl, ok := render(t, "", inputs(spec))
	if !ok {
		t.Fatalf("first render: %v", rl.Results)
	}
	first := files(rl.Items)
	for _, p := range []string{"bases/mine.yaml", "overlays/prod/kustomization.yaml", ".authstack/generated.yaml", "bases/kustomization.yaml", "overlays/aks/httproute.yaml"} {
		if first[p] == "" {
			t.Errorf("first render: no %s", p)
		}
	}

	rl, ok = render(t, "", reread(t, rl.Items))
	if !ok {
		t.Fatalf("second render: %v", rl.Results)
	}
	if second := files(rl.Items); len(second) != len(first) {
		t.Errorf("second render: %d files, first: %d", len(second), len(first))
	} else {
		for p, data := range first {
			if second[p] != data {
				t.Errorf("second render changed %s", p)
			}
		}
	}

	// Without aks, edited: the generated aks files go, an edited one stays.
	items := reread(t, rl.Items)
	for i, it := range items {
		switch it.PathAnnotation() {
		case "stack.yaml":
			items[i] = item(t, spec[:strings.Index(spec, "    aks:")], "stack.yaml")
		case "overlays/aks/kustomization.yaml":
			items[i] = item(t, strings.Replace(it.String(), "name: shop-aks", "name: mine-now", 1), "overlays/aks/kustomization.yaml")
		}
	}
	rl, ok = render(t, "", items)
	if !ok {
		t.Fatalf("render without aks: %v", rl.Results)
	}
	third := files(rl.Items)
	if third["overlays/aks/httproute.yaml"] != "" {
		t.Error("the dropped target's generated route survived")
	}
	if !strings.Contains(third["overlays/aks/kustomization.yaml"], "name: mine-now") {
		t.Error("a generated file the user edited was removed")
	}
	for _, p := range []string{"bases/mine.yaml", "overlays/prod/kustomization.yaml"} {
		if third[p] == "" {
			t.Errorf("the user's %s was removed", p)
		}
	}

	// Conflicts: an edited generated file the tree still writes, and the
	// user's file at a generated path in a package without a manifest.
	items = reread(t, rl.Items)
	for i, it := range items {
		if it.PathAnnotation() == "bases/frontend/service.yaml" {
			items[i] = item(t, strings.Replace(it.String(), "type: ClusterIP", "type: NodePort", 1), "bases/frontend/service.yaml")
		}
	}
	rl, ok = render(t, "", items)
	if ok || !hasResult(rl, "bases/frontend/service.yaml was changed since authstack generated it") {
		t.Errorf("an edited generated file: ok %v, results %v", ok, rl.Results)
	}
	rl, ok = render(t, "", append(inputs(spec), item(t, userOverlay, "overlays/eks/kustomization.yaml")))
	if ok || !hasResult(rl, "overlays/eks/kustomization.yaml exists and authstack did not generate it") {
		t.Errorf("a user's file at a generated path: ok %v, results %v", ok, rl.Results)
	}
}

func hasResult(rl *fn.ResourceList, msg string) bool {
	for _, r := range rl.Results {
		if strings.Contains(r.Message, msg) && r.Severity == fn.Error && r.File != nil {
			return true
		}
	}
	return false
}

// A target the stack lacks is an error result on spec.targets.
func TestMissingTargetResult(t *testing.T) {
	spec := testsupport.ReadFile(t, "../../examples/shop/stack.yaml")
	spec = spec[:strings.Index(spec, "    gke:")] + spec[strings.Index(spec, "    aks:"):]
	rl, ok := render(t, "gke", fn.KubeObjects{
		item(t, spec, "stack.yaml"),
		item(t, testsupport.ReadFile(t, "../../examples/shop/better-auth-secret.yaml"), "better-auth-secret.yaml"),
	})
	var fields []string
	for _, r := range rl.Results {
		if r.Field != nil && r.Severity == fn.Error {
			fields = append(fields, r.Field.Path)
		}
	}
	sort.Strings(fields)
	if ok || !hasResult(rl, `has no environment "gke"`) || strings.Join(fields, ",") != "spec.targets" {
		t.Errorf("ok %v, fields %v, results %v", ok, fields, rl.Results)
	}
}

// With an environment as the target, the function emits that environment's
// manifests: its Namespace and its replicas, not another environment's.
func TestEnvironmentTarget(t *testing.T) {
	const dir = "../../examples/staging-prod/"
	for env, want := range map[string]struct {
		namespace string
		replicas  int
	}{"prod": {"store-prod", 4}, "staging": {"store-staging", 1}} {
		rl, ok := render(t, env, fn.KubeObjects{
			item(t, testsupport.ReadFile(t, dir+"stack.yaml"), "stack.yaml"),
			item(t, testsupport.ReadFile(t, dir+"better-auth-secret.yaml"), "better-auth-secret.yaml"),
		})
		if !ok {
			t.Fatalf("%s: %v", env, rl.Results)
		}
		var namespaces []string
		replicas := -1
		for _, o := range rl.Items {
			switch {
			case o.GetKind() == "Namespace":
				namespaces = append(namespaces, o.GetName())
			case o.GetKind() == "Deployment" && o.GetName() == "web":
				n, _, _ := o.NestedInt("spec", "replicas")
				replicas = n
			}
		}
		if strings.Join(namespaces, ",") != want.namespace || replicas != want.replicas {
			t.Errorf("%s: Namespaces %v and web replicas %d, want %s and %d", env, namespaces, replicas, want.namespace, want.replicas)
		}
	}
}
