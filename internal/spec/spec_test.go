package spec_test

import (
	"os"
	"path"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/authstack/authstack/internal/compile"
	"github.com/authstack/authstack/internal/spec"
	"github.com/authstack/authstack/internal/spec/spectest"
	"github.com/authstack/authstack/overlays"
)

// minikubeLine is the reference stack's minikube environment.
const minikubeLine = `    minikube: {url: "http://shop.local", host: shop.local}   # plain HTTP there: see docs/environments.md`

const reference = "../../examples/shop/stack.yaml"

// platforms is how messages list the platforms: the overlay files, sorted.
var platforms = strings.Join(overlays.Names(), ", ")

// refMinikube is the reference stack's minikube environment, one line.
const refMinikube = minikubeLine

// mutate returns the reference stack with the value at a dotted path set
// (nil deletes it).
func mutate(t *testing.T, path string, value any) []byte {
	t.Helper()
	return spectest.Mutate(t, reference, path, value)
}

// loadReference returns the schema and the reference stack's text.
func loadReference(t testing.TB) (*spec.Schema, []byte) {
	t.Helper()
	schema, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(reference)
	if err != nil {
		t.Fatal(err)
	}
	return schema, data
}

func TestReferenceIsValid(t *testing.T) {
	schema, data := loadReference(t)
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
		{"typo lists allowed fields", "spec.auth.secrett", "x", "spec.auth.secrett", "allowed: url, trustedOrigins, secret, jwks"},
		{"wrong apiVersion", "apiVersion", "authstack.dev/v1", "apiVersion", "authstack.dev/v1alpha1"},
		{"name not a label", "metadata.name", "Shop_1", "metadata.name", "DNS-1123 label"},
		{"name too long", "metadata.name", long, "metadata.name", "at most 41"},
		{"name missing", "metadata.name", nil, "metadata.name", "required"},
		{"namespace upper case", "spec.namespace", "Shop", "spec.namespace", "must be lower case"},
		{"namespace", "spec.namespace", "shop_1", "spec.namespace", "DNS-1035 label"},
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
		{"component name", "spec.components.we_b", map[string]any{"image": "x", "port": 80}, "spec.components.we_b", "DNS-1035"},
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
		{"replicas", "spec.components.frontend.replicas", 0, "spec.components.frontend.replicas", "from 1 to 2147483647"},
		{"env value", "spec.components.frontend.env.PORT", 3000, "spec.components.frontend.env.PORT", "must be a string"},
		{"env reserved", "spec.components.frontend.env.DATABASE_URL", "postgres://x", "spec.components.frontend.env.DATABASE_URL", "set by authstack"},
		{"resources", "spec.components.frontend.resources.limits.memory", "lots", "spec.components.frontend.resources.limits.memory", "quantity"},
		{"run as root", "spec.components.frontend.runAsUser", 0, "spec.components.frontend.runAsUser", "non-root"},
		{"no targets", "spec.targets", map[string]any{}, "spec.targets", "at least one environment"},
		{"environment without platform", "spec.targets.openshift", map[string]any{}, "spec.targets.openshift.platform", "missing; one of " + platforms},
		{"unknown platform", "spec.targets.staging", map[string]any{"platform": "openshift"}, "spec.targets.staging.platform", "must be one of " + platforms},
		{"environment name", "spec.targets.Staging_1", map[string]any{"platform": "eks"}, "spec.targets.Staging_1", "DNS-1123 label"},
		{"environment field of another platform", "spec.targets.staging", map[string]any{"platform": "eks", "imagePullPolicy": "Never"}, "spec.targets.staging.imagePullPolicy", "allowed: host, certificateArn, platform, roleArn, podIdentity, ingressClassName, autoMode, groupName, routing, gatewayRef, gatewayClassName, url"},
		{"named environment field", "spec.targets.staging", map[string]any{"platform": "gke", "serviceAccount": "x"}, "spec.targets.staging.serviceAccount", "gserviceaccount.com"},
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
			errs, ok := err.(spec.Diagnostics)
			if !ok {
				t.Fatalf("error %T %v, want spec.Diagnostics", err, err)
			}
			if len(errs) != 1 {
				t.Errorf("%d lines for one mistake:\n%v", len(errs), err)
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

// The error rules: exactly one line per mistake, at the mistake's
// file:line:col, with the field path, what was found and what is allowed;
// never CUE's words; every mistake of a spec in one run. Each case edits
// the reference stack's text (old → new, first occurrence) and wants the
// whole error output.
func TestErrorLines(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		want     string
	}{
		// Disjunctions: one line, with the value the user wrote (CUE
		// reported each branch, claiming "mysql" and "postgres" were found).
		{"dialect", "dialect: postgres", "dialect: oracle",
			`stack.yaml:16:14: spec.database.dialect: must be one of postgres, mysql (got "oracle")`},
		{"replicas negative", "replicas: 2", "replicas: -1",
			`stack.yaml:27:17: spec.components.frontend.replicas: must be an integer from 1 to 2147483647 (got -1)`},
		// A bad map key: one line at the key, not one per field of the entry.
		{"component name upper case", "    frontend:", "    Frontend:",
			`stack.yaml:21:5: spec.components.Frontend: must be lower case (got "Frontend")`},
		{"component name digit", "    frontend:", "    1web:",
			`stack.yaml:21:5: spec.components.1web: must be a DNS-1035 label: lower-case letters, digits and '-', starting with a letter, at most 63 characters (got "1web")`},
		{"bad name and bad field", "    frontend:\n      image: ghcr.io/acme/shop-frontend:1.4.2\n      port: 3000", "    Front_end:\n      image: ghcr.io/acme/shop-frontend:1.4.2\n      port: 0",
			`stack.yaml:21:5: spec.components.Front_end: must be a DNS-1035 label: lower-case letters, digits and '-', starting with a letter, at most 63 characters (got "Front_end")` + "\n" +
				`stack.yaml:23:13: spec.components.Front_end.port: must be an integer from 1 to 65535 (got 0)`},
		{"environment without platform", minikubeLine, minikubeLine + "\n    openshift:\n      host: x.example.com",
			`stack.yaml:37:5: spec.targets.openshift.platform: missing; one of ` + platforms},
		{"environment on an unknown platform", minikubeLine, minikubeLine + "\n    staging:\n      platform: openshift\n      host: x.example.com",
			`stack.yaml:38:17: spec.targets.staging.platform: must be one of ` + platforms + ` (got "openshift")`},
		{"environment with another platform's field", minikubeLine, minikubeLine + "\n    staging:\n      platform: eks\n      imagePullPolicy: Never\n      roleArn: x",
			`stack.yaml:39:7: spec.targets.staging.imagePullPolicy: unknown field "imagePullPolicy"; allowed: host, certificateArn, platform, roleArn, podIdentity, ingressClassName, autoMode, groupName, routing, gatewayRef, gatewayClassName, url, trustedOrigins, namespace, createNamespace, replicas, patches` + "\n" +
				`stack.yaml:40:16: spec.targets.staging.roleArn: must be an IAM role ARN (arn:aws:iam::<account>:role/<name>) (got "x")`},
		{"platform key on another platform", minikubeLine, "    minikube:\n      platform: eks\n      imagePullPolicy: Never",
			`stack.yaml:38:7: spec.targets.minikube.imagePullPolicy: unknown field "imagePullPolicy"; allowed: host, certificateArn, platform, roleArn, podIdentity, ingressClassName, autoMode, groupName, routing, gatewayRef, gatewayClassName, url, trustedOrigins, namespace, createNamespace, replicas, patches`},
		// The fields of every environment.
		{"environment url", minikubeLine, "    minikube: {url: ftp://shop.local}",
			`stack.yaml:36:21: spec.targets.minikube.url: must be an absolute http:// or https:// URL (got "ftp://shop.local")`},
		{"trusted origin with a path", minikubeLine, "    minikube: {trustedOrigins: [https://a.example.com/app]}",
			`stack.yaml:36:33: spec.targets.minikube.trustedOrigins.0: must be an origin such as https://app.example.com: scheme://host[:port], without path, ',' or spaces (got "https://a.example.com/app")`},
		{"trusted origins repeated", "    url: https://shop.example.com", "    url: https://shop.example.com\n    trustedOrigins: [https://a.example.com, https://a.example.com]",
			`stack.yaml:12:21: spec.auth.trustedOrigins: must be a list of distinct origins (got ["https://a.example.com", "https://a.example.com"])`},
		{"trusted origins with a comma", "    url: https://shop.example.com", "    url: https://shop.example.com\n    trustedOrigins: [\"https://a.example.com,https://b.example.com\"]",
			`stack.yaml:12:22: spec.auth.trustedOrigins.0: must be an origin such as https://app.example.com: scheme://host[:port], without path, ',' or spaces (got "https://a.example.com,https://b.example.com")`},
		{"environment namespace", minikubeLine, "    minikube: {namespace: Shop_Dev}",
			`stack.yaml:36:27: spec.targets.minikube.namespace: must be a DNS-1035 label: lower-case letters, digits and '-', starting with a letter, at most 63 characters (got "Shop_Dev")`},
		{"createNamespace", minikubeLine, "    minikube: {createNamespace: \"no\"}",
			`stack.yaml:36:33: spec.targets.minikube.createNamespace: must be true or false (got "no")`},
		{"replicas of an unknown component", minikubeLine, "    minikube: {replicas: {web: 2}, url: \"http://shop.local\"}",
			`stack.yaml:36:27: spec.targets.minikube.replicas.web: "web" is not a component; allowed: backend-api, frontend`},
		{"replicas zero", minikubeLine, "    minikube: {replicas: {frontend: 0}}",
			`stack.yaml:36:37: spec.targets.minikube.replicas.frontend: must be an integer from 1 to 2147483647 (got 0)`},
		{"patch empty", minikubeLine, "    minikube: {patches: [{patch: \"\"}]}",
			`stack.yaml:36:34: spec.targets.minikube.patches.0.patch: must be a non-empty string holding a strategic-merge or JSON 6902 patch in YAML (got "")`},
		{"patch without its object", minikubeLine, "    minikube: {patches: [{patch: \"spec: {replicas: 3}\"}], url: \"http://shop.local\"}",
			`stack.yaml:36:34: spec.targets.minikube.patches.0.patch: a strategic-merge patch without target must have kind and metadata.name, which select the object it patches`},
		{"json patch without target", minikubeLine, "    minikube: {patches: [{patch: \"[{op: remove, path: /spec/replicas}]\"}], url: \"http://shop.local\"}",
			`stack.yaml:36:34: spec.targets.minikube.patches.0.patch: a JSON 6902 patch (a list of operations) needs target, which selects the objects it patches`},
		{"json patch operation without path", minikubeLine, "    minikube: {patches: [{target: {kind: Deployment}, patch: \"[{op: remove}]\"}], url: \"http://shop.local\"}",
			`stack.yaml:36:62: spec.targets.minikube.patches.0.patch: operation 0 of the JSON 6902 patch must be a mapping with op and path`},
		{"patch not YAML", minikubeLine, "    minikube: {patches: [{patch: \"a: [\"}], url: \"http://shop.local\"}",
			`stack.yaml:36:34: spec.targets.minikube.patches.0.patch: must hold one YAML document: a strategic-merge patch (a mapping) or a JSON 6902 patch (a list of operations)`},
		{"patch target field", minikubeLine, "    minikube: {patches: [{target: {kinds: Deployment}, patch: \"[]\"}]}",
			`stack.yaml:36:36: spec.targets.minikube.patches.0.target.kinds: unknown field "kinds"; allowed: group, version, kind, name, namespace, labelSelector, annotationSelector`},
		{"environment not a mapping", minikubeLine, minikubeLine + "\n    staging: eks",
			`stack.yaml:37:14: spec.targets.staging: found a string, allowed: a mapping`},
		{"host upper case", "      host: shop.example.com", "      host: Shop.example.com",
			`stack.yaml:38:13: spec.targets.eks.host: must be lower case (got "Shop.example.com")`},
		{"host with scheme", "      host: shop.example.com", "      host: https://shop.example.com",
			`stack.yaml:38:13: spec.targets.eks.host: must be a DNS hostname such as shop.example.com (no scheme, port or wildcard) (got "https://shop.example.com")`},
		// Numbers are bounded by their Kubernetes types.
		{"replicas over int32", "replicas: 2", "replicas: 2147483648",
			`stack.yaml:27:17: spec.components.frontend.replicas: must be an integer from 1 to 2147483647 (got 2147483648)`},
		{"runAsUser over int64", "      runtime: node", "      runtime: node\n      runAsUser: 9223372036854775808",
			`stack.yaml:25:18: spec.components.frontend.runAsUser: must be a non-root user id from 1 to 2147483647 (got 9223372036854775808)`},
		{"runAsGroup root", "      runtime: node", "      runtime: node\n      runAsGroup: 0",
			`stack.yaml:25:19: spec.components.frontend.runAsGroup: must be a non-root group id from 1 to 2147483647 (got 0)`},
		// Paths that Kubernetes' Ingress validation rejects.
		{"expose dot dot", "expose: /", "expose: /a/../b", exposeLine("/a/../b")},
		{"expose double slash", "expose: /", "expose: //x", exposeLine("//x")},
		{"expose encoded slash", "expose: /", "expose: /a%2Fb", exposeLine("/a%2Fb")},
		{"expose trailing dot", "expose: /", "expose: /a/.", exposeLine("/a/.")},
		{"expose trailing dot dot", "expose: /", "expose: /a/..", exposeLine("/a/..")},
		{"bad path exposed twice", "      expose: /\n      replicas: 2\n      env:\n        NEXT_PUBLIC_API_URL: http://backend-api:8000\n    backend-api:\n      image: ghcr.io/acme/shop-api:2.0.0\n      port: 8000\n      runtime: python\n      health: /health",
			"      expose: //x\n      replicas: 2\n      env:\n        NEXT_PUBLIC_API_URL: http://backend-api:8000\n    backend-api:\n      image: ghcr.io/acme/shop-api:2.0.0\n      port: 8000\n      runtime: python\n      health: /health\n      expose: //x",
			exposeLine("//x") + "\n" + strings.Replace(exposeLine("//x"), "26:15: spec.components.frontend", "35:15: spec.components.backend-api", 1)},
		{"expose twice", "      health: /health", "      health: /health\n      expose: /",
			`stack.yaml:35:15: spec.components.backend-api.expose: must be a path no other component exposes; frontend exposes it (got "/")`},
		// Names that authstack gives its own objects.
		{"component jwks-purge", "    frontend:", "    jwks-purge:", reservedLine("jwks-purge")},
		{"component <stack>-jwks-purge", "    frontend:", "    shop-jwks-purge:", reservedLine("shop-jwks-purge")},
		{"component x-jwks-purge", "    frontend:", "    other-jwks-purge:", reservedLine("other-jwks-purge")},
		// Null and empty where a mapping belongs: ordinary messages.
		{"null spec", "spec:\n  namespace: shop\n", "spec: null\nx:\n  namespace: shop\n",
			// The YAML layer stops at a null spec, before the schema walk.
			"stack.yaml:8:7: spec: found null, allowed: a mapping (the field is required)"},
		// A null optional mapping (`minikube:`, `env:`) means empty: accepted
		// by the YAML layer (internal/spec/yaml.go), so not in this table.
		{"no components", "  components:\n", "  components: {}\n  old:\n",
			"stack.yaml:20:15: spec.components: must name at least one component (got an empty mapping)\n" +
				`stack.yaml:21:3: spec.old: unknown field "old"; allowed: namespace, createNamespace, auth, database, components, targets`},
		{"writable paths twice", "      runtime: node", "      runtime: node\n      writablePaths: [/data, /data]",
			`stack.yaml:25:22: spec.components.frontend.writablePaths: must be a list of distinct absolute paths (got ["/data", "/data"])`},
		// Every mistake in one run, several in one struct.
		{"many mistakes", "      image: ghcr.io/acme/shop-api:2.0.0\n      port: 8000\n      runtime: python\n      health: /health",
			"      image: \"\"\n      port: 0\n      runtime: java\n      health: health\n      colour: blue",
			"stack.yaml:31:14: spec.components.backend-api.image: must be a non-empty image reference without spaces (got \"\")\n" +
				"stack.yaml:32:13: spec.components.backend-api.port: must be an integer from 1 to 65535 (got 0)\n" +
				"stack.yaml:33:16: spec.components.backend-api.runtime: must be one of node, python, go, other (got \"java\")\n" +
				"stack.yaml:34:15: spec.components.backend-api.health: must be an absolute path starting with '/', without spaces, '?' or '#' (got \"health\")\n" +
				"stack.yaml:35:7: spec.components.backend-api.colour: unknown field \"colour\"; allowed: image, port, runtime, health, expose, replicas, env, resources, runAsUser, runAsGroup, writablePaths"},
		{"env", "        NEXT_PUBLIC_API_URL: http://backend-api:8000", "        DATABASE_URL: x\n        PORT: 3000\n        1X: a",
			"stack.yaml:29:9: spec.components.frontend.env.DATABASE_URL: DATABASE_URL is set by authstack from spec.database.url; remove it from env\n" +
				"stack.yaml:30:15: spec.components.frontend.env.PORT: must be a string (quote numbers and booleans) (got 3000)\n" +
				"stack.yaml:31:9: spec.components.frontend.env.1X: must be an environment variable name: letters, digits, '_', '-' and '.', not starting with a digit (got \"1X\")"},
	}
	schema, data := loadReference(t)
	internals := regexp.MustCompile(`conflicting values|mismatched types|_\|_|#[A-Z]|~\(|incomplete value|out of bound`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(string(data), tt.old) {
				t.Fatalf("the reference has no %q", tt.old)
			}
			_, err := schema.Stacks("stack.yaml", []byte(strings.Replace(string(data), tt.old, tt.new, 1)))
			if err == nil {
				t.Fatalf("no error, want\n%s", tt.want)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
			if internals.MatchString(err.Error()) {
				t.Errorf("CUE internals in %q", err)
			}
		})
	}
}

