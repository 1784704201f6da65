package tree

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"regexp"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/openapi"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

var update = flag.Bool("update", false, "rewrite openapi.json from kustomize's built-in schema")

// schemaKinds are the built-in kinds that authstack emits. The compile tests
// check that they cover every built-in kind in the reference stack's tree;
// the e2e tests that render equals kustomize build for every example.
var schemaKinds = []yaml.TypeMeta{
	{APIVersion: "apps/v1", Kind: "Deployment"},
	{APIVersion: "batch/v1", Kind: "Job"},
	{APIVersion: "networking.k8s.io/v1", Kind: "Ingress"},
	{APIVersion: "networking.k8s.io/v1", Kind: "IngressClass"},
	{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
	{APIVersion: "policy/v1", Kind: "PodDisruptionBudget"},
	{APIVersion: "v1", Kind: "Namespace"},
	{APIVersion: "v1", Kind: "Service"},
	{APIVersion: "v1", Kind: "ServiceAccount"},
}

// openapi.json is what kustomize's built-in schema says of schemaKinds and
// everything they refer to, with descriptions dropped.
func TestOpenAPISchema(t *testing.T) {
	got := prunedSchema(t)
	if *update {
		if err := os.WriteFile("openapi.json", got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(got, openAPISchema) {
		t.Fatal("openapi.json is stale: run go test ./internal/tree -update")
	}
}

var ref = regexp.MustCompile(`"\$ref":"#/definitions/([^"]+)"`)

func prunedSchema(t *testing.T) []byte {
	t.Helper()
	openapi.ResetOpenAPI()
	defer openapi.ResetOpenAPI()
	full := map[string]any{}
	roots := map[yaml.TypeMeta]string{}
	for name, def := range openapi.Schema().Definitions {
		data, err := json.Marshal(def)
		if err != nil {
			t.Fatal(err)
		}
		var d map[string]any
		if err := json.Unmarshal(data, &d); err != nil {
			t.Fatal(err)
		}
		full[name] = d
		for _, tm := range gvks(d) {
			roots[tm] = name
		}
	}
	kept := map[string]any{}
	var keep func(name string)
	keep = func(name string) {
		if _, ok := kept[name]; ok {
			return
		}
		def, ok := full[name]
		if !ok {
			t.Fatalf("built-in schema: %s is referred to but not defined", name)
		}
		kept[name] = def
		data, _ := json.Marshal(def)
		for _, m := range ref.FindAllSubmatch(data, -1) {
			keep(string(m[1]))
		}
	}
	for _, tm := range schemaKinds {
		name, ok := roots[tm]
		if !ok {
			t.Fatalf("%s %s: not in kustomize's built-in schema", tm.APIVersion, tm.Kind)
		}
		keep(name)
	}
	for _, def := range kept {
		dropDescriptions(def)
	}
	out, err := json.MarshalIndent(map[string]any{"swagger": "2.0", "definitions": kept}, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return append(out, '\n')
}

// dropDescriptions removes the descriptions of a schema and its subschemas,
// but not properties that happen to be named "description".
func dropDescriptions(v any) {
	switch v := v.(type) {
	case map[string]any:
		delete(v, "description")
		for k, sub := range v {
			if k == "properties" {
				for _, p := range sub.(map[string]any) {
					dropDescriptions(p)
				}
				continue
			}
			dropDescriptions(sub)
		}
	case []any:
		for _, sub := range v {
			dropDescriptions(sub)
		}
	}
}

// gvks reads a definition's x-kubernetes-group-version-kind.
func gvks(def map[string]any) []yaml.TypeMeta {
	var out []yaml.TypeMeta
	list, _ := def["x-kubernetes-group-version-kind"].([]any)
	for _, e := range list {
		m := e.(map[string]any)
		apiVersion := m["version"].(string)
		if g, _ := m["group"].(string); g != "" {
			apiVersion = g + "/" + apiVersion
		}
		out = append(out, yaml.TypeMeta{APIVersion: apiVersion, Kind: m["kind"].(string)})
	}
	return out
}
