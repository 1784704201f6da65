package runtime_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/authstack/authstack/internal/realnode"
	"github.com/authstack/authstack/internal/testsupport"
)

const (
	stackNS     = "shop"
	stackTarget = "minikube"
	// applySet names the ApplySet, as test/conformance does.
	applySet     = "authstack-shop"
	fieldManager = "authstack-runtime"
	// The app's Services, as rendered.
	frontendSvc  = "frontend"
	frontendPort = "3000"
	apiSvc       = "backend-api"
	apiPort      = "8000"
	rollTimeout  = "5m"
)

// stackEnv is what the stack checks share.
type stackEnv struct {
	node *realnode.Node
	ns   string // the stack's namespace: spec.namespace, rewritten when not stackNS
	// migrate, when set, is the spec.auth.migrate line the test adds.
	migrate string
	// summarize: the checks of this stack are the summary's figures.
	summarize bool
	bin       string // authstack binary
	dir       string // render input: stack.yaml and the Secret
	images    map[string]string
	db        string // DATABASE_URL
	job       string // name of the current purge Job
	// migrated is the name of the last migration Job deploy ran, and
	// migrateDone when it completed (its status.completionTime).
	migrated    string
	migrateDone time.Time
	legacy      string // the current BETTER_AUTH_SECRET value
	// authURL is the BETTER_AUTH_URL the render gives every Deployment
	// (the minikube environment's url); sign-in runs as a browser on it.
	authURL string
}

