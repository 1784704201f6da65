package compile_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/openapi"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
	"sigs.k8s.io/yaml"
)

// typed are the Go types of the built-in kinds authstack emits.
var typed = map[string]func() any{
	"apps/v1/Deployment":                            func() any { return &appsv1.Deployment{} },
	"batch/v1/Job":                                  func() any { return &batchv1.Job{} },
	"v1/Service":                                    func() any { return &corev1.Service{} },
	"v1/ServiceAccount":                             func() any { return &corev1.ServiceAccount{} },
	"v1/Namespace":                                  func() any { return &corev1.Namespace{} },
	"policy/v1/PodDisruptionBudget":                 func() any { return &policyv1.PodDisruptionBudget{} },
	"networking.k8s.io/v1/Ingress":                  func() any { return &networkingv1.Ingress{} },
	"networking.k8s.io/v1/IngressClass":             func() any { return &networkingv1.IngressClass{} },
	"networking.k8s.io/v1/NetworkPolicy":            func() any { return &networkingv1.NetworkPolicy{} },
	"kustomize.config.k8s.io/v1beta1/Kustomization": func() any { return &types.Kustomization{} },
	// The Gateway API's own types (sigs.k8s.io/gateway-api, the release of
	// the CRDs in testdata/crds); their CRDs are checked too, below, since
	// the Go types also carry experimental-channel fields.
	"gateway.networking.k8s.io/v1/Gateway":   func() any { return &gatewayv1.Gateway{} },
	"gateway.networking.k8s.io/v1/HTTPRoute": func() any { return &gatewayv1.HTTPRoute{} },
}

