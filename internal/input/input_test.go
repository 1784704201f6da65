package input_test

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/authstack/authstack/internal/input"
	"github.com/authstack/authstack/internal/spec"
)

// secret is a test-only value; upper case and '+' make it invalid as any
// name, so a field holding it fails validation.
const secret = "Test-Only+Secret/Value_0123456789"

var secretB64 = base64.StdEncoding.EncodeToString([]byte(secret))

func stack(auth, image string) string {
	return fmt.Sprintf(`apiVersion: authstack.dev/v1alpha1
kind: AuthStack
metadata:
  name: shop
spec:
  auth:
    url: http://shop.example.com
    secret:
      name: %s
  database:
    url: {name: pg, key: url}
  components:
    web:
      image: %q
      port: 3000
  targets:
    minikube: {}
`, auth, image)
}

var (
	goodStack     = stack("better-auth-secret", "ghcr.io/acme/web:1")
	stringSecret  = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: better-auth-secret\nstringData:\n  better-auth-secret: " + secret + "\n"
	encodedSecret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: better-auth-secret\ndata:\n  better-auth-secret: " + secretB64 + "\n"
	internals     = regexp.MustCompile(`(^|[^.])yaml: |node kind|MapVariant|conflicting values|mismatched types|_\|_|panic|goroutine`)
)

// Read on bad inputs: a clean error (or none), never a crash, never a
// secret, one line per mistake at its position. Every case fails on the
// reader before the YAML layer: a crash, a leak, or a file skipped.
func TestReadBadInput(t *testing.T) {
	big := "# " + strings.Repeat("x", 3<<20) + "\n"
	tests := []struct {
		name string
		// files are written in order to a directory; a name ending in "/"
		// is passed as a directory holding the next files.
		files []string
		args  []string // the -f arguments, relative to the directory
		// want is a regexp each error line must match, in order; nil: no error.
		want []string
	}{
		{"a JSON6902 patch in -f DIR", []string{"d/stack.yaml", goodStack, "d/patch.yaml", "- op: add\n  path: /x\n  value: 1\n- x\n"},
			[]string{"d"}, []string{`^d/patch.yaml:1:1: found a list as a YAML document`}},
		{"CR-only line ends", []string{"stack.yaml", strings.ReplaceAll(goodStack, "\n", "\r"), "other.yaml", "a:\r  b: 1\rc: 2\r"},
			[]string{"stack.yaml", "other.yaml"}, nil},
		{"raw secret passed with -f", []string{"stack.yaml", goodStack, "secret.txt", secret + "\n"},
			[]string{"stack.yaml", "secret.txt"}, []string{`^secret.txt:1:1: found a string as a YAML document, allowed: a mapping`}},
		{"secret value in a field", []string{"stack.yaml", stack(secret, "ghcr.io/acme/web:1"), "secret.yaml", stringSecret},
			[]string{"stack.yaml", "secret.yaml"}, []string{`^stack.yaml:9:13: spec.auth.secret.name: .*\[redacted\]`}},
		{"secret value in a field, Secret data in base64", []string{"secret.yaml", encodedSecret, "stack.yaml", stack("better-auth-secret", "x "+secret)},
			[]string{"secret.yaml", "stack.yaml"}, []string{`^stack.yaml:14:14: spec.components.web.image: .*\[redacted\]`}},
		{"base64 of the secret in a field", []string{"stack.yaml", stack("better-auth-secret", "x "+secretB64), "secret.yaml", stringSecret},
			[]string{"stack.yaml", "secret.yaml"}, []string{`^stack.yaml:14:14: spec.components.web.image: .*\[redacted\]`}},
		{"duplicate key in the Secret, its value in a field", []string{"stack.yaml", stack(secret, "x"), "secret.yaml", stringSecret + "  better-auth-secret: " + secret + "\n"},
			[]string{"stack.yaml", "secret.yaml"}, []string{`^stack.yaml:9:13: spec.auth.secret.name: .*\[redacted\]`, `^secret.yaml:7:3: stringData.better-auth-secret: duplicate key "better-auth-secret" \(first at line 6\)$`}},
		{"raw secret file, its value in a field", []string{"stack.yaml", stack(secret, "x"), "secret.txt", secret + "\n"},
			[]string{"stack.yaml", "secret.txt"}, []string{`^stack.yaml:9:13: spec.auth.secret.name: .*\[redacted\]`, `^secret.txt:1:1: found a string as a YAML document`}},
		{".nan in a stack of -f DIR", []string{"d/a.yaml", goodStack, "d/b.yaml", strings.Replace(stack("x", "y"), "port: 3000", "port: .nan", 1)},
			[]string{"d"}, []string{`^d/b.yaml:15:13: spec.components.web.port: .*\.nan`}},
		{"inputs over 16 MiB together", []string{"stack.yaml", goodStack, "1.yaml", big, "2.yaml", big, "3.yaml", big, "4.yaml", big, "5.yaml", big, "6.yaml", big},
			[]string{"stack.yaml", "1.yaml", "2.yaml", "3.yaml", "4.yaml", "5.yaml", "6.yaml"}, []string{`^6.yaml: found more than 16 MiB of input with the files before it, allowed: at most 16 MiB in all$`}},
		{"file over 4 MiB", []string{"stack.yaml", goodStack + big + big},
			[]string{"stack.yaml"}, []string{`^stack.yaml: found more than 4 MiB, allowed: at most 4 MiB per file$`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for i := 0; i < len(tt.files); i += 2 {
				p := filepath.Join(dir, tt.files[i])
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(tt.files[i+1]), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			t.Chdir(dir)
			in, err := input.Read(tt.args, strings.NewReader(""))
			if tt.want == nil {
				if err != nil {
					t.Fatalf("got error:\n%v\nwant none", err)
				}
				if len(in.Stacks) != 1 {
					t.Fatalf("got %d stacks, want 1", len(in.Stacks))
				}
				return
			}
			if err == nil {
				t.Fatal("got no error")
			}
			msg := err.Error()
			if strings.Contains(msg, secret) || strings.Contains(msg, secretB64) {
				t.Fatalf("error shows the secret: %v", msg)
			}
			if internals.MatchString(msg) {
				t.Errorf("error shows a decoder's internals: %v", msg)
			}
			lines := strings.Split(msg, "\n")
			if len(lines) != len(tt.want) {
				t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(tt.want), msg)
			}
			for i, re := range tt.want {
				if !regexp.MustCompile(re).MatchString(lines[i]) {
					t.Errorf("line %d: got %q, want it to match %q", i+1, lines[i], re)
				}
			}
		})
	}
}

