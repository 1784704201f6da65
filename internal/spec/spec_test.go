package spec_test

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/authstack/authstack/internal/spec"
)

const reference = "../../examples/shop/stack.yaml"

// mutate returns the reference stack with the value at a dotted path set
// (nil deletes it).
func mutate(t *testing.T, path string, value any) []byte {
	t.Helper()
	data, err := os.ReadFile(reference)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	keys := strings.Split(path, ".")
	m := doc
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	if value == nil {
		delete(m, keys[len(keys)-1])
	} else {
		m[keys[len(keys)-1]] = value
	}
	out, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestReferenceIsValid(t *testing.T) {
	schema, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(reference)
	if err != nil {
		t.Fatal(err)
	}
	stacks, err := schema.Stacks(reference, data)
	if err != nil {
		t.Fatal(err)
	}
	if len(stacks) != 1 {
		t.Fatalf("got %d stacks, want 1", len(stacks))
	}
	st := stacks[0]
	// Defaults filled in by the schema.
	if got := st.Spec.Auth.JWKS.Table; got != "jwks" {
		t.Errorf("jwks.table default = %q, want jwks", got)
	}
	if got := st.Spec.Auth.JWKS.Purge; got != "undecryptable" {
		t.Errorf("jwks.purge default = %q, want undecryptable", got)
	}
	if got := st.Spec.Database.Dialect; got != "postgres" {
		t.Errorf("database.dialect = %q, want postgres", got)
	}
	if got := strings.Join(st.Targets(), ","); got != "aks,eks,gke,minikube" {
		t.Errorf("targets = %s", got)
	}
	var paths []string
	for _, w := range st.Warnings {
		paths = append(paths, w.Path)
	}
	if got := strings.Join(paths, " "); got != "spec.auth.secret spec.components.frontend.env.NEXT_PUBLIC_API_URL" {
		t.Errorf("warnings = %v, want one on the single secret and one on NEXT_PUBLIC_API_URL", st.Warnings)
	}
}

// Every constraint of the schema, broken once: the error names the field's
// path and says what is allowed.
func TestValidationErrors(t *testing.T) {
	long := strings.Repeat("a", 42)
	tests := []struct {
		name  string
		path  string
		value any
		// wantPath is the field path reported; wantMsg a part of the message.
		wantPath, wantMsg string
	}{
		{"typo in spec", "spec.componets", map[string]any{}, "spec.componets", "unknown field"},
		{"typo lists allowed fields", "spec.auth.secrett", "x", "spec.auth.secrett", "allowed: url, secret, jwks"},
		{"wrong apiVersion", "apiVersion", "authstack.dev/v1", "apiVersion", "authstack.dev/v1alpha1"},
		{"name not a label", "metadata.name", "Shop_1", "metadata.name", "DNS-1123 label"},
		{"name too long", "metadata.name", long, "metadata.name", "at most 41"},
		{"name missing", "metadata.name", nil, "metadata.name", "required"},
		{"namespace", "spec.namespace", "Shop", "spec.namespace", "DNS-1123 label"},
		{"auth url scheme", "spec.auth.url", "ftp://shop.example.com", "spec.auth.url", "http:// or https://"},
		{"auth url relative", "spec.auth.url", "/login", "spec.auth.url", "absolute"},
		{"auth url missing", "spec.auth.url", nil, "spec.auth.url", "required"},
		{"secret name", "spec.auth.secret.name", "Better_Auth", "spec.auth.secret.name", "Secret name"},
		{"secret key", "spec.auth.secret.key", "a key", "spec.auth.secret.key", "Secret key"},
		{"secret revision empty", "spec.auth.secret.revision", "", "spec.auth.secret.revision", "non-empty"},
		{"jwks table", "spec.auth.jwks.table", "jwks; DROP TABLE users", "spec.auth.jwks.table", "SQL identifier"},
		{"jwks table digit", "spec.auth.jwks.table", "1jwks", "spec.auth.jwks.table", "SQL identifier"},
		{"jwks purge", "spec.auth.jwks.purge", "some", "spec.auth.jwks.purge", "undecryptable, reencrypt, all, none"},
		{"dialect", "spec.database.dialect", "sqlite", "spec.database.dialect", "postgres, mysql"},
		{"database url missing", "spec.database.url", nil, "spec.database.url", "required"},
		{"no components", "spec.components", map[string]any{}, "spec.components", "at least one component"},
		{"component name", "spec.components.Web", map[string]any{"image": "x", "port": 80}, "spec.components.Web", "DNS-1035"},
		{"component name digit", "spec.components.1web", map[string]any{"image": "x", "port": 80}, "spec.components.1web", "DNS-1035"},
		{"image missing", "spec.components.frontend.image", nil, "spec.components.frontend.image", "required"},
		{"image empty", "spec.components.frontend.image", "", "spec.components.frontend.image", "non-empty image"},
		{"port high", "spec.components.frontend.port", 70000, "spec.components.frontend.port", "1 to 65535"},
		{"port zero", "spec.components.frontend.port", 0, "spec.components.frontend.port", "1 to 65535"},
		{"port string", "spec.components.frontend.port", "3000", "spec.components.frontend.port", "1 to 65535"},
		{"runtime", "spec.components.frontend.runtime", "deno", "spec.components.frontend.runtime", "node, python, go, other"},
		{"health path", "spec.components.frontend.health", "api/health", "spec.components.frontend.health", "starting with '/'"},
		{"expose path", "spec.components.frontend.expose", "app", "spec.components.frontend.expose", "starting with '/'"},
		{"expose twice", "spec.components.backend-api.expose", "/", "spec.components.", "no other component exposes"},
		{"replicas", "spec.components.frontend.replicas", 0, "spec.components.frontend.replicas", "≥ 1"},
		{"env value", "spec.components.frontend.env.PORT", 3000, "spec.components.frontend.env.PORT", "string value"},
		{"env reserved", "spec.components.frontend.env.DATABASE_URL", "postgres://x", "spec.components.frontend.env.DATABASE_URL", "set by authstack"},
		{"resources", "spec.components.frontend.resources.limits.memory", "lots", "spec.components.frontend.resources.limits.memory", "quantity"},
		{"run as root", "spec.components.frontend.runAsUser", 0, "spec.components.frontend.runAsUser", "non-root"},
		{"no targets", "spec.targets", map[string]any{}, "spec.targets", "at least one of minikube, eks, gke, aks"},
		{"unknown target", "spec.targets.openshift", map[string]any{}, "spec.targets.openshift", "allowed: minikube, eks, gke, aks"},
		{"minikube pull policy", "spec.targets.minikube.imagePullPolicy", "Sometimes", "spec.targets.minikube.imagePullPolicy", "Never, IfNotPresent, Always"},
		{"eks host", "spec.targets.eks.host", "https://shop.example.com", "spec.targets.eks.host", "DNS hostname"},
		{"eks certificate", "spec.targets.eks.certificateArn", "arn:aws:iam::1:cert", "spec.targets.eks.certificateArn", "ACM certificate ARN"},
		{"eks role", "spec.targets.eks.roleArn", "shop", "spec.targets.eks.roleArn", "IAM role ARN"},
		{"gke static ip", "spec.targets.gke.staticIpName", "Shop IP", "spec.targets.gke.staticIpName", "static IP"},
		{"gke service account", "spec.targets.gke.serviceAccount", "shop@example.com", "spec.targets.gke.serviceAccount", "gserviceaccount.com"},
		{"aks client id", "spec.targets.aks.clientId", "not-a-guid", "spec.targets.aks.clientId", "GUID"},
		{"aks typo", "spec.targets.aks.clientID", "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b", "spec.targets.aks.clientID", "allowed: host, clientId"},
	}
	schema, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	position := regexp.MustCompile(`^stack\.yaml:\d+:\d+: `)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := schema.Stacks("stack.yaml", mutate(t, tt.path, tt.value))
			if err == nil {
				t.Fatalf("%s = %v: no error", tt.path, tt.value)
			}
			errs, ok := err.(spec.Errors)
			if !ok {
				t.Fatalf("error %T %v, want spec.Errors", err, err)
			}
			var found bool
			for _, e := range errs {
				line := e.Error()
				if strings.Contains(line, " "+tt.wantPath) && strings.Contains(line, tt.wantMsg) {
					found = true
					if !position.MatchString(line) {
						t.Errorf("error %q has no file:line:col", line)
					}
				}
			}
			if !found {
				t.Errorf("errors:\n%v\nwant one on %s containing %q", err, tt.wantPath, tt.wantMsg)
			}
		})
	}
}

