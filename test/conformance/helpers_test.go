package conformance_test

import (
	"bytes"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/authstack/authstack/internal/testsupport"
)

// targets are the platforms' overlays of the rotation test and the
// platforms the kube-score ignore list may name.
var targets = []string{"minikube", "eks", "gke", "aks"}

// environment is one environment of an example: a key of spec.targets.
type environment struct {
	name      string
	platform  string // its platform: its own platform field, else its name
	namespace string // its namespace, else spec.namespace; empty when neither
}

// repoRoot is the repository root, relative to this package's directory
// (go test runs tests in their package directory).
const repoRoot = "../.."

// requireEnv returns the value of an environment variable that names a tool
// the stage needs; unset, the test skips, except under CI=true where it
// fails.
func requireEnv(t *testing.T, name, hint string) string {
	t.Helper()
	return testsupport.Env(t, name, hint+"; run: make test-conformance")
}

// authstackBin returns the absolute path of the compiler under test. A
// relative AUTHSTACK_BIN is relative to the repository root, where make runs.
func authstackBin(t *testing.T) string {
	t.Helper()
	bin := requireEnv(t, "AUTHSTACK_BIN", "path of the authstack binary")
	if !filepath.IsAbs(bin) {
		bin = filepath.Join(repoRoot, bin)
	}
	bin, err := filepath.Abs(bin)
	if err != nil {
		t.Fatalf("resolve AUTHSTACK_BIN: %v", err)
	}
	return bin
}

// example is one directory under examples/.
type example struct {
	name       string        // directory name
	stack      string        // path of stack.yaml
	secret     string        // path of better-auth-secret.yaml
	stackName  string        // metadata.name of the AuthStack
	namespace  string        // spec.namespace, empty when the spec leaves it out
	envs       []environment // every environment, sorted by name
	secretName string        // spec.auth.secret.name
	secretKey  string        // spec.auth.secret.key
	dbName     string        // spec.database.url.name
	dbKey      string        // spec.database.url.key
}

// loadExamples reads every examples/*/stack.yaml.
func loadExamples(t *testing.T) []example {
	t.Helper()
	dirs := testsupport.Examples(t, repoRoot)
	var out []example
	for _, dir := range dirs {
		stack := filepath.Join(dir, "stack.yaml")
		data, err := os.ReadFile(stack)
		if err != nil {
			t.Fatalf("read example: %v", err)
		}
		var spec struct {
			Metadata struct{ Name string }
			Spec     struct {
				Namespace string
				Auth      struct{ Secret struct{ Name, Key string } }
				Database  struct{ URL struct{ Name, Key string } }
				Targets   map[string]struct{ Platform, Namespace string }
			}
		}
		if err := yaml.Unmarshal(data, &spec); err != nil {
			t.Fatalf("parse %s: %v", stack, err)
		}
		ex := example{
			name:       filepath.Base(dir),
			stack:      stack,
			secret:     filepath.Join(dir, "better-auth-secret.yaml"),
			stackName:  spec.Metadata.Name,
			namespace:  spec.Spec.Namespace,
			secretName: spec.Spec.Auth.Secret.Name,
			secretKey:  spec.Spec.Auth.Secret.Key,
			dbName:     spec.Spec.Database.URL.Name,
			dbKey:      spec.Spec.Database.URL.Key,
		}
		for _, name := range slices.Sorted(maps.Keys(spec.Spec.Targets)) {
			e := environment{name: name, platform: spec.Spec.Targets[name].Platform, namespace: spec.Spec.Targets[name].Namespace}
			if e.platform == "" {
				e.platform = name
			}
			if e.namespace == "" {
				e.namespace = ex.namespace
			}
			ex.envs = append(ex.envs, e)
		}
		if len(ex.envs) == 0 {
			t.Fatalf("example %s has no environments", ex.name)
		}
		if ex.secretKey == "" {
			ex.secretKey = "better-auth-secret" // the schema's default
		}
		if _, err := os.Stat(ex.secret); err != nil {
			t.Fatalf("example %s has no better-auth-secret.yaml: %v", ex.name, err)
		}
		out = append(out, ex)
	}
	return out
}

// render runs "authstack render" for one target and returns its output.
func render(t *testing.T, bin, target string, files ...string) []byte {
	t.Helper()
	args := []string{"render", "--target", target}
	for _, f := range files {
		args = append(args, "-f", f)
	}
	return []byte(testsupport.Runner{}.MustRun(t, ".", nil, bin, args...))
}

// object is the part of a rendered object that the checks look at.
type object struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name        string            `yaml:"name"`
		Namespace   string            `yaml:"namespace"`
		Annotations map[string]string `yaml:"annotations"`
	} `yaml:"metadata"`
	Spec struct {
		Template struct {
			Metadata struct {
				Annotations map[string]string `yaml:"annotations"`
			} `yaml:"metadata"`
			Spec struct {
				Containers     []container `yaml:"containers"`
				InitContainers []container `yaml:"initContainers"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

// container is the part of a container that can read a Secret.
type container struct {
	Env []struct {
		ValueFrom struct {
			SecretKeyRef struct {
				Name string `yaml:"name"`
			} `yaml:"secretKeyRef"`
		} `yaml:"valueFrom"`
	} `yaml:"env"`
	EnvFrom []struct {
		SecretRef struct {
			Name string `yaml:"name"`
		} `yaml:"secretRef"`
	} `yaml:"envFrom"`
}

// readsSecret reports whether the object's pod template reads the Secret
// name through the environment.
func (o object) readsSecret(name string) bool {
	for _, c := range append(o.Spec.Template.Spec.Containers, o.Spec.Template.Spec.InitContainers...) {
		for _, e := range c.Env {
			if e.ValueFrom.SecretKeyRef.Name == name {
				return true
			}
		}
		for _, e := range c.EnvFrom {
			if e.SecretRef.Name == name {
				return true
			}
		}
	}
	return false
}

// group returns the API group of the object ("" for the core group).
func (o object) group() string {
	g, _, ok := strings.Cut(o.APIVersion, "/")
	if !ok {
		return ""
	}
	return g
}

// ref is the object's kubectl resource reference, qualified by group so
// that kinds of different groups cannot be confused.
func (o object) ref() string {
	kind := strings.ToLower(o.Kind)
	if g := o.group(); g != "" {
		kind += "." + g
	}
	return kind + "/" + o.Metadata.Name
}

// key identifies the object within one namespace.
func (o object) key() string { return o.group() + "/" + o.Kind + "/" + o.Metadata.Name }

// parseObjects splits multi-document YAML into objects, skipping empty
// documents.
func parseObjects(t *testing.T, data []byte) []object {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var objs []object
	for {
		var o object
		err := dec.Decode(&o)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("parse rendered YAML: %v", err)
		}
		if o.Kind == "" {
			continue
		}
		objs = append(objs, o)
	}
	if len(objs) == 0 {
		t.Fatal("rendered output holds no object")
	}
	return objs
}

// kinds lists the distinct kinds of objs, for messages.
func kinds(objs []object) []string {
	var ks []string
	for _, o := range objs {
		if !slices.Contains(ks, o.Kind) {
			ks = append(ks, o.Kind)
		}
	}
	return ks
}