func exposeLine(path string) string {
	return `stack.yaml:26:15: spec.components.frontend.expose: must be an absolute path starting with '/', without spaces, '?', '#', '//', '/./', '/../' or '%2F', not ending in '/.' or '/..' (Kubernetes Ingress rules reject those) (got "` + path + `")`
}

func reservedLine(name string) string {
	return `stack.yaml:21:5: spec.components.` + name + `: must not be jwks-purge or end in -jwks-purge: authstack names the jwks purge Job's objects so (got "` + name + `")`
}

// Every environment variable that the templates set from the spec (in the
// components' Deployments and the purge Job) is one a component may not
// set: #ReservedEnv in the schema lists them all.
func TestReservedEnvCoversTemplates(t *testing.T) {
	schema, data := loadReference(t)
	stacks, err := schema.Stacks(reference, data)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := compile.CompileWithHash(stacks[0], "0123456789")
	if err != nil {
		t.Fatal(err)
	}
	set := map[string]bool{}
	for _, p := range tr.Paths() {
		var obj struct {
			Spec struct {
				Template struct {
					Spec struct {
						Containers []struct {
							Env []struct {
								Name string `json:"name"`
							} `json:"env"`
						} `json:"containers"`
					} `json:"spec"`
				} `json:"template"`
			} `json:"spec"`
		}
		if err := yaml.Unmarshal(tr.File(p), &obj); err != nil {
			continue // not an object: the kustomizations are
		}
		for _, c := range obj.Spec.Template.Spec.Containers {
			for _, e := range c.Env {
				set[e.Name] = true
			}
		}
	}
	// The user's own, and the runtime settings a user may extend.
	for _, own := range []string{"NEXT_PUBLIC_API_URL", "NODE_ENV", "NODE_OPTIONS"} {
		delete(set, own)
	}
	if len(set) < 3 {
		t.Fatalf("found only %v in the templates", set)
	}
	for name := range set {
		_, err := schema.Stacks("stack.yaml", mutate(t, "spec.components.backend-api.env."+name, "x"))
		if err == nil || !strings.Contains(err.Error(), name+" is set by authstack") {
			t.Errorf("env %s, set by the templates, is not reserved: %v", name, err)
		}
	}
}