// stackTest deploys the reference stack's minikube render with the local
// images, checks it serves, then rotates its secret under load.
func stackTest(t *testing.T, node *realnode.Node, imgs testImages, dir string) {
	env := &stackEnv{
		node: node, bin: os.Getenv("AUTHSTACK_BIN"), dir: dir, ns: stackNS, summarize: true,
		images: map[string]string{
			"ghcr.io/acme/shop-frontend:1.4.2": frontendImage,
			"ghcr.io/acme/shop-api:2.0.0":      apiImage,
			// The default purge image, whatever version it names.
			"ghcr.io/authstack/authstack:": imgs.authstack,
		},
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	pg := startPostgres(t, node)
	env.db = pg.url("authstack")
	phase(t, "PostgreSQL up in the node's network namespace", time.Since(start))

	env.writeInput(t, newSecret(t))
	env.applyNamespace(t)
	kubectl(t, node, []byte(dbSecret(stackNS, env.db)), "apply", "--server-side", "--field-manager=user", "-f", "-")

	start = time.Now()
	env.deploy(t, nil)
	phase(t, "reference stack deployed: rollouts done, purge Job complete", time.Since(start))
	env.checkPods(t)
	if t.Failed() {
		return
	}
	client := authClient{http: node.HTTPClient(10 * time.Second), base: env.serviceURL(t, frontendSvc, frontendPort)}
	t.Run("SignIn", func(t *testing.T) { signInCheck(t, env, client) })
	if t.Failed() {
		return
	}
	rotated := t.Run("RotateSingleSecret", func(t *testing.T) {
		f := rotate(t, env, client, singleSecret)
		summary.Lock()
		summary.single = f
		summary.Unlock()
	})
	if rotated {
		t.Run("RotateVersioned", func(t *testing.T) {
			// Switch the stack to versioned secrets (not measured), then
			// rotate by prepending a new version.
			env.writeFiles(t, "secrets", env.legacy, "1:"+env.legacy)
			env.deploy(t, nil)
			f := rotate(t, env, client, versionedSecret)
			summary.Lock()
			summary.versioned = f
			summary.Unlock()
		})
	}
	t.Run("Migrate", func(t *testing.T) { migrateTest(t, env, pg, imgs) })
}

// writeInput writes the render input: the reference stack's spec as it is,
// and its Secret with the given value.
func (e *stackEnv) writeInput(t *testing.T, secret string) {
	t.Helper()
	e.writeFiles(t, "", secret, "")
}

// writeFiles writes the spec, with versionsKey when versions (the
// BETTER_AUTH_SECRETS value) is set, and the Secret.
func (e *stackEnv) writeFiles(t *testing.T, versionsKey, legacy, versions string) {
	t.Helper()
	spec, err := os.ReadFile("../../examples/shop/stack.yaml")
	if err != nil {
		t.Fatal(err)
	}
	data := fmt.Sprintf("  better-auth-secret: %s\n", legacy)
	edit := func(line, add string) {
		t.Helper()
		if !bytes.Contains(spec, []byte(line)) {
			t.Fatalf("examples/shop/stack.yaml has no %q", line)
		}
		spec = bytes.Replace(spec, []byte(line), []byte(add), 1)
	}
	const key = "      key: better-auth-secret\n"
	if e.migrate != "" {
		edit(key, key+"    "+e.migrate+"\n")
	}
	if versionsKey != "" {
		edit(key, key+"      versionsKey: "+versionsKey+"\n")
		data += fmt.Sprintf("  %s: %q\n", versionsKey, versions)
	}
	if e.ns != stackNS {
		edit("  namespace: "+stackNS+"\n", "  namespace: "+e.ns+"\n")
	}
	if err := os.WriteFile(filepath.Join(e.dir, "stack.yaml"), spec, 0o600); err != nil {
		t.Fatal(err)
	}
	s := fmt.Sprintf("apiVersion: v1\nkind: Secret\nmetadata:\n  name: better-auth-secret\n  namespace: %s\ntype: Opaque\nstringData:\n%s", e.ns, data)
	if err := os.WriteFile(filepath.Join(e.dir, "better-auth-secret.yaml"), []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	e.legacy = legacy
}

// rendered is one render, split as deploy applies it.
type rendered struct {
	app       []byte // every document but the purge Job
	purge     []byte // the purge Job
	purgeName string
	// The migration Job (spec.auth.migrate) with its ServiceAccount and
	// NetworkPolicy (label app.kubernetes.io/component: migrate) and the
	// auth Secret if rendered (the Job reads it), all also in app, and the
	// Job's name; empty without spec.auth.migrate.
	migrate     []byte
	migrateName string
	hasSecret   bool // the auth Secret is among the documents
	// namespace is the rendered Namespace (also in app), nsName its name
	// and nsLabels its labels; authURL the BETTER_AUTH_URL of every
	// Deployment.
	namespace []byte
	nsName    string
	nsLabels  map[string]string
	authURL   string
}

// render runs `authstack render --target minikube` and maps the images.
// render may pass the auth Secret through; then it is applied with the
// rest.
func (e *stackEnv) render(t *testing.T) rendered {
	t.Helper()
	out := e.mapImages(t, []byte(testsupport.Runner{}.MustRun(t, "", nil, e.bin, "render", "-f", e.dir, "--target", stackTarget)))
	var r rendered
	var appDocs, migrateDocs []string
	for _, doc := range strings.Split(string(out), "\n---\n") {
		var meta struct {
			Kind     string
			Metadata struct {
				Name   string
				Labels map[string]string
			}
		}
		if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
			t.Fatalf("rendered document: %v", err)
		}
		if meta.Kind == "Namespace" {
			if r.namespace != nil {
				t.Fatalf("two Namespaces rendered: %s, %s", r.nsName, meta.Metadata.Name)
			}
			r.namespace, r.nsName, r.nsLabels = []byte(doc), meta.Metadata.Name, meta.Metadata.Labels
		}
		secret := meta.Kind == "Secret" && meta.Metadata.Name == "better-auth-secret"
		r.hasSecret = r.hasSecret || secret
		migrate := meta.Metadata.Labels["app.kubernetes.io/component"] == "migrate"
		switch {
		case meta.Kind == "Job" && migrate:
			r.migrateName = meta.Metadata.Name
		case meta.Kind == "Job":
			if r.purgeName != "" {
				t.Fatalf("two purge Jobs rendered: %s, %s", r.purgeName, meta.Metadata.Name)
			}
			r.purge, r.purgeName = []byte(doc), meta.Metadata.Name
			continue
		}
		if migrate || secret {
			migrateDocs = append(migrateDocs, doc)
		}
		appDocs = append(appDocs, doc)
	}
	if r.purgeName == "" {
		t.Fatal("no purge Job rendered")
	}
	if (e.migrate != "") != (r.migrateName != "") {
		t.Fatalf("spec.auth.migrate %q, rendered migration Job %q", e.migrate, r.migrateName)
	}
	urls := map[string]bool{}
	for _, m := range authURLLine.FindAllSubmatch(out, -1) {
		urls[string(m[1])] = true
	}
	if len(urls) != 1 {
		t.Fatalf("rendered BETTER_AUTH_URL values %v, want one", urls)
	}
	for u := range urls {
		r.authURL = u
	}
	r.app = []byte(strings.Join(appDocs, "\n---\n"))
	r.migrate = []byte(strings.Join(migrateDocs, "\n---\n"))
	return r
}

var (
	imageLine   = regexp.MustCompile(`(?m)^(\s*image: )(\S+)$`)
	authURLLine = regexp.MustCompile(`(?m)^\s*- name: BETTER_AUTH_URL\n\s*value: (\S+)$`)
)

// applyNamespace renders the stack and applies the Namespace the render
// emits (the environment's, labelled restricted), as the first apply on a
// fresh cluster does, so that the Secrets the stack reads can be created
// in it and everything runs under the output's own Pod Security labels.
// It records the rendered BETTER_AUTH_URL.
func (e *stackEnv) applyNamespace(t *testing.T) {
	t.Helper()
	r := e.render(t)
	if r.nsName != e.ns {
		t.Fatalf("rendered Namespace %q, want %q (the environment's namespace)", r.nsName, e.ns)
	}
	for _, mode := range []string{"enforce", "audit", "warn"} {
		if v := r.nsLabels["pod-security.kubernetes.io/"+mode]; v != "restricted" {
			t.Fatalf("rendered Namespace %s: pod-security.kubernetes.io/%s=%q, want restricted", r.nsName, mode, v)
		}
	}
	kubectl(t, e.node, r.namespace, "apply", "--server-side", "--field-manager="+fieldManager, "--validate=strict", "-f", "-")
	e.authURL = r.authURL
	t.Logf("rendered Namespace %s applied (enforce=restricted); rendered BETTER_AUTH_URL %s", r.nsName, r.authURL)
}

// mapImages replaces every image of the render by its local image; it
// fails on an image it cannot map, so that nothing is ever pulled.
func (e *stackEnv) mapImages(t *testing.T, manifests []byte) []byte {
	t.Helper()
	var unmapped []string
	out := imageLine.ReplaceAllFunc(manifests, func(line []byte) []byte {
		m := imageLine.FindSubmatch(line)
		ref := string(m[2])
		for from, to := range e.images {
			if ref == from || strings.HasSuffix(from, ":") && strings.HasPrefix(ref, from) {
				return []byte(string(m[1]) + to)
			}
		}
		unmapped = append(unmapped, ref)
		return line
	})
	if len(unmapped) > 0 {
		t.Fatalf("rendered images without a local image: %v", unmapped)
	}
	return out
}

// apply applies manifests as the ApplySet, pruning what they no longer
// hold (as test/conformance/rotation_test.go does).
func (e *stackEnv) apply(t *testing.T, manifests []byte) {
	t.Helper()
	kubectl(t, e.node, manifests, "apply", "--server-side", "--field-manager="+fieldManager,
		"--prune", "--applyset="+applySet, "--namespace="+e.ns, "--validate=strict", "-f", "-")
}

// deploy follows the README's order for kubectl: with spec.auth.migrate,
// first apply the migration Job with its ServiceAccount and NetworkPolicy
// (`-l app.kubernetes.io/component=migrate`, no pruning: the running
// Deployments stay) and wait for it to complete; then apply (pruning the
// old Jobs), wait for every Deployment's rollout, then apply the new purge
// Job and wait for it to complete. mark, when set, is called at each step
// (the load client's phases).
func (e *stackEnv) deploy(t *testing.T, mark func(string)) {
	t.Helper()
	if mark == nil {
		mark = func(string) {}
	}
	r := e.render(t)
	if !r.hasSecret {
		// render leaves the Secret out: apply it as its owner would.
		kubectl(t, e.node, nil, "apply", "--server-side", "--field-manager=user", "-f", filepath.Join(e.dir, "better-auth-secret.yaml"))
	}
	if r.migrateName != "" {
		mark("migrate")
		kubectl(t, e.node, r.migrate, "apply", "--server-side", "--field-manager="+fieldManager,
			"--namespace="+e.ns, "--validate=strict", "-f", "-")
		kubectl(t, e.node, nil, "-n", e.ns, "wait", "--for=condition=complete", "job/"+r.migrateName, "--timeout="+rollTimeout)
		done := kubectl(t, e.node, nil, "-n", e.ns, "get", "job", r.migrateName, "-o", "jsonpath={.status.completionTime}")
		at, err := time.Parse(time.RFC3339, done)
		if err != nil {
			t.Fatalf("migration Job %s completionTime %q: %v", r.migrateName, done, err)
		}
		e.migrated, e.migrateDone = r.migrateName, at
	}
	mark("apply")
	e.apply(t, r.app)
	mark("rollout")
	for _, d := range []string{frontendSvc, apiSvc} {
		kubectl(t, e.node, nil, "-n", e.ns, "rollout", "status", "deployment/"+d, "--timeout="+rollTimeout)
	}
	mark("purge")
	e.apply(t, append(append(r.app, "\n---\n"...), r.purge...))
	kubectl(t, e.node, nil, "-n", e.ns, "wait", "--for=condition=complete", "job/"+r.purgeName, "--timeout="+rollTimeout)
	e.job = r.purgeName
	mark("after")
}

// checkPods checks that every pod of the Deployments is Ready, with a
// read-only root filesystem, and records the figures for the summary.
func (e *stackEnv) checkPods(t *testing.T) {
	t.Helper()
	out := kubectl(t, e.node, nil, "-n", e.ns, "get", "pods", "-o", "json")
	var list struct {
		Items []struct {
			Metadata struct {
				Name              string
				DeletionTimestamp *string
				OwnerReferences   []struct{ Kind string }
			}
			Spec struct {
				Containers []struct {
					SecurityContext struct{ ReadOnlyRootFilesystem bool }
				}
			}
			Status struct {
				Phase      string
				Conditions []struct{ Type, Status string }
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatal(err)
	}
	ready, pods := 0, 0
	for _, p := range list.Items {
		if len(p.Metadata.OwnerReferences) > 0 && p.Metadata.OwnerReferences[0].Kind == "Job" {
			continue
		}
		if p.Status.Phase == "Succeeded" || p.Status.Phase == "Failed" || p.Metadata.DeletionTimestamp != nil {
			continue // done, or an old pod on its way out
		}
		pods++
		ok := false
		for _, c := range p.Status.Conditions {
			ok = ok || c.Type == "Ready" && c.Status == "True"
		}
		if ok {
			ready++
		} else {
			t.Errorf("pod %s not Ready", p.Metadata.Name)
		}
		for _, c := range p.Spec.Containers {
			if !c.SecurityContext.ReadOnlyRootFilesystem {
				t.Errorf("pod %s: a container without a read-only root filesystem", p.Metadata.Name)
			}
		}
	}
	if e.summarize {
		summary.Lock()
		summary.ready, summary.pods = ready, pods
		summary.Unlock()
	}
	if pods != 3 {
		t.Errorf("%d pods of the Deployments, want 3 (frontend 2, backend-api 1)", pods)
	}
	t.Logf("pods Ready: %d/%d", ready, pods)
	// The root filesystem really is read-only, and /tmp (an emptyDir) is not.
	probe := `const fs=require("fs");for(const p of ["/x","/tmp/x"]){try{fs.writeFileSync(p,"x");console.log(p+"=ok")}catch(e){console.log(p+"="+e.code)}}`
	got := kubectl(t, e.node, nil, "-n", e.ns, "exec", "deployment/"+frontendSvc, "--", "/usr/bin/node", "-e", probe)
	if strings.Join(strings.Fields(got), " ") != "/x=EROFS /tmp/x=ok" {
		t.Errorf("writes in the frontend pod: %q, want /x=EROFS /tmp/x=ok", got)
	}
}

// serviceURL is the base URL of a Service's ClusterIP.
func (e *stackEnv) serviceURL(t *testing.T, svc, port string) string {
	t.Helper()
	ip := kubectl(t, e.node, nil, "-n", e.ns, "get", "service", svc, "-o", "jsonpath={.spec.clusterIP}")
	return "http://" + ip + ":" + port
}

const (
	loadEmail    = "load@example.com"
	loadPassword = "test-only-password-1" // a test user of a throwaway database
)

// signInCheck: the health endpoints answer through both Services, and, as
// a browser on the rendered BETTER_AUTH_URL (over the plain HTTP of the
// frontend Service, as minikube serves it): a user signs up and in with
// that URL's origin (a request from another origin is refused, so the
// origin really is checked), the session cookie is not Secure when the URL
// is http and the cookie jar carries it to /token, and the JWT verifies
// against /jwks.
func signInCheck(t *testing.T, e *stackEnv, c authClient) {
	if _, err := get(c.http, e.serviceURL(t, apiSvc, apiPort)+"/health"); err != nil {
		t.Fatalf("backend-api Service: %v", err)
	}
	if _, err := get(c.http, c.base+"/api/health"); err != nil {
		t.Fatalf("frontend Service: %v", err)
	}
	u, err := url.Parse(e.authURL)
	if err != nil || u.Host == "" {
		t.Fatalf("rendered BETTER_AUTH_URL %q: not a URL", e.authURL)
	}
	origin := u.Scheme + "://" + u.Host
	b := c.browser(origin)
	if err := b.signUp(loadEmail, loadPassword); err != nil {
		t.Fatalf("sign-up with Origin %s: %v", origin, err)
	}
	// The same origin with the other scheme is not trusted.
	other := "https://" + u.Host
	if u.Scheme == "https" {
		other = "http://" + u.Host
	}
	if _, err := c.browser(other).signIn(loadEmail, loadPassword); err == nil || !strings.Contains(err.Error(), "403") {
		t.Fatalf("sign-in with Origin %s (untrusted): %v, want 403", other, err)
	}
	if _, err := b.signIn(loadEmail, "wrong-password"); err == nil {
		t.Fatal("sign-in with a wrong password succeeded")
	}
	ck, err := b.signInCookie(loadEmail, loadPassword)
	if err != nil {
		t.Fatalf("sign-in with Origin %s: %v", origin, err)
	}
	if e.summarize {
		summary.Lock()
		summary.signinURL, summary.secureCookie = e.authURL, fmt.Sprint(ck.Secure)
		summary.Unlock()
	}
	if ck.Secure && u.Scheme == "http" {
		t.Fatalf("session cookie %s is Secure with BETTER_AUTH_URL %s: a browser drops it over http", ck.Name, e.authURL)
	}
	tok, err := b.token("") // the cookie jar's cookies only
	if err != nil {
		t.Fatalf("token with the cookie jar's session (cookie %s, Secure=%v): %v", ck.Name, ck.Secure, err)
	}
	keys, err := c.jwks()
	if err != nil {
		t.Fatalf("jwks: %v", err)
	}
	if err := verifyJWT(tok, keys, time.Now()); err != nil {
		t.Fatalf("JWT from /token does not verify against /jwks: %v", err)
	}
	t.Logf("signed in as a browser on %s over http://%s: Origin trusted, cookie %s Secure=%v carried by the cookie jar, JWT verified",
		e.authURL, strings.TrimPrefix(c.base, "http://"), ck.Name, ck.Secure)
	if e.summarize {
		summary.Lock()
		summary.signin = "ok"
		summary.Unlock()
	}
}

// newSecret returns a fresh random auth secret (never printed).
func newSecret(t *testing.T) string {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func dbSecret(ns, url string) string {
	return fmt.Sprintf("apiVersion: v1\nkind: Secret\nmetadata:\n  name: postgres-credentials\n  namespace: %s\ntype: Opaque\nstringData:\n  database-url: %q\n", ns, url)
}

// pgServer is the test's PostgreSQL: bin is its binaries' directory, dir
// holds its data and its Unix socket (local connections are trusted).
type pgServer struct{ bin, dir, password string }

// url is the URL of database db for the pods (on the node IP).
func (p *pgServer) url(db string) string {
	return "postgres://authstack:" + p.password + "@" + realnode.NodeIP + ":5432/" + db + "?sslmode=disable"
}

// psql runs psql as the postgres user over the Unix socket; extra are its
// further arguments (e.g. -c SQL). Its output is returned trimmed.
func (p *pgServer) psql(t *testing.T, db string, extra ...string) string {
	t.Helper()
	args := append([]string{"-u", "postgres", "--", p.bin + "/psql", "-h", p.dir, "-p", "5432", "-U", "authstack", "-d", db, "-XAt", "-v", "ON_ERROR_STOP=1"}, extra...)
	out, err := exec.Command("runuser", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("psql %v: %v\n%s", extra, err, out)
	}
	return strings.TrimSpace(string(out))
}

// createDB creates database db.
func (p *pgServer) createDB(t *testing.T, db string) {
	t.Helper()
	if out, err := exec.Command("runuser", "-u", "postgres", "--", p.bin+"/createdb", "-h", p.dir, "-p", "5432", "-U", "authstack", db).CombinedOutput(); err != nil {
		t.Fatalf("createdb %s: %v\n%s", db, err, out)
	}
}

// startPostgres runs Debian's PostgreSQL as a process inside the node's
// network namespace, on the node IP, with a database "authstack". It is
// stopped before the node (and killed with the namespace's processes if
// not).
func startPostgres(t *testing.T, node *realnode.Node) *pgServer {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	if len(bins) == 0 {
		t.Fatal("PostgreSQL not installed (make test-runtime installs Debian's postgresql)")
	}
	sort.Strings(bins)
	bin := bins[len(bins)-1]
	dir := filepath.Join(os.TempDir(), "authstack-realnode-pg")
	data := filepath.Join(dir, "data")
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	run := func(cmd *exec.Cmd) {
		t.Helper()
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
		}
	}
	password := newSecret(t)
	pwfile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwfile, []byte(password), 0o600); err != nil {
		t.Fatal(err)
	}
	run(exec.Command("chown", "-R", "postgres:", dir))
	asPG := func(argv ...string) []string { return append([]string{"-u", "postgres", "--"}, argv...) }
	run(exec.Command("runuser", asPG(bin+"/initdb", "-D", data, "-U", "authstack", "--pwfile="+pwfile,
		"--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8")...))
	os.Remove(pwfile)
	hba, err := os.OpenFile(filepath.Join(data, "pg_hba.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(hba, "host all all 10.250.0.0/16 scram-sha-256")
	hba.Close()
	t.Cleanup(func() {
		exec.Command("runuser", asPG(bin+"/pg_ctl", "stop", "-D", data, "-m", "immediate")...).Run()
		os.RemoveAll(dir)
	})
	if err := node.StartProcess("postgres", append([]string{"runuser"}, asPG(bin+"/postgres", "-D", data,
		"-c", "listen_addresses="+realnode.NodeIP, "-p", "5432", "-c", "unix_socket_directories="+dir,
		"-c", "fsync=off", "-c", "max_connections=200")...)...); err != nil {
		t.Fatal(err)
	}
	waitFor(t, time.Minute, "PostgreSQL", func() (bool, string) {
		out, err := node.Command(bin+"/pg_isready", "-h", realnode.NodeIP, "-p", "5432").CombinedOutput()
		return err == nil, string(out)
	})
	pg := &pgServer{bin: bin, dir: dir, password: password}
	pg.createDB(t, "authstack")
	return pg
}
