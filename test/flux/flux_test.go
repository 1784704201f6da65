// Package flux checks the Flux examples of deploy/flux with Flux's own
// code: the Kustomization objects strictly decoded into kustomize-controller's
// API types, and the hydrated tree built as kustomize-controller builds it
// (github.com/fluxcd/pkg/kustomize: Generator, then SecureBuild); and the
// Flux and Argo CD objects of deploy/ against their CRDs with the API
// server's own validation. It is a module of its own so that these
// dependencies stay out of authstack's.
package flux

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	"github.com/fluxcd/pkg/kustomize"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/yaml"
)

const (
	fluxDir = "../../deploy/flux"
	refSpec = "../../examples/shop/stack.yaml"
	// A SOPS-encrypted Secret as `sops --encrypt` writes it (ciphertext and
	// metadata are test constants): authstack hashes the ciphertext, Flux
	// decrypts it at apply time.
	sopsSecret = `apiVersion: v1
kind: Secret
metadata:
    name: better-auth-secret
    namespace: shop
type: Opaque
stringData:
    better-auth-secret: ENC[AES256_GCM,data:dGVzdC1vbmx5LWNpcGhlcnRleHQ=,iv:aXYtdGVzdA==,tag:dGFnLXRlc3Q=,type:str]
sops:
    age:
        - recipient: age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p
          enc: |
            -----BEGIN AGE ENCRYPTED FILE-----
            dGVzdC1vbmx5
            -----END AGE ENCRYPTED FILE-----
    lastmodified: "2026-01-01T00:00:00Z"
    mac: ENC[AES256_GCM,data:bWFjLXRlc3Q=,iv:aXYtdGVzdA==,tag:dGFnLXRlc3Q=,type:str]
    encrypted_regex: ^(data|stringData)$
    version: 3.9.0
`
)

func authstack(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("AUTHSTACK_BIN"); p != "" {
		abs, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		return abs
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("AUTHSTACK_BIN not set (make test sets it)")
	}
	t.Skip("AUTHSTACK_BIN not set: run make test-flux")
	return ""
}

func run(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return out
}

func write(t *testing.T, name string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// readKustomization strictly decodes a Flux Kustomization.
func readKustomization(t *testing.T, name string) (*kustomizev1.Kustomization, unstructured.Unstructured) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(fluxDir, name))
	if err != nil {
		t.Fatal(err)
	}
	j, err := yaml.YAMLToJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	var ks kustomizev1.Kustomization
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ks); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if ks.APIVersion != kustomizev1.GroupVersion.String() || ks.Kind != kustomizev1.KustomizationKind {
		t.Fatalf("%s: %s %s, want a %s Kustomization", name, ks.APIVersion, ks.Kind, kustomizev1.GroupVersion)
	}
	var u unstructured.Unstructured
	if err := u.UnmarshalJSON(j); err != nil {
		t.Fatal(err)
	}
	return &ks, u
}

// objects maps "Kind/namespace/name" to each object of a YAML stream.
func objects(t *testing.T, stream []byte) map[string]any {
	t.Helper()
	nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(stream), OmitReaderAnnotations: true}).Read()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	for _, n := range nodes {
		j, err := n.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(j, &v); err != nil {
			t.Fatal(err)
		}
		out[n.GetKind()+"/"+n.GetNamespace()+"/"+n.GetName()] = v
	}
	return out
}

// fluxBuild builds path in a copy of repo as kustomize-controller does.
func fluxBuild(t *testing.T, repo string, ks unstructured.Unstructured, path string) map[string]any {
	t.Helper()
	root := t.TempDir()
	if err := os.CopyFS(root, os.DirFS(repo)); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, path)
	if _, err := kustomize.NewGenerator(root, ks).WriteFile(dir); err != nil {
		t.Fatalf("generate: %v", err)
	}
	m, err := kustomize.SecureBuild(root, dir, false)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	out, err := m.AsYaml()
	if err != nil {
		t.Fatal(err)
	}
	return objects(t, out)
}

func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// The app and purge Kustomizations split the hydrated tree: together they
// apply exactly what `authstack render` prints (plus the SOPS Secret), the
// purge Job and its ServiceAccount and NetworkPolicy only in the second,
// which depends on the first, which waits for its workloads.
func TestFluxBuildsTheHydratedTree(t *testing.T) {
	bin := authstack(t)
	app, appU := readKustomization(t, "app.yaml")
	purge, purgeU := readKustomization(t, "jwks-purge.yaml")
	if !app.Spec.Wait || !app.Spec.Prune || app.Spec.Decryption == nil || app.Spec.Decryption.Provider != "sops" || app.Spec.Decryption.SecretRef == nil {
		t.Errorf("app Kustomization: want wait, prune and SOPS decryption: %+v", app.Spec)
	}
	if len(purge.Spec.DependsOn) != 1 || purge.Spec.DependsOn[0].Name != app.Name || !purge.Spec.Prune {
		t.Errorf("purge Kustomization: want dependsOn %s and prune: %+v", app.Name, purge.Spec)
	}
	if app.Spec.Path != purge.Spec.Path {
		t.Fatalf("paths differ: %s, %s", app.Spec.Path, purge.Spec.Path)
	}

	repo := t.TempDir()
	cluster := filepath.Join(repo, filepath.FromSlash(app.Spec.Path))
	secret := filepath.Join(cluster, "better-auth-secret.sops.yaml")
	write(t, secret, []byte(sopsSecret))
	kustomization, err := os.ReadFile(filepath.Join(fluxDir, "cluster", "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(cluster, "kustomization.yaml"), kustomization)
	run(t, bin, "build", "-f", refSpec, "-f", secret, "-o", filepath.Join(repo, "deploy"))
	run(t, bin, "build", "-f", refSpec, "-f", secret, "-o", filepath.Join(repo, "deploy"), "--check")

	want := objects(t, run(t, bin, "render", "-f", refSpec, "-f", secret, "--target", "eks"))
	wantSecret := objects(t, []byte(sopsSecret))
	for k, v := range wantSecret {
		want[k] = v // render may or may not pass the Secret through
	}
	gotApp := fluxBuild(t, repo, appU, app.Spec.Path)
	gotPurge := fluxBuild(t, repo, purgeU, purge.Spec.Path)

	for _, k := range keys(gotPurge) {
		if !strings.Contains(k, "jwks-purge") {
			t.Errorf("purge Kustomization applies %s", k)
		}
		if _, ok := gotApp[k]; ok {
			t.Errorf("both Kustomizations apply %s", k)
		}
	}
	var purgeKinds []string
	for _, k := range keys(gotPurge) {
		purgeKinds = append(purgeKinds, strings.SplitN(k, "/", 2)[0])
	}
	if strings.Join(purgeKinds, ",") != "Job,NetworkPolicy,ServiceAccount" {
		t.Errorf("purge Kustomization applies %v, want the Job, its NetworkPolicy and ServiceAccount", keys(gotPurge))
	}
	got := map[string]any{}
	for _, m := range []map[string]any{gotApp, gotPurge} {
		for k, v := range m {
			got[k] = v
		}
	}
	if !reflect.DeepEqual(keys(got), keys(want)) {
		t.Fatalf("Flux applies\n%v\nrender prints\n%v", keys(got), keys(want))
	}
	for k := range want {
		if !reflect.DeepEqual(got[k], want[k]) {
			a, _ := yaml.Marshal(got[k])
			b, _ := yaml.Marshal(want[k])
			t.Errorf("%s differs: Flux\n%s\nrender\n%s", k, a, b)
		}
	}
	if len(got) < 12 {
		t.Errorf("only %d objects", len(got))
	}
}
