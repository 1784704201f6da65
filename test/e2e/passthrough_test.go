package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// plainValue is the value of the plain Secret among the pass-through inputs:
// authstack passes the Secret through but never prints the value elsewhere.
const plainValue = "plain-test-only-value-0b9e3d"

// inputs are the non-AuthStack objects of a stack that keeps its secrets
// out of git, plus one plain Secret and a ConfigMap.
var inputs = map[string]string{
	"sealed.yaml": `apiVersion: bitnami.com/v1alpha1
kind: SealedSecret
metadata:
  name: better-auth-secret
  namespace: shop
spec:
  encryptedData:
    better-auth-secret: AgBy3i4OJSWK+PiTySYZZA9rO43cGDEq
  template:
    metadata:
      name: better-auth-secret
      namespace: shop
`,
	"external.yaml": `apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: postgres-credentials
  namespace: shop
spec:
  secretStoreRef:
    kind: ClusterSecretStore
    name: vault
  target:
    name: postgres-credentials
  data:
  - secretKey: database-url
    remoteRef:
      key: shop/postgres
      property: url
`,
	"smtp.yaml": `apiVersion: v1
kind: Secret
metadata:
  name: smtp-credentials
  namespace: shop
stringData:
  password: ` + plainValue + `
`,
	"config.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: feature-flags
  namespace: shop
data:
  signup: "true"
`,
}

// render, and authstack as a kustomize transformer however it gets its
// target (--target, AUTHSTACK_TARGET from the function's envs or from a
// wrapper, as a container runtime gives it), print the same stream: the
// target's manifests and every input object, passed through. The plain
// Secret gets a warning that names it and not its value.
func TestPassThrough(t *testing.T) {
	bin := tool(t, "AUTHSTACK_BIN", "authstack")
	kustomize := tool(t, "KUSTOMIZE", "kustomize")
	spec, err := os.ReadFile(refSpec)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var files []string
	for name, data := range inputs {
		writeFile(t, filepath.Join(dir, name), data)
		files = append(files, name)
	}
	writeFile(t, filepath.Join(dir, "stack.yaml"), string(spec))
	// A kustomization among the inputs is configuration, not an object to pass.
	writeFile(t, filepath.Join(dir, "kustomization.yaml"), "resources:\n- "+strings.Join(files, "\n- ")+"\n")

	r := run(t, ".", nil, bin, "render", "-f", dir, "--target", "eks")
	if r.Code != 0 {
		t.Fatalf("render: exit %d\n%s", r.Code, r.Stderr)
	}
	rendered := r.Stdout
	out := map[string]any{}
	for _, doc := range strings.Split(rendered, "\n---\n") {
		var o map[string]any
		if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
			t.Fatal(err)
		}
		out[fmt.Sprint(o["kind"], "/", o["metadata"].(map[string]any)["name"])] = o
	}
	for name, data := range inputs {
		var in map[string]any
		if err := yaml.Unmarshal([]byte(data), &in); err != nil {
			t.Fatal(err)
		}
		if got := out[fmt.Sprint(in["kind"], "/", in["metadata"].(map[string]any)["name"])]; !reflect.DeepEqual(got, in) {
			t.Errorf("render does not pass %s through unchanged: got %v", name, got)
		}
	}
	if !strings.Contains(rendered, "kind: Deployment\n") || !strings.Contains(rendered, "image: ghcr.io/acme/shop-api:2.0.0") {
		t.Errorf("render has no EKS manifests:\n%s", rendered)
	}
	wantWarning := "warning: " + filepath.Join(dir, "smtp.yaml") + ": Secret smtp-credentials is a plain Secret: it is passed through to the output, but a secret's value belongs in a secret manager, not in git"
	if !strings.Contains(r.Stderr, wantWarning) || strings.Count(r.Stderr, "plain Secret") != 1 {
		t.Errorf("render: want one warning for the plain Secret, got:\n%s", r.Stderr)
	}
	if strings.Contains(r.Stderr, plainValue) {
		t.Errorf("render printed the plain Secret's value in a warning")
	}

	wrapper := filepath.Join(t.TempDir(), "authstack-container")
	writeFile(t, wrapper, "#!/bin/sh\n# What a container runtime does: no arguments, the target in the environment.\nAUTHSTACK_TARGET=eks exec "+bin+"\n")
	if err := os.Chmod(wrapper, 0o755); err != nil {
		t.Fatal(err)
	}
	for what, fnSpec := range map[string]string{
		"--target":                 "exec:\n  path: " + bin + "\n  args: [--target, eks]\n",
		"envs: [AUTHSTACK_TARGET]": "exec:\n  path: " + bin + "\n  envs: [AUTHSTACK_TARGET=eks]\n",
		"wrapper":                  "exec:\n  path: " + wrapper + "\n",
	} {
		annotated := strings.Replace(string(spec), "metadata:\n  name: shop\n",
			"metadata:\n  name: shop\n  annotations:\n    config.kubernetes.io/function: |\n"+indent(fnSpec, "      "), 1)
		writeFile(t, filepath.Join(dir, "authstack.yaml"), annotated)
		writeFile(t, filepath.Join(dir, "kustomization.yaml"), "resources:\n- "+strings.Join(files, "\n- ")+"\ntransformers:\n- authstack.yaml\n")
		os.Remove(filepath.Join(dir, "stack.yaml"))
		k := run(t, ".", nil, kustomize, "build", "--enable-alpha-plugins", "--enable-exec", dir)
		if k.Code != 0 {
			t.Fatalf("%s: kustomize build: exit %d\n%s", what, k.Code, k.Stderr)
		}
		if k.Stdout != rendered {
			t.Errorf("%s: kustomize build with the transformer differs from authstack render", what)
		}
		if !strings.Contains(k.Stderr, "Secret smtp-credentials is a plain Secret") || strings.Contains(k.Stderr, plainValue) {
			t.Errorf("%s: kustomize shows no warning for the plain Secret, or its value:\n%s", what, k.Stderr)
		}
	}
}

func indent(s, prefix string) string {
	lines := strings.SplitAfter(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "")
}