// Standard input is bounded like a file.
func TestReadStdinLimit(t *testing.T) {
	_, err := input.Read([]string{"-"}, strings.NewReader("# "+strings.Repeat("x", spec.MaxFileBytes)))
	if err == nil || err.Error() != "standard input: found more than 4 MiB, allowed: at most 4 MiB per file" {
		t.Fatalf("got %v", err)
	}
}

// Read splits the inputs: each AuthStack becomes a validated stack with
// its own file, every other object (from any file: a directory's *.yaml,
// *.yml and *.json, not recursively, in name order, and standard input)
// becomes an object that records its file; a Secret's values are masked
// from then on.
func TestReadSplitsStacksFromObjects(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for name, data := range map[string]string{
		"d/b-stack.yaml":   goodStack,
		"d/a-secret.yml":   stringSecret,
		"d/c-config.json":  `{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}, "data": {"a": "b"}}`,
		"d/notes.txt":      "not read\n",
		"d/sub/other.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nested\n",
		"more.yaml":        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: more\n---\n" + strings.Replace(goodStack, "name: shop", "name: blog", 1),
	} {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	stdin := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: piped\n"
	in, err := input.Read([]string{"d", "more.yaml", "-"}, strings.NewReader(stdin))
	if err != nil {
		t.Fatal(err)
	}
	var stacks, objects []string
	for _, st := range in.Stacks {
		stacks = append(stacks, st.Metadata.Name+"@"+st.File)
	}
	for _, o := range in.Objects {
		objects = append(objects, o.GetKind()+"/"+o.GetName()+"@"+o.GetAnnotations()["internal.config.kubernetes.io/path"])
	}
	if got, want := strings.Join(stacks, " "), "shop@d/b-stack.yaml blog@more.yaml"; got != want {
		t.Errorf("stacks: got %s, want %s", got, want)
	}
	if got, want := strings.Join(objects, " "), "Secret/better-auth-secret@d/a-secret.yml ConfigMap/settings@d/c-config.json ConfigMap/more@more.yaml ConfigMap/piped@-"; got != want {
		t.Errorf("objects: got %s, want %s", got, want)
	}
	if got := in.Secrets.String("x " + secret + " x"); strings.Contains(got, secret) {
		t.Errorf("the Secret's value is not masked: %s", got)
	}
	// Objects without a stack are no input.
	if _, err := input.Read([]string{"d/a-secret.yml"}, nil); err == nil || err.Error() != "no AuthStack (apiVersion authstack.dev/v1alpha1) in d/a-secret.yml" {
		t.Errorf("no stack: %v", err)
	}
}
