package compile_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/authstack/authstack/internal/compile"
	"github.com/authstack/authstack/internal/spec"
)

// withTargets returns the reference stack with its targets replaced by
// block (the lines under "targets:") and its URL by url.
func withTargets(url, block string) func(string) string {
	return func(y string) string {
		i := strings.Index(y, "  targets:\n")
		y = y[:i] + "  targets:\n" + block
		return strings.Replace(y, "url: https://shop.example.com", "url: "+url, 1)
	}
}

// renderObjects renders one target of the reference stack, edited.
func renderObjects(t *testing.T, edit func(string) string, target string) map[string]*kyaml.RNode {
	t.Helper()
	res := build(t, load(t, "shop", edit), secret(t, "v", "x"))
	out, err := res.Tree.Render("overlays/" + target)
	if err != nil {
		t.Fatal(err)
	}
	return objectsOf(t, out)
}

// field is the YAML at a dotted path of an object ("" when absent).
func field(t *testing.T, objs map[string]*kyaml.RNode, obj, path string) string {
	t.Helper()
	n, ok := objs[obj]
	if !ok {
		return "<no " + obj + ">"
	}
	v, err := n.Pipe(kyaml.Lookup(strings.Split(path, ".")...))
	if err != nil || v == nil {
		return ""
	}
	return strings.TrimSpace(v.MustString())
}

