package krm

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/kptdev/krm-functions-sdk/go/fn"
)

// secret is a test-only value, invalid as any name.
const secret = "Test-Only+Secret/Value_0123456789"

// resourceList holds a Secret with the test secret and one AuthStack item
// whose spec.components.web has the given port and image lines.
func resourceList(port, image string) string {
	return `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: v1
  kind: Secret
  metadata:
    name: better-auth-secret
    annotations: {internal.config.kubernetes.io/path: secret.yaml}
  stringData:
    better-auth-secret: ` + secret + `
- apiVersion: authstack.dev/v1alpha1
  kind: AuthStack
  metadata:
    name: shop
    annotations: {internal.config.kubernetes.io/path: stack.yaml}
  spec:
    auth:
      url: http://shop.example.com
      secret: {name: better-auth-secret}
    database:
      url: {name: pg, key: url}
    components:
      web:
        ` + image + `
        ` + port + `
    targets:
      minikube: {}
`
}

// KRM mode on bad input: error results with field and file paths, never
// the secret, never a crash. Each case fails on the processor before the
// YAML layer: it leaked the secret, merged the duplicate, emitted nothing.
func TestRunBadInput(t *testing.T) {
	b64 := base64.StdEncoding.EncodeToString([]byte(secret))
	tests := []struct {
		name, rl string
		// wantField and wantMsg describe the one error result.
		wantField, wantMsg string
	}{
		{"secret in a field", resourceList("port: 3000", "image: x "+secret), "spec.components.web.image", "[redacted]"},
		{"base64 of the secret in a field", resourceList("port: 3000", "image: x "+b64), "spec.components.web.image", "[redacted]"},
		{"duplicate key", resourceList("port: 3000\n        port: 9090", "image: x"), "spec.components.web.port", `duplicate key "port"`},
		{"port .nan", resourceList("port: .nan", "image: x"), "spec.components.web.port", ".nan"},
		{"spec null", strings.Replace(resourceList("port: 1", "image: x"), "  spec:\n", "  spec: null\n  x-spec:\n", 1), "spec", "found null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log bytes.Buffer
			out, err := Run("", &log, []byte(tt.rl))
			if err == nil {
				t.Fatal("got no error")
			}
			for _, s := range []string{secret, b64} {
				// The output holds the Secret item itself; its results must not.
				if strings.Contains(log.String(), s) || strings.Contains(err.Error(), s) {
					t.Fatalf("log or error shows the secret:\n%s\n%v", log.String(), err)
				}
			}
			rl, perr := fn.ParseResourceList(out)
			if perr != nil {
				t.Fatal(perr)
			}
			var errs fn.Results
			for _, r := range rl.Results {
				if strings.Contains(r.Message, secret) || strings.Contains(r.Message, b64) {
					t.Fatalf("result shows the secret: %s", r.Message)
				}
				if r.Severity == fn.Error {
					errs = append(errs, r)
				}
			}
			if len(errs) != 1 {
				t.Fatalf("got %d error results, want 1: %v", len(errs), rl.Results)
			}
			r := errs[0]
			if r.Field == nil || r.Field.Path != tt.wantField || r.File == nil || r.File.Path != "stack.yaml" || !strings.Contains(r.Message, tt.wantMsg) {
				t.Errorf("got %s (field %v, file %v), want field %s, file stack.yaml, message with %q", r.Message, r.Field, r.File, tt.wantField, tt.wantMsg)
			}
		})
	}
}

// A stream that is no ResourceList is one clean error, quoting nothing.
func TestRunNotAResourceList(t *testing.T) {
	for _, in := range []string{secret, "- " + secret + "\n- x\n", "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- " + secret + "\n", "a:\r  b: 1\rc: 2\r"} {
		_, err := Run("", &bytes.Buffer{}, []byte(in))
		if err == nil || strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "node kind") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: got %v, want one clean line", in, err)
		}
	}
}