// One mistake, one line: every field of the reference stack set to each of
// a set of odd values gives no error (the value is allowed) or exactly one
// line, on that field, in plain words.
func TestOneLinePerMistake(t *testing.T) {
	schema, data := loadReference(t)
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var paths []string
	var leaves func(prefix string, v any)
	leaves = func(prefix string, v any) {
		m, ok := v.(map[string]any)
		if !ok || len(m) == 0 {
			paths = append(paths, prefix)
			return
		}
		for k, e := range m {
			leaves(strings.TrimPrefix(prefix+"."+k, "."), e)
		}
	}
	leaves("", doc)
	odd := []any{-1, 2147483648, "", "Upper Case", map[string]any{"x": 1}}
	internals := regexp.MustCompile(`conflicting values|mismatched types|_\|_|#[A-Z]|~\(|incomplete value|out of bound|cannot name`)
	lines := 0
	for _, p := range paths {
		if p == "kind" {
			continue // another kind is not an AuthStack: skipped, not wrong
		}
		for _, v := range odd {
			_, err := schema.Stacks("stack.yaml", mutate(t, p, v))
			if err == nil {
				continue
			}
			lines++
			got := strings.Split(err.Error(), "\n")
			if len(got) != 1 || !strings.Contains(got[0], ": "+p) || internals.MatchString(got[0]) {
				t.Errorf("%s = %#v:\n%s\nwant one line on %s in plain words", p, v, err, p)
			}
		}
	}
	if lines < len(paths)*3 {
		t.Errorf("only %d errors for %d fields: the mutations miss", lines, len(paths))
	}
}

