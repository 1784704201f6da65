package flux

import (
	"os"
	"testing"

	apiextensions "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"
)

// crdSchema is what the API server validates a custom resource with.
type crdSchema struct {
	validator  validation.SchemaValidator
	structural *structuralschema.Structural
}

// loadCRD reads one served version's schema of a CRD in testdata.
func loadCRD(t *testing.T, file, version string) crdSchema {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.UnmarshalStrict(data, &crd); err != nil {
		t.Fatal(err)
	}
	var schema *apiextensionsv1.JSONSchemaProps
	for _, v := range crd.Spec.Versions {
		if v.Name == version && v.Served {
			schema = v.Schema.OpenAPIV3Schema
		}
	}
	if schema == nil {
		t.Fatalf("%s serves no %s", file, version)
	}
	var internal apiextensions.JSONSchemaProps
	if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(schema, &internal, nil); err != nil {
		t.Fatal(err)
	}
	validator, _, err := validation.NewSchemaValidator(&internal)
	if err != nil {
		t.Fatal(err)
	}
	structural, err := structuralschema.NewStructural(&internal)
	if err != nil {
		t.Fatal(err)
	}
	return crdSchema{validator, structural}
}

// problems lists what the API server would reject in obj: schema errors
// and fields the schema does not know (it would prune them silently).
func (c crdSchema) problems(obj map[string]any) []string {
	var out []string
	for _, e := range validation.ValidateCustomResource(nil, obj, c.validator) {
		out = append(out, e.Error())
	}
	obj = runtime.DeepCopyJSON(obj)
	for _, p := range pruning.PruneWithOptions(obj, c.structural, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true}) {
		out = append(out, "unknown field "+p)
	}
	return out
}

// The Flux Kustomizations of deploy/flux validate against the Kustomization
// CRD of kustomize-controller (testdata, with its provenance) as the API
// server validates them: the OpenAPI schema, and no field it would prune.
func TestFluxObjectsMatchTheCRD(t *testing.T) {
	crd := loadCRD(t, "testdata/kustomizations.kustomize.toolkit.fluxcd.io.yaml", "v1")
	for _, name := range []string{"app.yaml", "jwks-purge.yaml"} {
		_, u := readKustomization(t, name)
		for _, p := range crd.problems(u.Object) {
			t.Errorf("%s: %s", name, p)
		}
	}
	// The check can fail: a misspelt field and a bad value are caught.
	_, u := readKustomization(t, "app.yaml")
	spec := u.Object["spec"].(map[string]any)
	spec["dependOn"] = []any{}
	spec["interval"] = "often"
	if got := crd.problems(u.Object); len(got) != 2 {
		t.Errorf("a misspelt field and a bad interval: %q", got)
	}
}

// deploy/argocd/application.yaml validates against Argo CD's Application
// CRD (testdata, with its provenance).
func TestArgoCDApplicationMatchesTheCRD(t *testing.T) {
	crd := loadCRD(t, "testdata/applications.argoproj.io.yaml", "v1alpha1")
	data, err := os.ReadFile("../../deploy/argocd/application.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]any
	if err := yaml.Unmarshal(data, &obj); err != nil {
		t.Fatal(err)
	}
	for _, p := range crd.problems(obj) {
		t.Errorf("application.yaml: %s", p)
	}
	obj["spec"].(map[string]any)["source"].(map[string]any)["plugin"].(map[string]any)["envs"] = []any{}
	if len(crd.problems(obj)) != 1 {
		t.Error("a misspelt plugin field is not caught")
	}
}