// The OpenAPI schema that render gives kustomize describes every built-in
// kind authstack emits, so their patches merge as in `kustomize build`.
func TestRenderSchemaCoversKinds(t *testing.T) {
	schema, err := os.ReadFile("../../internal/tree/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	openapi.ResetOpenAPI()
	defer openapi.ResetOpenAPI()
	if err := openapi.SetSchema(nil, schema, true); err != nil {
		t.Fatal(err)
	}
	for gvk := range typed {
		i := strings.LastIndex(gvk, "/")
		tm := kyaml.TypeMeta{APIVersion: gvk[:i], Kind: gvk[i+1:]}
		// Gateway API objects are custom resources that no overlay patches.
		if tm.Kind == "Kustomization" || strings.HasPrefix(tm.APIVersion, "gateway.networking.k8s.io/") {
			continue
		}
		if openapi.SchemaForResourceType(tm) == nil {
			t.Errorf("%s: not in internal/tree/openapi.json: add it to schemaKinds in internal/tree/openapi_test.go and run go test ./internal/tree -update", gvk)
		}
	}
}

// Every emitted object decodes strictly into its type: an unknown or
// misspelt field fails. Custom resources are checked against their CRDs.
func TestObjectsDecodeStrictly(t *testing.T) {
	crds := loadCRDs(t)
	// The reference stack, and versioned secrets with a migration Job.
	versionedSecret, err := os.ReadFile(filepath.Join(examples, "versioned", "better-auth-secret.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// Gateway API routing on every platform.
	gatewaySecret, err := os.ReadFile(filepath.Join(examples, "gateway", "better-auth-secret.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var streams []struct{ name, data string }
	for example, s := range map[string]*kyaml.RNode{"shop": secret(t, "v", "x"), "versioned": kyaml.MustParse(string(versionedSecret)), "gateway": kyaml.MustParse(string(gatewaySecret))} {
		st := load(t, example, nil)
		res := build(t, st, s)
		for _, p := range res.Tree.Paths() {
			streams = append(streams, struct{ name, data string }{example + ": " + p, string(res.Tree.File(p))})
		}
		for _, target := range st.Targets() {
			out, err := res.Tree.Render("overlays/" + target)
			if err != nil {
				t.Fatal(err)
			}
			streams = append(streams, struct{ name, data string }{example + ": render " + target, string(out)})
		}
	}
	kinds := map[string]bool{}
	for _, s := range streams {
		nodes, err := kio.FromBytes([]byte(s.data))
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		for _, n := range nodes {
			gvk := n.GetApiVersion() + "/" + n.GetKind()
			kinds[gvk] = true
			doc, err := n.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			newObj, isTyped := typed[gvk]
			if isTyped {
				if err := yaml.UnmarshalStrict(doc, newObj()); err != nil {
					t.Errorf("%s: %s %s: %v", s.name, gvk, n.GetName(), err)
				}
			}
			schema, ok := crds[gvk]
			if isTyped && !ok {
				continue
			}
			if !ok {
				t.Errorf("%s: %s has neither a Go type nor a CRD in testdata/crds", s.name, gvk)
				continue
			}
			var obj map[string]any
			if err := yaml.Unmarshal(doc, &obj); err != nil {
				t.Fatal(err)
			}
			delete(obj, "apiVersion")
			delete(obj, "kind")
			delete(obj, "metadata")
			for _, problem := range checkSchema("", obj, schema) {
				t.Errorf("%s: %s %s: %s", s.name, gvk, n.GetName(), problem)
			}
		}
	}
	for _, want := range []string{"apps/v1/Deployment", "batch/v1/Job", "cloud.google.com/v1/BackendConfig", "networking.gke.io/v1/ManagedCertificate",
		"gateway.networking.k8s.io/v1/Gateway", "gateway.networking.k8s.io/v1/HTTPRoute", "networking.gke.io/v1/HealthCheckPolicy",
		"gateway.k8s.aws/v1/LoadBalancerConfiguration", "gateway.k8s.aws/v1/TargetGroupConfiguration"} {
		if !kinds[want] {
			t.Errorf("no %s checked", want)
		}
	}
}

// The checker itself catches a wrong field and a wrong type.
func TestCheckSchemaCatches(t *testing.T) {
	schema := loadCRDs(t)["cloud.google.com/v1/BackendConfig"]
	bad := map[string]any{"spec": map[string]any{"healthCheck": map[string]any{"port": "3000", "requestPth": "/"}}}
	problems := checkSchema("", bad, schema)
	if len(problems) != 2 {
		t.Errorf("problems = %v, want a type error and an unknown field", problems)
	}
}

// loadCRDs maps group/version/kind to the openAPIV3Schema of each served
// version of the CRDs in testdata/crds.
func loadCRDs(t *testing.T) map[string]map[string]any {
	t.Helper()
	files, err := filepath.Glob("../../testdata/crds/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no CRDs in testdata/crds: %v", err)
	}
	out := map[string]map[string]any{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var crd struct {
			Spec struct {
				Group string `json:"group"`
				Names struct {
					Kind string `json:"kind"`
				} `json:"names"`
				Versions []struct {
					Name   string `json:"name"`
					Served bool   `json:"served"`
					Schema struct {
						OpenAPIV3Schema map[string]any `json:"openAPIV3Schema"`
					} `json:"schema"`
				} `json:"versions"`
			} `json:"spec"`
		}
		if err := yaml.Unmarshal(data, &crd); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, v := range crd.Spec.Versions {
			if v.Served {
				out[crd.Spec.Group+"/"+v.Name+"/"+crd.Spec.Names.Kind] = v.Schema.OpenAPIV3Schema
			}
		}
	}
	return out
}

// checkSchema reports fields that the structural schema does not declare and
// values of the wrong type.
func checkSchema(path string, v any, schema map[string]any) []string {
	if schema["x-kubernetes-preserve-unknown-fields"] == true {
		return nil
	}
	var problems []string
	typ, _ := schema["type"].(string)
	if schema["x-kubernetes-int-or-string"] == true {
		switch v.(type) {
		case string, float64:
			return nil
		}
		return []string{fmt.Sprintf("%s: want int or string, got %T", path, v)}
	}
	switch x := v.(type) {
	case map[string]any:
		if typ != "object" && typ != "" {
			return []string{fmt.Sprintf("%s: want %s, got object", path, typ)}
		}
		props, _ := schema["properties"].(map[string]any)
		extra, _ := schema["additionalProperties"].(map[string]any)
		for k, val := range x {
			sub, ok := props[k].(map[string]any)
			switch {
			case ok:
				problems = append(problems, checkSchema(strings.TrimPrefix(path+"."+k, "."), val, sub)...)
			case extra != nil:
				problems = append(problems, checkSchema(strings.TrimPrefix(path+"."+k, "."), val, extra)...)
			default:
				problems = append(problems, fmt.Sprintf("%s: field not declared in schema", strings.TrimPrefix(path+"."+k, ".")))
			}
		}
	case []any:
		if typ != "array" {
			return []string{fmt.Sprintf("%s: want %s, got array", path, typ)}
		}
		items, _ := schema["items"].(map[string]any)
		for i, val := range x {
			problems = append(problems, checkSchema(fmt.Sprintf("%s[%d]", path, i), val, items)...)
		}
	case string:
		if typ != "string" {
			problems = append(problems, fmt.Sprintf("%s: want %s, got string", path, typ))
		}
	case bool:
		if typ != "boolean" {
			problems = append(problems, fmt.Sprintf("%s: want %s, got boolean", path, typ))
		}
	case float64:
		if typ != "integer" && typ != "number" {
			problems = append(problems, fmt.Sprintf("%s: want %s, got number", path, typ))
		}
	}
	return problems
}
