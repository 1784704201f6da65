package jsonschema_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	js "github.com/santhosh-tekuri/jsonschema/v6"
	"sigs.k8s.io/yaml"

	"github.com/authstack/authstack/internal/jsonschema"
	"github.com/authstack/authstack/internal/spec"
	"github.com/authstack/authstack/internal/spec/spectest"
)

var update = flag.Bool("update", false, "rewrite schemas/authstack.schema.json")

const committed = "../../schemas/authstack.schema.json"

// The committed schema (what editors fetch through the modeline) is the
// generated one: `go test ./internal/jsonschema -update` rewrites it.
func TestCommittedSchemaIsCurrent(t *testing.T) {
	got, _, err := jsonschema.Generate()
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(committed, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(committed)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale: run go test ./internal/jsonschema -update", committed)
	}
	again, _, _ := jsonschema.Generate()
	if !bytes.Equal(got, again) {
		t.Error("two generations differ")
	}
}

// What JSON Schema cannot say is listed, not dropped silently: a new
// constraint the generator cannot translate fails here until it is
// translated or, if it relates fields to each other, allowed below (and
// marked vet-only in TestAgreesWithVetOnBadSpecs).
func TestOnlyCrossFieldConstraintsAreLost(t *testing.T) {
	_, lost, err := jsonschema.Generate()
	if err != nil {
		t.Fatal(err)
	}
	allowed := []string{
		"spec.components.*.expose: and([for n, c in components", // no two components expose one path
	}
	for _, l := range lost {
		if !slices.ContainsFunc(allowed, func(a string) bool { return strings.HasPrefix(l, a) }) {
			t.Errorf("not in the JSON Schema: %s", l)
		}
	}
}

func compile(t *testing.T) *js.Schema {
	t.Helper()
	data, _, err := jsonschema.Generate()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := js.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	c := js.NewCompiler()
	c.DefaultDraft(js.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(jsonschema.ID, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(jsonschema.ID)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// verdicts returns vet's and the JSON Schema's verdicts on one spec.
func verdicts(t *testing.T, s *js.Schema, name string, data []byte) (vetErr, schemaErr error) {
	t.Helper()
	schema, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	_, vetErr = schema.Stacks(name, data)
	j, err := yaml.YAMLToJSON(data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	inst, err := js.UnmarshalJSON(bytes.NewReader(j))
	if err != nil {
		t.Fatal(err)
	}
	return vetErr, s.Validate(inst)
}

// Every AuthStack in examples/ and testdata/, and the starter of init:
// vet and the JSON Schema give the same verdict.
func TestAgreesWithVetOnFiles(t *testing.T) {
	s := compile(t)
	var files []string
	for _, root := range []string{"../../examples", "../../testdata"} {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
				files = append(files, p)
			}
			return nil
		})
	}
	n := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range bytes.Split(data, []byte("\n---\n")) {
			var head struct{ Kind string }
			if yaml.Unmarshal(doc, &head) != nil || head.Kind != spec.Kind {
				continue
			}
			n++
			vetErr, schemaErr := verdicts(t, s, f, doc)
			// A bad spec that only vet can judge (a constraint across
			// fields) says so in a comment: "# vet-only: <why>".
			vetOnly := bytes.Contains(doc, []byte("# vet-only:"))
			switch {
			case vetOnly && (vetErr == nil || schemaErr != nil):
				t.Errorf("%s (document %d) is marked vet-only: vet says %v, the JSON Schema says %v", f, i+1, vetErr, schemaErr)
			case !vetOnly && (vetErr == nil) != (schemaErr == nil):
				t.Errorf("%s (document %d): vet says %v, the JSON Schema says %v", f, i+1, vetErr, schemaErr)
			}
		}
	}
	if n < 5 {
		t.Errorf("found %d AuthStacks in examples/ and testdata/, want every example", n)
	}
}

