package compile_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/authstack/authstack/internal/compile"
	"github.com/authstack/authstack/internal/spec"
	"github.com/authstack/authstack/internal/tree"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const (
	examples  = "../../examples"
	goldenDir = "../../testdata/golden"
)

// minikubeLine is the reference stack's minikube environment.
const minikubeLine = `    minikube: {url: "http://shop.local", host: shop.local}   # plain HTTP there: see docs/environments.md`

// load reads an example's spec, edited by edit when not nil.
func load(t testing.TB, example string, edit func(string) string) *spec.Stack {
	t.Helper()
	schema, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(examples, example, "stack.yaml")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		data = []byte(edit(string(data)))
	}
	stacks, err := schema.Stacks(file, data)
	if err != nil {
		t.Fatal(err)
	}
	return stacks[0]
}

// secret is the auth Secret of the reference stack with the given value,
// plus an unrelated key.
func secret(t testing.TB, value, other string) *kyaml.RNode {
	t.Helper()
	return kyaml.MustParse(fmt.Sprintf(`apiVersion: v1
kind: Secret
metadata:
  name: better-auth-secret
  namespace: shop
stringData:
  better-auth-secret: %q
  other: %q
`, value, other))
}

func build(t testing.TB, st *spec.Stack, objects ...*kyaml.RNode) *compile.Result {
	t.Helper()
	res, err := compile.Compile(st, objects)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// The reference stack's tree and every target's render, against golden
// files (go test ./internal/compile -update rewrites them).
func TestGolden(t *testing.T) {
	golden(t, "shop", secret(t, "golden-secret-value-0123456789abcdef", "x"))
	// Versioned secrets and a migration Job, with the example's own Secret.
	data, err := os.ReadFile(filepath.Join(examples, "versioned", "better-auth-secret.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "versioned", kyaml.MustParse(string(data)))
	// Two environments on one platform, with their own url, namespace,
	// replicas and patches.
	data, err = os.ReadFile(filepath.Join(examples, "staging-prod", "better-auth-secret.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "staging-prod", kyaml.MustParse(string(data)))
	// Gateway API routing on every platform (docs/gateway.md).
	data, err = os.ReadFile(filepath.Join(examples, "gateway", "better-auth-secret.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "gateway", kyaml.MustParse(string(data)))
}

func golden(t *testing.T, example string, objects ...*kyaml.RNode) {
	st := load(t, example, nil)
	res := build(t, st, objects...)
	got := map[string][]byte{}
	for _, p := range res.Tree.Paths() {
		got[filepath.Join("tree", p)] = res.Tree.File(p)
	}
	for _, target := range st.Targets() {
		out, err := res.Tree.Render("overlays/" + target)
		if err != nil {
			t.Fatal(err)
		}
		got[filepath.Join("render", target+".yaml")] = out
	}
	dir := filepath.Join(goldenDir, example)
	if *update {
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		for p, data := range got {
			name := filepath.Join(dir, p)
			if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(name, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		want[rel], err = os.ReadFile(p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for p, data := range got {
		if w, ok := want[p]; !ok {
			t.Errorf("%s: not in the golden files (run with -update)", p)
		} else if !bytes.Equal(data, w) {
			t.Errorf("%s differs from the golden file (run with -update and review the diff)", p)
		}
	}
	for p := range want {
		if _, ok := got[p]; !ok {
			t.Errorf("%s: golden file no longer generated", p)
		}
	}
}

// Same input, same bytes: across runs, and whatever the order of map
// entries in the spec.
func TestDeterministic(t *testing.T) {
	s := secret(t, "value", "x")
	a := build(t, load(t, "shop", nil), s)
	b := build(t, load(t, "shop", nil), s)
	assertSameTree(t, a.Tree, b.Tree)
	// Targets listed in another order.
	reordered := load(t, "shop", func(y string) string {
		i := strings.Index(y, "    minikube: ")
		line := y[i : i+strings.Index(y[i:], "\n")+1]
		return y[:i] + y[i+len(line):] + line
	})
	c := build(t, reordered, s)
	assertSameTree(t, a.Tree, c.Tree)
}

func assertSameTree(t *testing.T, a, b *tree.Tree) {
	t.Helper()
	if pa, pb := strings.Join(a.Paths(), " "), strings.Join(b.Paths(), " "); pa != pb {
		t.Fatalf("paths differ:\n%s\n%s", pa, pb)
	}
	for _, p := range a.Paths() {
		if !bytes.Equal(a.File(p), b.File(p)) {
			t.Errorf("%s differs", p)
		}
	}
}

// Rotating the secret changes exactly the purge Job's name and the
// pod-template annotations, and nothing else.
func TestRotationChangesOnlyHash(t *testing.T) {
	st := load(t, "shop", nil)
	a := build(t, st, secret(t, "secret-A", "x"))
	b := build(t, st, secret(t, "secret-B", "x"))
	if a.SecretHash == b.SecretHash {
		t.Fatal("hash did not change with the secret")
	}
	// Another key of the Secret changing triggers nothing.
	c := build(t, st, secret(t, "secret-A", "y"))
	if c.SecretHash != a.SecretHash {
		t.Fatal("hash changed with an unrelated key")
	}
	assertSameTree(t, a.Tree, c.Tree)

	var hashLines []string
	for _, p := range a.Tree.Paths() {
		before, after := string(a.Tree.File(p)), string(b.Tree.File(p))
		if strings.ReplaceAll(before, a.SecretHash, b.SecretHash) != after {
			t.Errorf("%s: changed beyond the hash", p)
		}
		for _, line := range strings.Split(before, "\n") {
			if strings.Contains(line, a.SecretHash) {
				hashLines = append(hashLines, p+": "+strings.TrimSpace(line))
			}
		}
	}
	want := []string{
		"bases/backend-api/deployment.yaml: authstack.dev/auth-secret-hash: " + a.SecretHash,
		"bases/frontend/deployment.yaml: authstack.dev/auth-secret-hash: " + a.SecretHash,
		"bases/jwks-purge/job.yaml: name: shop-jwks-purge-" + a.SecretHash,
	}
	if strings.Join(hashLines, "\n") != strings.Join(want, "\n") {
		t.Errorf("the hash appears at:\n%s\nwant exactly:\n%s", strings.Join(hashLines, "\n"), strings.Join(want, "\n"))
	}
	// And in every render, on the Deployments' pod templates and the Job only.
	for _, target := range st.Targets() {
		out, err := a.Tree.Render("overlays/" + target)
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(out), a.SecretHash); n != 3 {
			t.Errorf("%s: hash appears %d times, want 3", target, n)
		}
	}
}

// A revision bump rotates without a new secret value.
func TestRevisionRotates(t *testing.T) {
	s := secret(t, "secret-A", "x")
	a := build(t, load(t, "shop", nil), s)
	withRevision := func(rev string) *compile.Result {
		return build(t, load(t, "shop", func(y string) string {
			return strings.Replace(y, "      key: better-auth-secret\n", "      key: better-auth-secret\n      revision: \""+rev+"\"\n", 1)
		}), s)
	}
	r1, r2 := withRevision("1"), withRevision("2")
	if a.SecretHash == r1.SecretHash || r1.SecretHash == r2.SecretHash {
		t.Errorf("hashes %s, %s, %s: want all different", a.SecretHash, r1.SecretHash, r2.SecretHash)
	}
}

// purge: none emits no Job; the other settings reach the Job's arguments.
func TestPurgeSettings(t *testing.T) {
	s := secret(t, "v", "x")
	none := build(t, load(t, "shop", func(y string) string {
		return strings.Replace(y, "  database:\n", "    jwks:\n      purge: none\n  database:\n", 1)
	}), s)
	for _, p := range none.Tree.Paths() {
		if strings.Contains(p, "jwks-purge") {
			t.Errorf("purge: none still generates %s", p)
		}
	}
	custom := build(t, load(t, "shop", func(y string) string {
		y = strings.Replace(y, "  database:\n", "    jwks:\n      table: auth_jwks\n      purge: all\n  database:\n", 1)
		return strings.Replace(y, "    dialect: postgres\n", "    dialect: mysql\n", 1)
	}), s)
	job := string(custom.Tree.File("bases/jwks-purge/job.yaml"))
	for _, arg := range []string{"--dialect=mysql", "--table=auth_jwks", "--strategy=all"} {
		if !strings.Contains(job, "- "+arg+"\n") {
			t.Errorf("job has no argument %s:\n%s", arg, job)
		}
	}
}

// Node components get the Happy Eyeballs fix, merged with the user's own
// NODE_OPTIONS; other runtimes do not.
func TestNodeOptions(t *testing.T) {
	st := load(t, "shop", func(y string) string {
		return strings.Replace(y, "        NEXT_PUBLIC_API_URL:", "        NODE_OPTIONS: --max-old-space-size=384\n        NEXT_PUBLIC_API_URL:", 1)
	})
	res := build(t, st, secret(t, "v", "x"))
	fe := string(res.Tree.File("bases/frontend/deployment.yaml"))
	want := "value: --no-network-family-autoselection --dns-result-order=ipv4first --max-old-space-size=384\n"
	if !strings.Contains(fe, want) || strings.Count(fe, "name: NODE_OPTIONS") != 1 {
		t.Errorf("frontend NODE_OPTIONS not merged:\n%s", fe)
	}
	if !regexp.MustCompile(`name: NODE_ENV\n +value: production\n`).MatchString(fe) {
		t.Errorf("frontend has no NODE_ENV=production")
	}
	api := string(res.Tree.File("bases/backend-api/deployment.yaml"))
	if strings.Contains(api, "NODE_OPTIONS") || strings.Contains(api, "NODE_ENV") {
		t.Errorf("python component got Node settings")
	}
}

// Versioned secrets reach every component and the purge Job, whose strategy
// defaults to reencrypt; the migration Job is named by image and command,
// and the Deployments depend on it.
func TestVersionedAndMigrate(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(examples, "versioned", "better-auth-secret.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s := kyaml.MustParse(string(data))
	res := build(t, load(t, "versioned", nil), s)
	secrets := "- name: BETTER_AUTH_SECRET\n  valueFrom:\n    secretKeyRef:\n      name: journal-auth\n      key: legacy-secret\n      optional: true\n- name: BETTER_AUTH_SECRETS\n  valueFrom:\n    secretKeyRef:\n      name: journal-auth\n      key: secrets\n"
	var migrateJob string
	checked := 0
	for _, p := range res.Tree.Paths() {
		f := string(res.Tree.File(p))
		if !strings.HasPrefix(f, "apiVersion: apps/v1\nkind: Deployment\n") && !strings.HasPrefix(f, "apiVersion: batch/v1\nkind: Job\n") {
			continue
		}
		checked++
		if !strings.Contains(f, indent(secrets, strings.Repeat(" ", 8))) {
			t.Errorf("%s has not both secret variables:\n%s", p, f)
		}
		if strings.HasPrefix(p, "bases/migrate/") {
			migrateJob = f
		}
	}
	if checked != 3 {
		t.Errorf("checked %d workloads, want 3 (web, purge, migrate)", checked)
	}
	job := string(res.Tree.File("bases/jwks-purge/job.yaml"))
	if !strings.Contains(job, "- --strategy=reencrypt\n") {
		t.Errorf("purge Job does not reencrypt:\n%s", job)
	}
	name := func(r *compile.Result) string {
		f := string(r.Tree.File("bases/migrate/job.yaml"))
		return f[strings.Index(f, "  name: ")+8 : strings.Index(f, "\n  labels:")]
	}
	first := name(res)
	if !strings.HasPrefix(first, "journal-migrate-") || len(first) != len("journal-migrate-")+10 {
		t.Errorf("migrate Job name %q", first)
	}
	for _, want := range []string{"argocd.argoproj.io/sync-wave: \"-1\"", "image: ghcr.io/acme/journal-web:2.1.0", "- '@better-auth/cli'", "name: HOME\n          value: /tmp"} {
		if !strings.Contains(migrateJob, want) {
			t.Errorf("migrate Job has no %s:\n%s", want, migrateJob)
		}
	}
	// Argo CD applies a wave only once the one before is healthy: what the
	// migration Job needs must be in its wave, not in the Deployments' 0.
	for _, p := range []string{"bases/migrate/serviceaccount.yaml", "bases/migrate/networkpolicy.yaml"} {
		if f := string(res.Tree.File(p)); !strings.Contains(f, "argocd.argoproj.io/sync-wave: \"-1\"") {
			t.Errorf("%s is not in the migration's sync-wave:\n%s", p, f)
		}
	}
	dep := string(res.Tree.File("bases/web/deployment.yaml"))
	if !strings.Contains(dep, "config.kubernetes.io/depends-on: batch/namespaces/journal/Job/"+first+"\n") {
		t.Errorf("Deployment does not depend on the migration:\n%s", dep)
	}
	// A new secret keeps the migration; a new image or command reruns it.
	rotated := build(t, load(t, "versioned", nil), kyaml.MustParse(strings.Replace(string(data), "secrets: \"2:", "secrets: \"3:c0ffee0123456789c0ffee0123456789,2:", 1)))
	if rotated.SecretHash == res.SecretHash || name(rotated) != first {
		t.Errorf("rotation: hash %s -> %s, migrate Job %s -> %s", res.SecretHash, rotated.SecretHash, first, name(rotated))
	}
	for what, edit := range map[string][2]string{
		"image":   {"journal-web:2.1.0", "journal-web:2.2.0"},
		"command": {"migrate, -y]", "migrate, -y, --config, auth.ts]"},
	} {
		r := build(t, load(t, "versioned", func(y string) string { return strings.Replace(y, edit[0], edit[1], 1) }), s)
		if name(r) == first {
			t.Errorf("a new %s kept the migrate Job name %s", what, first)
		}
	}
	// minikube's pull policy reaches the migration as well.
	out, err := res.Tree.Render("overlays/minikube")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(out), "imagePullPolicy: Never"); n != 2 {
		t.Errorf("minikube render has %d imagePullPolicy: Never, want 2 (web, migrate)", n)
	}
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	return prefix + strings.Join(lines, "\n"+prefix) + "\n"
}

// An environment compiles to overlays/<name>/ as an environment named after
// its platform does, and selecting environments compiles only theirs, with
// only their platforms' overlay files.
func TestEnvironments(t *testing.T) {
	s := secret(t, "value", "x")
	orig := build(t, load(t, "shop", nil), s)
	eks := "      host: shop.example.com\n" +
		"      certificateArn: arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b\n" +
		"      roleArn: arn:aws:iam::123456789012:role/shop\n"
	st := load(t, "shop", func(y string) string {
		if !strings.Contains(y, "    eks:\n"+eks) {
			t.Fatal("the shop example's eks target changed: update this test")
		}
		return strings.Replace(y, "    eks:\n", "    staging:\n      platform: eks\n", 1) + "    prod:\n      platform: eks\n" + eks
	})
	if got, want := strings.Join(st.Targets(), " "), "aks gke minikube prod staging"; got != want {
		t.Fatalf("environments %q, want %q", got, want)
	}
	if p := st.Platform("staging"); p != "eks" {
		t.Fatalf("staging's platform is %q, want eks", p)
	}
	res := build(t, st, s)
	want, err := orig.Tree.Render("overlays/eks")
	if err != nil {
		t.Fatal(err)
	}
	for _, env := range []string{"staging", "prod"} {
		got, err := res.Tree.Render("overlays/" + env)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("render of %s differs from that of eks in the example", env)
		}
	}
	if res.Tree.File("overlays/eks/kustomization.yaml") != nil {
		t.Error("overlays/eks/ written for a stack without an eks environment")
	}

	one, err := compile.Compile(st, []*kyaml.RNode{s}, "prod")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range one.Tree.Paths() {
		if !strings.HasPrefix(p, "bases/") && !strings.HasPrefix(p, "overlays/prod/") {
			t.Errorf("--target prod wrote %s", p)
		}
	}
	if !bytes.Equal(one.Tree.File("overlays/prod/kustomization.yaml"), res.Tree.File("overlays/prod/kustomization.yaml")) {
		t.Error("overlays/prod/ differs when compiled alone")
	}
}

// objectsOf parses rendered manifests into kind/name → object.
func objectsOf(t *testing.T, out []byte) map[string]*kyaml.RNode {
	t.Helper()
	nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(out), OmitReaderAnnotations: true}).Read()
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]*kyaml.RNode{}
	for _, n := range nodes {
		m[n.GetKind()+"/"+n.GetName()] = n
	}
	return m
}

// field is the string value at path of o, "" if none.
func fieldOf(o *kyaml.RNode, path ...string) string {
	v, err := o.Pipe(kyaml.Lookup(path...))
	if err != nil || v == nil {
		return ""
	}
	return strings.TrimSpace(v.MustString())
}

// envValue is the value of the env variable name of a Deployment's only
// container.
func envValue(t *testing.T, d *kyaml.RNode, name string) string {
	t.Helper()
	v, err := d.Pipe(kyaml.Lookup("spec", "template", "spec", "containers", "[name="+d.GetName()+"]", "env", "[name="+name+"]", "value"))
	if err != nil || v == nil {
		return ""
	}
	return strings.TrimSpace(v.MustString())
}

// An environment's own url, trustedOrigins, namespace, createNamespace and
// replicas apply in its overlay only.
func TestEnvironmentFields(t *testing.T) {
	s := secret(t, "value", "x")
	orig := build(t, load(t, "shop", nil), s)
	st := load(t, "shop", func(y string) string {
		return strings.Replace(y, minikubeLine, `    minikube: {url: "http://dev.local", trustedOrigins: ["http://localhost:3000"], namespace: dev, createNamespace: false, replicas: {frontend: 1, backend-api: 2}}`, 1)
	})
	res := build(t, st, s)
	out, err := res.Tree.Render("overlays/minikube")
	if err != nil {
		t.Fatal(err)
	}
	objs := objectsOf(t, out)
	if _, ok := objs["Namespace/dev"]; ok {
		t.Error("createNamespace: false, yet a Namespace")
	}
	for id, o := range objs {
		if o.GetKind() != "Secret" && o.GetKind() != "Namespace" && o.GetNamespace() != "dev" {
			t.Errorf("%s in namespace %q, want dev", id, o.GetNamespace())
		}
	}
	for _, c := range []string{"frontend", "backend-api"} {
		d := objs["Deployment/"+c]
		if d == nil {
			t.Fatalf("no Deployment %s", c)
		}
		if got := envValue(t, d, "BETTER_AUTH_URL"); got != "http://dev.local" {
			t.Errorf("%s: BETTER_AUTH_URL %q", c, got)
		}
		if got := envValue(t, d, "BETTER_AUTH_TRUSTED_ORIGINS"); got != "http://localhost:3000" {
			t.Errorf("%s: BETTER_AUTH_TRUSTED_ORIGINS %q", c, got)
		}
	}
	if got := fieldOf(objs["Deployment/frontend"], "spec", "replicas"); got != "1" {
		t.Errorf("frontend replicas %s, want 1", got)
	}
	if got := fieldOf(objs["Deployment/backend-api"], "spec", "replicas"); got != "2" {
		t.Errorf("backend-api replicas %s, want 2", got)
	}
	// PodDisruptionBudgets follow the replicas.
	if _, ok := objs["PodDisruptionBudget/frontend"]; ok {
		t.Error("frontend has 1 replica there, yet a PodDisruptionBudget")
	}
	if _, ok := objs["PodDisruptionBudget/backend-api"]; !ok {
		t.Error("backend-api has 2 replicas there, yet no PodDisruptionBudget")
	}
	// Depends-on annotations name the environment's namespace.
	for id, o := range objs {
		if a := o.GetAnnotations()["config.kubernetes.io/depends-on"]; a != "" && !strings.Contains(a, "/namespaces/dev/") {
			t.Errorf("%s depends on %s, outside namespace dev", id, a)
		}
	}
	// The other environments are as they were.
	for _, env := range slices.DeleteFunc(st.Targets(), func(e string) bool { return e == "minikube" }) {
		a, _ := orig.Tree.Render("overlays/" + env)
		b, _ := res.Tree.Render("overlays/" + env)
		if !bytes.Equal(a, b) {
			t.Errorf("%s changed with minikube's fields", env)
		}
	}
}

// A patch kustomize cannot apply is one error on the environment's patches.
func TestPatchThatDoesNotApply(t *testing.T) {
	st := load(t, "shop", func(y string) string {
		return strings.Replace(y, minikubeLine, `    minikube: {patches: [{patch: "{apiVersion: apps/v1, kind: Deployment, metadata: {name: nope}, spec: {replicas: 3}}"}], url: "http://shop.local"}`, 1)
	})
	_, err := compile.Compile(st, []*kyaml.RNode{secret(t, "value", "x")})
	var errs spec.Diagnostics
	if !errors.As(err, &errs) || len(errs) != 1 {
		t.Fatalf("got %v, want one field error", err)
	}
	if got, want := errs[0].Error(), "stack.yaml:36:16: spec.targets.minikube.patches: kustomize cannot apply them: no resource matches strategic merge patch "; !strings.HasPrefix(strings.TrimPrefix(got, "../../examples/shop/"), want) || strings.Contains(got, "\n") {
		t.Errorf("got %q, want one line starting %q", got, want)
	}
}

// createNamespace: false at spec level leaves every environment without its
// Namespace, and an environment may turn it back on.
func TestCreateNamespace(t *testing.T) {
	st := load(t, "shop", func(y string) string {
		y = strings.Replace(y, "  namespace: shop\n", "  namespace: shop\n  createNamespace: false\n", 1)
		return strings.Replace(y, minikubeLine, `    minikube: {createNamespace: true, url: "http://shop.local"}`, 1)
	})
	res := build(t, st, secret(t, "value", "x"))
	for _, env := range st.Targets() {
		has := res.Tree.File("overlays/"+env+"/namespace.yaml") != nil
		if want := env == "minikube"; has != want {
			t.Errorf("%s: namespace.yaml written: %v, want %v", env, has, want)
		}
	}
}

// The migration Job runs with the environment's BETTER_AUTH_URL, and the
// Deployments wait for it in the environment's namespace.
func TestEnvironmentMigration(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(examples, "versioned", "better-auth-secret.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	st := load(t, "versioned", func(y string) string {
		return strings.Replace(y, "    minikube: {host: journal.example.net, tlsSecretName: journal-tls}\n", "    minikube: {url: \"http://journal.local\", namespace: journal-dev}\n", 1)
	})
	res := build(t, st, kyaml.MustParse(string(data)))
	out, err := res.Tree.Render("overlays/minikube")
	if err != nil {
		t.Fatal(err)
	}
	var job *kyaml.RNode
	for id, o := range objectsOf(t, out) {
		if o.GetKind() == "Job" && o.GetLabels()["app.kubernetes.io/component"] == "migrate" {
			job = o
		}
		if o.GetKind() == "Deployment" {
			if a := o.GetAnnotations()["config.kubernetes.io/depends-on"]; !strings.HasPrefix(a, "batch/namespaces/journal-dev/Job/") {
				t.Errorf("%s depends on %q, want the migration Job in journal-dev", id, a)
			}
		}
	}
	if job == nil {
		t.Fatal("no migration Job")
	}
	v, err := job.Pipe(kyaml.Lookup("spec", "template", "spec", "containers", "[name=migrate]", "env", "[name=BETTER_AUTH_URL]", "value"))
	if err != nil || v == nil || strings.TrimSpace(v.MustString()) != "http://journal.local" {
		t.Errorf("migration Job's BETTER_AUTH_URL: %v %v", v, err)
	}
}
