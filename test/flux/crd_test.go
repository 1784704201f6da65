package flux

import (
	"os"
	"testing"

	apiextensions "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"
)

// The Flux Kustomizations of deploy/flux validate against the Kustomization
// CRD of kustomize-controller (testdata, with its provenance) as the API
// server validates them: the OpenAPI schema, and no field the schema would
// prune.
func TestFluxObjectsMatchTheCRD(t *testing.T) {
	data, err := os.ReadFile("testdata/kustomizations.kustomize.toolkit.fluxcd.io.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.UnmarshalStrict(data, &crd); err != nil {
		t.Fatal(err)
	}
	var schema *apiextensionsv1.JSONSchemaProps
	for _, v := range crd.Spec.Versions {
		if v.Name == "v1" {
			schema = v.Schema.OpenAPIV3Schema
		}
	}
	if schema == nil {
		t.Fatal("the CRD serves no v1")
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
	for _, name := range []string{"app.yaml", "jwks-purge.yaml"} {
		_, u := readKustomization(t, name)
		obj := u.DeepCopy().Object
		if errs := validation.ValidateCustomResource(field.NewPath(name), obj, validator); len(errs) > 0 {
			t.Errorf("%s: %v", name, errs.ToAggregate())
		}
		unknown := pruning.PruneWithOptions(obj, structural, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})
		for _, p := range unknown {
			if p != "metadata.name" && p != "metadata.namespace" { // metadata is the API server's
				t.Errorf("%s: unknown field %s", name, p)
			}
		}
	}
	// The check can fail: a misspelt field is caught.
	_, u := readKustomization(t, "app.yaml")
	obj := u.DeepCopy().Object
	obj["spec"].(map[string]any)["dependOn"] = []any{}
	if len(pruning.PruneWithOptions(obj, structural, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})) == 0 {
		t.Error("spec.dependOn is not reported")
	}
	obj["spec"].(map[string]any)["interval"] = "often"
	if len(validation.ValidateCustomResource(nil, obj, validator)) == 0 {
		t.Error("interval: often is not reported")
	}
}
