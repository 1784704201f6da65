package passthrough

import (
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func TestIsPlainSecret(t *testing.T) {
	for _, tc := range []struct {
		name, obj string
		plain     bool
	}{
		{"stringData", "apiVersion: v1\nkind: Secret\nmetadata: {name: a}\nstringData: {k: v}\n", true},
		{"data", "apiVersion: v1\nkind: Secret\nmetadata: {name: a}\ndata: {k: dg==}\n", true},
		{"sops", "apiVersion: v1\nkind: Secret\nmetadata: {name: a}\ndata: {k: \"ENC[AES256_GCM,data:x]\"}\nsops: {version: 3.9.0}\n", false},
		{"empty", "apiVersion: v1\nkind: Secret\nmetadata: {name: a}\ntype: kubernetes.io/service-account-token\n", false},
		{"sealed", "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: {name: a}\nspec: {encryptedData: {k: AgB}}\n", false},
		{"configmap", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: v}\n", false},
	} {
		if got := IsPlainSecret(yaml.MustParse(tc.obj)); got != tc.plain {
			t.Errorf("%s: IsPlainSecret = %v, want %v", tc.name, got, tc.plain)
		}
	}
}

// Stream drops what readers and orchestrators added, and nothing else.
func TestStream(t *testing.T) {
	o := yaml.MustParse(`apiVersion: v1
kind: ConfigMap
metadata:
  name: a
  annotations:
    internal.config.kubernetes.io/path: in/a.yaml
    config.kubernetes.io/index: "0"
    team: payments
data: {k: v}
`)
	b := yaml.MustParse("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  annotations:\n    config.kubernetes.io/path: b.yaml\n")
	out, err := Stream([]*yaml.RNode{o, b})
	if err != nil {
		t.Fatal(err)
	}
	want := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  annotations:\n    team: payments\ndata: {k: v}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n"
	if string(out) != want {
		t.Errorf("Stream:\n%s\nwant:\n%s", out, want)
	}
	if !strings.Contains(o.MustString(), "internal.config.kubernetes.io/path") {
		t.Error("Stream modified its input")
	}
	if w := Warning(yaml.MustParse("apiVersion: v1\nkind: Secret\nmetadata: {name: smtp}\nstringData: {password: hunter2}\n")); strings.Contains(w, "hunter2") || !strings.Contains(w, "smtp") {
		t.Errorf("Warning: %s", w)
	}
}

// Configuration files in an input directory are not passed through.
func TestResources(t *testing.T) {
	var in []*yaml.RNode
	for _, doc := range []string{
		"resources: [secret.yaml]\n",
		"apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nmetadata: {name: k}\n",
		"apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata: {name: pkg}\n",
		"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: setters, annotations: {config.kubernetes.io/local-config: \"true\"}}\n",
		"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: flags}\n",
		"apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: {name: s}\n",
	} {
		in = append(in, yaml.MustParse(doc))
	}
	var names []string
	for _, o := range Resources(in) {
		names = append(names, o.GetName())
	}
	if strings.Join(names, ",") != "flags,s" {
		t.Errorf("Resources kept %v, want flags and s", names)
	}
}