// A multi-document file: positions point into the right document.
func TestMultiDocumentPositions(t *testing.T) {
	data, err := os.ReadFile(reference)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := os.ReadFile("../../examples/shop/better-auth-secret.yaml")
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(data), "port: 8000", "port: 80000", 1)
	stream := string(secret) + "---\n" + bad
	schema, _ := spec.Load()
	_, err = schema.Stacks("all.yaml", []byte(stream))
	if err == nil {
		t.Fatal("no error")
	}
	lines := strings.Count(string(secret)+"---\n", "\n")
	wantLine := lines + 1 + strings.Count(bad[:strings.Index(bad, "port: 80000")], "\n")
	want := "all.yaml:" + strconv.Itoa(wantLine) + ":"
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q, want it to start with %s", err, want)
	}
}

// The rotation and migration fields: defaults, cross-field rules and the
// single-secret warning, each reported as exactly one line.
func TestRotationAndMigrate(t *testing.T) {
	schema, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	versioned := func(extra string) string {
		return `apiVersion: authstack.dev/v1alpha1
kind: AuthStack
metadata: {name: shop}
spec:
  auth:
    url: https://shop.example.com
    secret: {name: auth, key: legacy, versionsKey: versions}
` + extra + `  database: {url: {name: db, key: url}}
  components:
    web: {image: web:1, port: 3000}
  targets: {minikube: {}}
`
	}
	tests := []struct {
		name, doc string
		// want is every error line; warn every warning line; purge the default.
		want, warn, purge string
	}{
		{name: "versioned: reencrypt by default, no warning", doc: versioned(""), purge: "reencrypt"},
		{name: "versioned: explicit undecryptable", doc: versioned("    jwks: {purge: undecryptable}\n"), purge: "undecryptable"},
		{name: "single secret: undecryptable and a warning",
			doc:   strings.Replace(versioned(""), ", versionsKey: versions", "", 1),
			purge: "undecryptable",
			warn:  "stack.yaml:7:5: spec.auth.secret: a single BETTER_AUTH_SECRET: rotating it breaks JWT signing on new pods during the rollout and the purge invalidates every issued JWT; set spec.auth.secret.versionsKey to rotate without failures (docs/rotation.md)"},
		{name: "same key twice",
			doc:  strings.Replace(versioned(""), "versionsKey: versions", "versionsKey: legacy", 1),
			want: `stack.yaml:7:39: spec.auth.secret.versionsKey: "legacy" is also spec.auth.secret.key; allowed: another key of Secret "auth", holding BETTER_AUTH_SECRETS`},
		{name: "bad versions key",
			doc:  strings.Replace(versioned(""), "versionsKey: versions", "versionsKey: a/b", 1),
			want: `stack.yaml:7:52: spec.auth.secret.versionsKey: must be a Secret key (letters, digits, '-', '_', '.') (got "a/b")`},
		{name: "reencrypt needs versions",
			doc:  strings.Replace(versioned("    jwks: {purge: reencrypt}\n"), ", versionsKey: versions", "", 1),
			want: "stack.yaml:8:12: spec.auth.jwks.purge: reencrypt without spec.auth.secret.versionsKey; allowed: undecryptable, all, none, or set spec.auth.secret.versionsKey"},
		{name: "migrate", doc: versioned("    migrate: {component: web, command: [npx, '@better-auth/cli', migrate, -y]}\n"), purge: "reencrypt"},
		{name: "migrate unknown component",
			doc:  versioned("    migrate: {component: api, command: [migrate]}\n"),
			want: `stack.yaml:8:15: spec.auth.migrate.component: "api" is not a component; allowed: web`},
		{name: "migrate without command",
			doc:  versioned("    migrate: {component: web}\n"),
			want: "stack.yaml:8:5: spec.auth.migrate.command: required field is missing"},
		{name: "migrate empty command",
			doc:  versioned("    migrate: {component: web, command: []}\n"),
			want: "stack.yaml:8:31: spec.auth.migrate.command: must be a non-empty list of strings, the first non-empty"},
		{name: "migrate typo",
			doc:  versioned("    migrate: {component: web, cmd: [x]}\n"),
			want: `stack.yaml:8:31: spec.auth.migrate.cmd: unknown field "cmd"; allowed: component, command`},
	}
	lines := func(es spec.Errors) string {
		var out []string
		for _, e := range es {
			out = append(out, e.Error())
		}
		return strings.Join(out, "\n")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stacks, err := schema.Stacks("stack.yaml", []byte(tt.doc))
			if tt.want != "" {
				es, ok := err.(spec.Errors)
				if !ok || lines(es) != tt.want {
					t.Fatalf("errors:\n%v\nwant exactly:\n%s", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			st := stacks[0]
			if got := lines(st.Warnings); got != tt.warn {
				t.Errorf("warnings:\n%s\nwant:\n%s", got, tt.warn)
			}
			if st.Spec.Auth.JWKS.Purge != tt.purge {
				t.Errorf("purge = %q, want %q", st.Spec.Auth.JWKS.Purge, tt.purge)
			}
		})
	}
}