// Every constraint of the schema, broken once: both reject, except where
// noted that only vet can judge (a constraint across fields or made in Go).
func TestAgreesWithVetOnBadSpecs(t *testing.T) {
	s := compile(t)
	long := strings.Repeat("a", 42)
	tests := []struct {
		path  string
		value any
		// vetOnly says why a JSON Schema cannot judge the case.
		vetOnly string
	}{
		{"spec.componets", map[string]any{}, ""},
		{"spec.auth.secrett", "x", ""},
		{"apiVersion", "authstack.dev/v1", ""},
		{"metadata.name", "Shop_1", ""},
		{"metadata.name", long, ""},
		{"metadata.name", nil, ""},
		{"metadata.labels.a", 1, ""},
		{"spec", nil, ""},
		{"spec.namespace", "Shop", ""},
		{"spec.namespace", "1shop", ""},
		{"spec.auth.url", "ftp://shop.example.com", ""},
		{"spec.auth.url", "/login", ""},
		{"spec.auth.url", nil, ""},
		{"spec.auth.secret", nil, ""},
		{"spec.auth.secret.name", "Better_Auth", ""},
		{"spec.auth.secret.key", "a key", ""},
		{"spec.auth.secret.revision", "", ""},
		{"spec.auth.jwks.table", "jwks; DROP TABLE users", ""},
		{"spec.auth.jwks.table", "1jwks", ""},
		{"spec.auth.jwks.purge", "some", ""},
		{"spec.auth.jwks.image", "", ""},
		{"spec.database.dialect", "sqlite", ""},
		{"spec.database.url", nil, ""},
		{"spec.database.url.key", nil, ""},
		{"spec.components", map[string]any{}, ""},
		{"spec.components", nil, ""},
		{"spec.components.Web", map[string]any{"image": "x", "port": 80}, ""},
		{"spec.components.1web", map[string]any{"image": "x", "port": 80}, ""},
		{"spec.components." + strings.Repeat("w", 64), map[string]any{"image": "x", "port": 80}, ""},
		{"spec.components.frontend.image", nil, ""},
		{"spec.components.frontend.image", "", ""},
		{"spec.components.frontend.image", "a b", ""},
		{"spec.components.frontend.imagee", "x", ""},
		{"spec.components.frontend.port", 80000, ""},
		{"spec.components.frontend.port", 0, ""},
		{"spec.components.frontend.port", "3000", ""},
		{"spec.components.frontend.port", 80.5, ""},
		{"spec.components.frontend.runtime", "deno", ""},
		{"spec.components.frontend.health", "api/health", ""},
		{"spec.components.frontend.expose", "app", ""},
		{"spec.components.backend-api.expose", "/", "two components expose one path: a constraint across fields"},
		{"spec.components.frontend.replicas", 0, ""},
		{"spec.components.frontend.env.PORT", 3000, ""},
		{"spec.components.frontend.env.1PORT", "x", ""},
		{"spec.components.frontend.env.DATABASE_URL", "postgres://x", "reserved env names are checked in Go"},
		{"spec.components.frontend.resources.limits.memory", "lots", ""},
		{"spec.components.frontend.resources.limits.gpu", "1", ""},
		{"spec.components.frontend.runAsUser", 0, ""},
		{"spec.components.frontend.runAsGroup", -1, ""},
		{"spec.components.frontend.writablePaths", []any{"/a", "/a"}, ""},
		{"spec.components.frontend.writablePaths", []any{"tmp"}, ""},
		{"spec.targets", map[string]any{}, ""},
		{"spec.targets", nil, ""},
		{"spec.targets.openshift", map[string]any{}, ""},
		{"spec.targets.minikube.imagePullPolicy", "Sometimes", ""},
		{"spec.targets.eks.host", "https://shop.example.com", ""},
		{"spec.targets.eks.host", "shop", ""},
		{"spec.targets.eks.certificateArn", "arn:aws:iam::1:cert", ""},
		{"spec.targets.eks.roleArn", "shop", ""},
		{"spec.targets.gke.staticIpName", "Shop IP", ""},
		{"spec.targets.gke.serviceAccount", "shop@example.com", ""},
		{"spec.targets.aks.clientId", "not-a-guid", ""},
		{"spec.targets.aks.clientID", "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b", ""},
		{"spec.targets.minikube.ingressClassName", "haproxy", ""},
		{"spec.targets.eks.groupName", "-public", ""},
		{"spec.targets.aks.keyVaultCertificateUri", "https://example.com/shop", ""},
		{"spec.targets.eks", map[string]any{}, "cross-field: an https URL needs TLS in every environment"},
		{"spec.targets.eks.podIdentity", true, "cross-field: podIdentity excludes roleArn"},
	}
	for _, tt := range tests {
		data := mutate(t, tt.path, tt.value)
		vetErr, schemaErr := verdicts(t, s, "stack.yaml", data)
		if vetErr == nil {
			t.Errorf("%s = %v: vet accepts it; the case tests nothing", tt.path, tt.value)
			continue
		}
		switch {
		case tt.vetOnly == "" && schemaErr == nil:
			t.Errorf("%s = %v: vet rejects it (%v), the JSON Schema accepts it", tt.path, tt.value, vetErr)
		case tt.vetOnly != "" && schemaErr != nil:
			t.Errorf("%s = %v: marked vet-only (%s), but the JSON Schema rejects it: %v", tt.path, tt.value, tt.vetOnly, schemaErr)
		}
	}
	// And valid variations: the JSON Schema must not be stricter than vet.
	for _, ok := range []struct {
		path  string
		value any
	}{
		{"spec.components.frontend.resources.limits.memory", "1.5Gi"},
		{"spec.components.frontend.env._Next-config_x", "v"},
		{"spec.database.dialect", "mysql"},
		{"spec.auth.jwks.purge", "none"},
		{"spec.components.frontend.port", 65535},
		{"spec.components.frontend.writablePaths", []any{"/a", "/b"}},
		{"metadata.namespace", "shop"},
		{"spec.namespace", nil},
		{"spec.auth.secret.revision", "2"},
		{"spec.targets.eks", map[string]any{"host": "shop.example.com"}},
		{"spec.targets.eks.autoMode", true},
	} {
		vetErr, schemaErr := verdicts(t, s, "stack.yaml", mutate(t, ok.path, ok.value))
		if vetErr != nil || schemaErr != nil {
			t.Errorf("%s = %v: vet says %v, the JSON Schema says %v; want both to accept", ok.path, ok.value, vetErr, schemaErr)
		}
	}
}