// Each platform field of #9 changes exactly the output it stands for
// (docs/platforms.md has the platform facts).
func TestPlatformFields(t *testing.T) {
	const (
		ingress   = "Ingress/shop"
		certArn   = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
		vaultCert = "https://shop-kv.vault.azure.net/certificates/shop"
	)
	type check struct{ obj, path, want string }
	tests := []struct {
		name, url, target, targets string
		checks                     []check
	}{
		{"eks host alone: HTTPS listener by ACM discovery", "https://shop.example.com", "eks",
			"    eks: {host: shop.example.com}\n", []check{
				{ingress, "metadata.annotations", "listen-ports"},
				{ingress, "spec.ingressClassName", "alb"},
			}},
		{"eks host under an http URL: plain HTTP", "http://shop.example.com", "eks",
			"    eks: {host: shop.example.com}\n", []check{
				{ingress, "metadata.annotations", "!listen-ports"},
			}},
		{"eks certificate", "https://shop.example.com", "eks",
			"    eks: {certificateArn: " + certArn + "}\n", []check{
				{ingress, "metadata.annotations", "certificate-arn: " + certArn},
				{ingress, "metadata.annotations", `ssl-redirect: "443"`},
			}},
		{"eks group and class", "https://shop.example.com", "eks",
			"    eks: {host: shop.example.com, groupName: acme-public, ingressClassName: alb-public}\n", []check{
				{ingress, "metadata.annotations", "alb.ingress.kubernetes.io/group.name: acme-public"},
				{ingress, "spec.ingressClassName", "alb-public"},
				{"IngressClass/alb-public", "", "<no IngressClass/alb-public>"},
			}},
		{"eks auto mode", "https://shop.example.com", "eks",
			"    eks: {host: shop.example.com, autoMode: true, groupName: acme-public}\n", []check{
				{ingress, "metadata.annotations", "!group.name"},
				{ingress, "spec.ingressClassName", "alb"},
				{"IngressClass/alb", "spec.controller", "eks.amazonaws.com/alb"},
				{"IngressClass/alb", "spec.parameters", "apiGroup: eks.amazonaws.com\nkind: IngressClassParams\nname: alb"},
				{"IngressClassParams/alb", "apiVersion", "eks.amazonaws.com/v1"},
				{"IngressClassParams/alb", "spec", "group:\n  name: acme-public\nscheme: internet-facing"},
			}},
		{"eks pod identity: no role annotation", "https://shop.example.com", "eks",
			"    eks: {host: shop.example.com, podIdentity: true}\n", []check{
				{"ServiceAccount/frontend", "metadata.annotations", ""},
			}},
		{"eks IRSA", "https://shop.example.com", "eks",
			"    eks: {host: shop.example.com, roleArn: \"arn:aws:iam::123456789012:role/shop\"}\n", []check{
				{"ServiceAccount/frontend", "metadata.annotations", "eks.amazonaws.com/role-arn: arn:aws:iam::123456789012:role/shop"},
			}},
		{"gke own certificate", "https://shop.example.com", "gke",
			"    gke: {host: shop.example.com, tlsSecretName: shop-tls}\n", []check{
				{ingress, "spec.tls", "- hosts:\n  - shop.example.com\n  secretName: shop-tls"},
				{ingress, "metadata.annotations", "!managed-certificates"},
				{"ManagedCertificate/shop", "", "<no ManagedCertificate/shop>"},
				{"FrontendConfig/shop", "spec.redirectToHttps.enabled", "true"},
			}},
		{"gke managed certificate", "https://shop.example.com", "gke",
			"    gke: {host: shop.example.com}\n", []check{
				{"ManagedCertificate/shop", "spec.domains", "- shop.example.com"},
				{ingress, "spec.tls", ""},
			}},
		// With routing: ingress, AKS's default being gateway (docs/gateway.md).
		{"aks Key Vault certificate", "https://shop.example.com", "aks",
			"    aks: {host: shop.example.com, keyVaultCertificateUri: " + vaultCert + ", routing: ingress}\n", []check{
				{ingress, "metadata.annotations", "kubernetes.azure.com/tls-cert-keyvault-uri: " + vaultCert},
				{ingress, "spec.tls", "- hosts:\n  - shop.example.com\n  secretName: keyvault-shop"},
			}},
		{"aks own certificate", "https://shop.example.com", "aks",
			"    aks: {host: shop.example.com, tlsSecretName: shop-tls, routing: ingress}\n", []check{
				{ingress, "spec.tls", "- hosts:\n  - shop.example.com\n  secretName: shop-tls"},
				{ingress, "metadata.annotations", "!keyvault"},
			}},
		{"minikube traefik with TLS", "https://shop.local", "minikube",
			"    minikube: {host: shop.local, ingressClassName: traefik, tlsSecretName: shop-local-tls}\n", []check{
				{ingress, "spec.ingressClassName", "traefik"},
				{ingress, "spec.tls", "- hosts:\n  - shop.local\n  secretName: shop-local-tls"},
			}},
		{"minikube default class", "http://shop.local", "minikube",
			"    minikube: {host: shop.local}\n", []check{
				{ingress, "spec.ingressClassName", "nginx"},
				{ingress, "spec.tls", ""},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs := renderObjects(t, withTargets(tt.url, tt.targets), tt.target)
			for _, c := range tt.checks {
				got := ""
				if c.path != "" {
					got = field(t, objs, c.obj, c.path)
				} else if _, ok := objs[c.obj]; !ok {
					got = "<no " + c.obj + ">"
				}
				switch {
				case strings.HasPrefix(c.want, "!"):
					if strings.Contains(got, c.want[1:]) {
						t.Errorf("%s %s has %q:\n%s", c.obj, c.path, c.want[1:], got)
					}
				case c.path == "metadata.annotations" && c.want != "":
					if !strings.Contains(got, c.want) {
						t.Errorf("%s %s lacks %q:\n%s", c.obj, c.path, c.want, got)
					}
				default:
					if got != c.want {
						t.Errorf("%s %s =\n%s\nwant\n%s", c.obj, c.path, got, c.want)
					}
				}
			}
		})
	}
}

// A platform's template that makes nothing for an environment is an error,
// not an empty overlay: a comprehension whose condition CUE cannot
// evaluate yields no field and no error.
func TestMissingOverlayIsAnError(t *testing.T) {
	fsys := fstest.MapFS{}
	if err := fs.WalkDir(spec.Embedded, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(spec.Embedded, p)
		if p == "overlays/minikube.cue" {
			data = bytes.ReplaceAll(data, []byte(`if T.platform == "minikube"`), []byte(`if T.platform == "none"`))
		}
		fsys[p] = &fstest.MapFile{Data: data}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	schema, err := spec.LoadFS(fsys)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(examples, "shop", "stack.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	stacks, err := schema.Stacks("stack.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	for _, targets := range [][]string{{"minikube"}, nil} {
		_, err := compile.Compile(stacks[0], []*kyaml.RNode{secret(t, "x", "y")}, targets...)
		want := "overlay minikube: the templates make no overlays.minikube (a bug in the platform's overlay file)"
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("targets %v: got %v, want an error containing %q", targets, err, want)
		}
	}
}