// No name a component may take makes two generated objects collide: for
// names that echo what authstack generates (the stack's name, its
// directories and files, the purge Job's parts), every target's objects
// have distinct kinds and names, distinct files, and distinct pod
// selectors. The names that would collide are refused.
func TestNoGeneratedNameCollides(t *testing.T) {
	schema, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"shop", "ingress", "bases", "overlays", "kustomization", "frontendconfig",
		"managedcertificate", "shop-ip", "shop-bases", "shop-eks", "jwks", "purge", "jwks-purge-1", "shop-jwks"} {
		t.Run(name, func(t *testing.T) {
			stacks, err := schema.Stacks("stack.yaml", mutate(t, "spec.components."+name,
				map[string]any{"image": "x", "port": 80, "health": "/h", "expose": "/" + name, "replicas": 2}))
			if err != nil {
				t.Fatal(err)
			}
			tr, err := compile.CompileWithHash(stacks[0], "0123456789")
			if err != nil {
				t.Fatal(err)
			}
			for _, target := range stacks[0].Targets() {
				objects := map[string]string{}
				selectors := map[string]string{}
				for _, p := range tr.Paths() {
					if path.Base(p) == "kustomization.yaml" ||
						!(strings.HasPrefix(p, "bases/") || strings.HasPrefix(p, "overlays/"+target+"/")) {
						continue
					}
					var obj struct {
						Kind     string `json:"kind"`
						Metadata struct {
							Name string `json:"name"`
						} `json:"metadata"`
						Spec struct {
							Template struct {
								Metadata struct {
									Labels map[string]string `json:"labels"`
								} `json:"metadata"`
							} `json:"template"`
						} `json:"spec"`
					}
					if err := yaml.Unmarshal(tr.File(p), &obj); err != nil {
						t.Fatalf("%s: %v", p, err)
					}
					id := obj.Kind + "/" + obj.Metadata.Name
					if other, ok := objects[id]; ok {
						t.Errorf("%s: %s and %s are both %s", target, other, p, id)
					}
					objects[id] = p
					if l := obj.Spec.Template.Metadata.Labels; l != nil {
						sel := l["app.kubernetes.io/name"] + "/" + l["app.kubernetes.io/instance"]
						if other, ok := selectors[sel]; ok {
							t.Errorf("%s: the pods of %s and %s share the selector %s", target, other, p, sel)
						}
						selectors[sel] = p
					}
				}
				if objects["Deployment/"+name] == "" {
					t.Errorf("%s: no Deployment %s among %v", target, name, objects)
				}
			}
		})
	}
	for _, name := range []string{"jwks-purge", "shop-jwks-purge", "web-jwks-purge"} {
		_, err := schema.Stacks("stack.yaml", mutate(t, "spec.components."+name, map[string]any{"image": "x", "port": 80}))
		if err == nil || !strings.Contains(err.Error(), "spec.components."+name+": must not be jwks-purge") {
			t.Errorf("component %s: %v, want it refused", name, err)
		}
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
    url: http://shop.example.com
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
			want: `stack.yaml:7:52: spec.auth.secret.versionsKey: must be a Secret key (letters, digits, '-', '_', '.', at most 253 characters) (got "a/b")`},
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
			want: "stack.yaml:8:40: spec.auth.migrate.command: must be a non-empty list of strings, the first non-empty (got [])"},
		{name: "migrate typo",
			doc: versioned("    migrate: {component: web, cmd: [x]}\n"),
			// The typo and the missing command it leaves: two facts, two lines.
			want: "stack.yaml:8:5: spec.auth.migrate.command: required field is missing\n" +
				`stack.yaml:8:31: spec.auth.migrate.cmd: unknown field "cmd"; allowed: component, command`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := expectLines(t, schema, tt.doc, tt.want, tt.warn)
			if st == nil {
				return
			}
			if st.Spec.Auth.JWKS.Purge != tt.purge {
				t.Errorf("purge = %q, want %q", st.Spec.Auth.JWKS.Purge, tt.purge)
			}
		})
	}
}