// mutate returns the reference stack with the value at a dotted path set
// (nil deletes it).
func mutate(t *testing.T, path string, value any) []byte {
	return spectest.Mutate(t, "../../examples/shop/stack.yaml", path, value)
}

// Defaults and descriptions, which a validator ignores, come from the CUE
// schema's marked defaults and doc comments.
func TestDefaultsAndDescriptions(t *testing.T) {
	data, _, err := jsonschema.Generate()
	if err != nil {
		t.Fatal(err)
	}
	var root map[string]any
	if err := json.Unmarshal(data, &root); err != nil {
		t.Fatal(err)
	}
	at := func(path ...string) map[string]any {
		m := root
		for _, p := range path {
			next, ok := m[p].(map[string]any)
			if !ok {
				t.Fatalf("no %v in the schema", path)
			}
			m = next
		}
		return m
	}
	spec := []string{"properties", "spec", "properties"}
	component := append(append([]string{}, spec...), "components", "additionalProperties", "properties")
	for _, tc := range []struct {
		path []string
		key  string
		want any
	}{
		{append(component, "runtime"), "default", "other"},
		{append(component, "replicas"), "default", 1.0},
		{append(component, "runAsUser"), "default", 10001.0},
		{append(component, "resources", "properties", "limits", "properties", "memory"), "default", "512Mi"},
		{append(spec, "auth", "properties", "jwks", "properties", "purge"), "default", "undecryptable"},
		{append(spec, "database", "properties", "dialect"), "default", "postgres"},
		{append(spec, "auth", "properties", "url"), "description", "BETTER_AUTH_URL: the app's public base URL.\nAn absolute http(s) URL; an environment's url replaces spec.auth.url there."},
		{append(component, "health"), "description", "An absolute HTTP path."},
		{append(component, "port"), "maximum", 65535.0},
		{append(spec, "components"), "minProperties", 1.0},
		{append(component, "writablePaths"), "uniqueItems", true},
	} {
		if got := at(tc.path...)[tc.key]; got != tc.want {
			t.Errorf("%v: %s = %v, want %v", tc.path[len(tc.path)-1], tc.key, got, tc.want)
		}
	}
}