// BETTER_AUTH_TRUSTED_ORIGINS belongs to authstack only where the spec sets
// trusted origins: elsewhere a component may still set it itself.
func TestTrustedOriginsEnv(t *testing.T) {
	schema, data := loadReference(t)
	const env = "        NEXT_PUBLIC_API_URL: http://backend-api:8000"
	own := strings.Replace(string(data), env, env+"\n        BETTER_AUTH_TRUSTED_ORIGINS: https://x.example.com", 1)
	if _, err := schema.Stacks("stack.yaml", []byte(own)); err != nil {
		t.Fatalf("a component's own BETTER_AUTH_TRUSTED_ORIGINS without trustedOrigins: %v", err)
	}
	both := strings.Replace(own, minikubeLine, "    minikube: {trustedOrigins: [https://x.example.com]}", 1)
	_, err := schema.Stacks("stack.yaml", []byte(both))
	const want = "stack.yaml:30:9: spec.components.frontend.env.BETTER_AUTH_TRUSTED_ORIGINS: BETTER_AUTH_TRUSTED_ORIGINS is set by authstack from spec.auth.trustedOrigins and the environments' trustedOrigins; remove it from env"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want\n%s", err, want)
	}
}

// expectLines validates doc and checks its exact error lines (want); when
// want is empty, it checks that doc is valid with exactly the warning lines
// warn and returns the stack.
func expectLines(t *testing.T, schema *spec.Schema, doc, want, warn string) *spec.Stack {
	t.Helper()
	lines := func(es spec.Diagnostics) string {
		var out []string
		for _, e := range es {
			out = append(out, e.Error())
		}
		return strings.Join(out, "\n")
	}
	stacks, err := schema.Stacks("stack.yaml", []byte(doc))
	if want != "" {
		if es, ok := err.(spec.Diagnostics); !ok || lines(es) != want {
			t.Fatalf("errors:\n%v\nwant exactly:\n%s", err, want)
		}
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	if got := lines(stacks[0].Warnings); got != warn {
		t.Errorf("warnings:\n%s\nwant:\n%s", got, warn)
	}
	return stacks[0]
}
