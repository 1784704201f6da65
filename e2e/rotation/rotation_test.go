//go:build rotation

// Package rotation proves the rotation protocol of docs/rotation.md with
// real processes: Better Auth servers (e2e/rotation/server.mjs, from npm)
// started with the environment that the rendered Deployment resolves to, one
// PostgreSQL, the rendered Jobs run as rendered, and a load client that
// counts what fails while the secret rotates. Run it with e2e/rotation/run.sh.
package rotation

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// Timing of the phases. JWTs live jwtLifetime (the stack's
// JWT_EXPIRATION_TIME), longer than a phase, so that JWTs issued before a
// rollout or a Job are verified after it.
const (
	steadyFor   = 5 * time.Second
	afterJobFor = 3 * time.Second
	// rolledOutFor is the time between the end of a rollout and its Job.
	rolledOutFor = 3 * time.Second
	jwtLifetime  = 20 * time.Second
	// Old and new pods: N old ones, replaced one by one by M new ones.
	oldPods, newPods = 2, 2
	users            = 6
	workers          = 3
	// probedSessions are long-lived sessions, checked in turn on the live
	// pods; a lost one signs in again.
	probedSessions = 6
)

// state is the auth Secret's data at one commit of the rotation.
type state struct {
	label string
	data  map[string]string
}

type scenario struct {
	name   string
	states []state
	// versioned: the protocol must not fail; single: today's failures.
	versioned bool
}

func TestRotation(t *testing.T) {
	bin := mustEnv(t, "AUTHSTACK_BIN")
	appDir := mustEnv(t, "ROTATION_APP_DIR")
	admin := mustEnv(t, "ROTATION_DATABASE_URL")
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node not found")
	}
	a, b, c, legacy := newSecret(t), newSecret(t), newSecret(t), newSecret(t)
	scenarios := []scenario{
		{name: "versioned", versioned: true, states: []state{
			{"1:A", map[string]string{"legacy": legacy, "secrets": "1:" + a}},
			{"2:B,1:A", map[string]string{"legacy": legacy, "secrets": "2:" + b + ",1:" + a}},
			// The legacy key goes too: its variable is optional.
			{"2:B", map[string]string{"secrets": "2:" + b}},
		}},
		{name: "single", states: []state{
			{"A", map[string]string{"secret": a}},
			{"B", map[string]string{"secret": b}},
			{"C", map[string]string{"secret": c}},
		}},
	}
	secrets := []string{a, b, c, legacy}
	if u, err := url.Parse(admin); err == nil {
		if p, ok := u.User.Password(); ok {
			secrets = append(secrets, p)
		}
	}
	reports := map[string][]*phase{}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			r := &run{t: t, bin: bin, appDir: appDir, sc: sc, secrets: secrets, dir: t.TempDir()}
			r.dbURL = r.database(admin)
			reports[sc.name] = r.rotate()
			t.Logf("%s (%s):\n%s", sc.name, strings.Join(labels(sc), " → "), table(reports[sc.name]))
			r.assert(reports[sc.name])
		})
	}
}

// phase counts what happened while it lasted.
type phase struct {
	name string
	// requests are sign-in + /token pairs, onNew those on pods of the
	// newest state; failedSign are /token failures after a successful
	// sign-in; failedSignIn are sign-ins that failed.
	requests, onNew, failedSign, failedSignIn int64
	// newest is the label of the newest state when the phase began.
	newest string
	// verifications of unexpired JWTs against /jwks, and their failures.
	verifications, failedVerify int64
	// jwksErrors are /jwks requests that failed (no verification then).
	jwksErrors   int64
	sessionsLost int64
	// job is the exit status of the Job run in this phase, -1 when none.
	job int
	// reasons count the failed signings by pod and error; signed the
	// JWTs issued by each pod.
	reasons, signed map[string]int
}

type run struct {
	t       *testing.T
	bin     string
	appDir  string
	dir     string
	dbURL   string
	sc      scenario
	secrets []string

	mu      sync.Mutex
	live    []*pod
	next    atomic.Int64
	phases  []*phase
	current atomic.Pointer[phase]
	jwts    []issued
	nextPod int
}

type issued struct {
	token string
	exp   time.Time
}

// rotate runs the phases: steady → rollout → Job → steady → rollout → Job,
// then verifies the JWTs issued until the last one expires.
func (r *run) rotate() []*phase {
	t := r.t
	objs := make([]rendered, len(r.sc.states))
	for i, s := range r.sc.states {
		objs[i] = r.render(s)
	}
	if objs[0].migrate == nil || objs[0].migrate.Name != objs[2].migrate.Name {
		t.Fatalf("the migration Job is missing or renamed by a rotation")
	}
	// The first deployment: the migration Job, then the pods.
	code, out := r.job(objs[0].migrate, objs[0])
	if code != 0 {
		t.Fatalf("migration Job: exit %d\n%s", code, out)
	}
	t.Logf("migration Job %s: %s", objs[0].migrate.Name, strings.TrimSpace(out))
	r.enter("steady "+r.sc.states[0].label, r.sc.states[0].label)
	for range oldPods {
		r.start(objs[0])
	}
	stop := r.load()
	// The steady phase counts from the first JWT: pods warm up slowly on a
	// busy machine.
	for deadline := time.Now().Add(time.Minute); r.unexpired() == 0; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no JWT issued within a minute of starting the load")
		}
	}
	time.Sleep(steadyFor)
	for i := 1; i < len(r.sc.states); i++ {
		label := r.sc.states[i].label
		r.enter("rollout → "+label, label)
		r.rollout(objs[i])
		r.enter("Job "+label+" ("+objs[i].purgeStrategy()+")", label)
		code, out := r.job(objs[i].purge, objs[i])
		r.current.Load().job = code
		if code != 0 {
			t.Errorf("purge Job %s: exit %d\n%s", objs[i].purge.Name, code, out)
		} else {
			t.Logf("purge Job %s: %s", objs[i].purge.Name, strings.TrimSpace(out))
		}
		time.Sleep(afterJobFor)
		if i < len(r.sc.states)-1 {
			r.enter("steady "+label, label)
			time.Sleep(steadyFor)
		}
	}
	// Signing stops; the JWTs already issued are verified until they expire.
	stop(false)
	r.enter("until the last JWT expires", "")
	for r.unexpired() > 0 {
		time.Sleep(500 * time.Millisecond)
	}
	stop(true)
	r.mu.Lock()
	pods := r.live
	r.live = nil
	r.mu.Unlock()
	for _, p := range pods {
		p.stop()
	}
	// What the pods said about the failed signings.
	logs, _ := filepath.Glob(filepath.Join(r.dir, "pod-*.log"))
	decrypt := 0
	for _, l := range logs {
		b, _ := os.ReadFile(l)
		for _, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, "Failed to decrypt private key") {
				decrypt++
			}
		}
	}
	t.Logf("pod logs: %d lines with \"Failed to decrypt private key\"", decrypt)
	return r.phases
}

func (r *run) enter(name, newest string) {
	p := &phase{name: name, job: -1, newest: newest}
	r.mu.Lock()
	r.phases = append(r.phases, p)
	r.mu.Unlock()
	r.current.Store(p)
}

func (r *run) assert(phases []*phase) {
	t := r.t
	var sum phase
	for _, p := range phases {
		sum.requests += p.requests
		sum.failedSign += p.failedSign
		sum.failedSignIn += p.failedSignIn
		sum.verifications += p.verifications
		sum.failedVerify += p.failedVerify
		sum.jwksErrors += p.jwksErrors
		if p.verifications == 0 {
			t.Errorf("%s: no JWT verified: the load did not run", p.name)
		}
		if p.onNew == 0 && !strings.HasPrefix(p.name, "until") {
			t.Errorf("%s: no request on a pod of %s: the load did not run", p.name, p.newest)
		}
	}
	if sum.failedSignIn > 0 || sum.jwksErrors > 0 {
		t.Errorf("%d sign-ins and %d /jwks requests failed: the harness, not the rotation, is broken", sum.failedSignIn, sum.jwksErrors)
	}
	if r.sc.versioned {
		if sum.failedSign != 0 || sum.failedVerify != 0 {
			t.Errorf("versioned secrets: %d failed signings, %d failed verifications of unexpired JWTs; want 0 and 0", sum.failedSign, sum.failedVerify)
		}
		return
	}
	if sum.failedSign == 0 || sum.failedVerify == 0 {
		t.Errorf("single secret: %d failed signings, %d failed verifications; want both > 0 (today's failures), or the test cannot tell", sum.failedSign, sum.failedVerify)
	}
}

// ---- rendering and the environment of the rendered objects ----

type rendered struct {
	state      state
	deployment *appsv1.Deployment
	purge      *batchv1.Job
	migrate    *batchv1.Job
	// secrets are the Secrets the render was made from, by name.
	secrets map[string]map[string]string
}

func (o rendered) purgeStrategy() string {
	for _, a := range o.purge.Spec.Template.Spec.Containers[0].Args {
		if s, ok := strings.CutPrefix(a, "--strategy="); ok {
			return s
		}
	}
	return "?"
}

// render writes the state's Secrets and renders the stack with them.
func (r *run) render(s state) rendered {
	t := r.t
	dir := filepath.Join(r.dir, "render-"+strings.NewReplacer(":", "", ",", "-").Replace(s.label))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	secrets := map[string]map[string]string{"auth": s.data, "db": {"url": r.dbURL}}
	for name, data := range secrets {
		doc, err := yaml.Marshal(map[string]any{
			"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
			"metadata":   map[string]any{"name": name, "namespace": "rotation"},
			"stringData": data,
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".yaml"), doc, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	stack := filepath.Join("e2e", "rotation", r.sc.name, "stack.yaml")
	out := r.command(exec.Command(r.bin, "render", "-f", stack, "-f", dir, "--target", "minikube"), "authstack render")
	o := rendered{state: s, secrets: secrets}
	for _, doc := range strings.Split(out, "\n---\n") {
		var meta struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
			t.Fatal(err)
		}
		var into any
		switch {
		case meta.Kind == "Deployment":
			o.deployment = &appsv1.Deployment{}
			into = o.deployment
		case meta.Kind == "Job" && strings.HasPrefix(meta.Metadata.Name, "rotation-jwks-purge-"):
			o.purge = &batchv1.Job{}
			into = o.purge
		case meta.Kind == "Job" && strings.HasPrefix(meta.Metadata.Name, "rotation-migrate-"):
			o.migrate = &batchv1.Job{}
			into = o.migrate
		default:
			continue
		}
		if err := yaml.UnmarshalStrict([]byte(doc), into); err != nil {
			t.Fatalf("%s %s: %v", meta.Kind, meta.Metadata.Name, err)
		}
	}
	if o.deployment == nil || o.purge == nil {
		t.Fatalf("render of %s has no Deployment or no purge Job", s.label)
	}
	if o.migrate == nil && r.sc.versioned {
		t.Fatalf("render of %s has no migration Job", s.label)
	}
	return o
}

// env resolves a container's environment as the kubelet does: values, and
// secretKeyRefs against the rendered Secrets (an optional missing key sets
// nothing).
func (r *run) env(o rendered, c corev1.Container) []string {
	env := []string{"PATH=" + os.Getenv("PATH")}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom == nil:
			env = append(env, e.Name+"="+e.Value)
		case e.ValueFrom.SecretKeyRef != nil:
			ref := e.ValueFrom.SecretKeyRef
			v, ok := o.secrets[ref.Name][ref.Key]
			switch {
			case ok:
				env = append(env, e.Name+"="+v)
			case ref.Optional == nil || !*ref.Optional:
				r.t.Fatalf("%s: secretKeyRef %s/%s does not resolve: the pod would not start", e.Name, ref.Name, ref.Key)
			}
		default:
			r.t.Fatalf("%s: only values and secretKeyRefs are resolved", e.Name)
		}
	}
	return env
}

// job runs a rendered Job's container as rendered: the migration's command
// in the app's directory (its image), the purge's arguments with the
// authstack binary (the entrypoint of its image).
func (r *run) job(j *batchv1.Job, o rendered) (int, string) {
	c := j.Spec.Template.Spec.Containers[0]
	var cmd *exec.Cmd
	if len(c.Command) > 0 {
		cmd = exec.Command(c.Command[0], c.Command[1:]...)
		cmd.Dir = r.appDir
	} else {
		cmd = exec.Command(r.bin, c.Args...)
	}
	cmd.Env = r.env(o, c)
	out, err := cmd.CombinedOutput()
	r.noLeak(j.Name, string(out))
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), string(out)
	} else if err != nil {
		r.t.Fatalf("%s: %v", j.Name, err)
	}
	return 0, string(out)
}

func (r *run) command(cmd *exec.Cmd, what string) string {
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Dir = repoRoot(r.t)
	err := cmd.Run()
	// render passes the input Secrets through, as a kustomize transformer
	// does: their values belong in its output, nowhere else.
	r.noLeak(what, withoutSecrets(stdout.String())+stderr.String())
	if err != nil {
		r.t.Fatalf("%s: %v\n%s", what, err, stderr.String())
	}
	return stdout.String()
}

// withoutSecrets drops the Secret documents of a YAML stream.
func withoutSecrets(stream string) string {
	var keep []string
	for _, doc := range strings.Split(stream, "\n---\n") {
		if !strings.Contains("\n"+doc, "\nkind: Secret\n") {
			keep = append(keep, doc)
		}
	}
	return strings.Join(keep, "\n---\n")
}

// noLeak fails when authstack's output holds a secret or the database password.
func (r *run) noLeak(what, out string) {
	for _, s := range r.secrets {
		if s != "" && strings.Contains(out, s) {
			r.t.Fatalf("%s printed a secret value", what)
		}
	}
}

// database creates the scenario's own database and returns its URL.
func (r *run) database(admin string) string {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		r.t.Fatalf("connect to PostgreSQL: %v", err)
	}
	defer conn.Close(ctx)
	name := "rotation_" + r.sc.name
	for _, q := range []string{"DROP DATABASE IF EXISTS " + name, "CREATE DATABASE " + name} {
		if _, err := conn.Exec(ctx, q); err != nil {
			r.t.Fatalf("%s: %v", q, err)
		}
	}
	u, _ := url.Parse(admin)
	u.Path = "/" + name
	return u.String()
}

// ---- pods ----

type pod struct {
	label string
	// state is the label of the Secret's state the pod started with.
	state string
	base  string
	cmd   *exec.Cmd
	done  chan struct{}
	// inflight counts the load's exchanges with the pod: a pod that left
	// the endpoints finishes them before it stops, as a pod does within its
	// termination grace period.
	inflight sync.WaitGroup
}

// start runs one pod of the rendered Deployment and waits until it is ready.
func (r *run) start(o rendered) *pod {
	t := r.t
	c := o.deployment.Spec.Template.Spec.Containers[0]
	port := freePort(t)
	r.mu.Lock()
	r.nextPod++
	label := fmt.Sprintf("pod-%d (%s)", r.nextPod, o.state.label)
	r.mu.Unlock()
	log, err := os.Create(filepath.Join(r.dir, fmt.Sprintf("pod-%d.log", r.nextPod)))
	if err != nil {
		t.Fatal(err)
	}
	p := &pod{label: label, state: o.state.label, base: fmt.Sprintf("http://127.0.0.1:%d", port), done: make(chan struct{})}
	p.cmd = exec.Command("node", "server.mjs")
	p.cmd.Dir = r.appDir
	p.cmd.Env = append(r.env(o, c), fmt.Sprintf("PORT=%d", port))
	p.cmd.Stdout, p.cmd.Stderr = log, log
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// On a failure, no pod outlives the test (stopping twice is harmless).
	t.Cleanup(p.stop)
	go func() { _ = p.cmd.Wait(); log.Close(); close(p.done) }()
	// The readiness probe: the rendered health path answers 200.
	health := c.ReadinessProbe.HTTPGet.Path
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := client.Get(p.base + health)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case <-p.done:
			t.Fatalf("%s exited before it was ready (log in %s)", label, r.dir)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready after 60s", label)
		}
		time.Sleep(100 * time.Millisecond)
	}
	r.mu.Lock()
	r.live = append(r.live, p)
	r.mu.Unlock()
	return p
}

// stop terminates a pod gracefully, as the kubelet does.
func (p *pod) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// rollout replaces the live pods one by one with pods of o (maxSurge 1,
// maxUnavailable 0): a new pod is ready before an old one leaves the
// endpoints, and the old one stops after a grace period.
func (r *run) rollout(o rendered) {
	r.mu.Lock()
	old := append([]*pod(nil), r.live...)
	r.mu.Unlock()
	for i := range max(len(old), newPods) {
		if i < newPods {
			r.start(o)
		}
		if i < len(old) {
			r.mu.Lock()
			for j, p := range r.live {
				if p == old[i] {
					r.live = append(r.live[:j:j], r.live[j+1:]...)
					break
				}
			}
			r.mu.Unlock()
			old[i].inflight.Wait()
			old[i].stop()
		}
		time.Sleep(time.Second)
	}
	// Rolled out: only new pods serve until the reconciler sees the
	// Deployment healthy and starts the Job.
	time.Sleep(rolledOutFor)
}

// pick returns the next live pod, round robin; call done when finished
// with it.
func (r *run) pick() (p *pod, done func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p = r.live[int(r.next.Add(1))%len(r.live)]
	p.inflight.Add(1)
	return p, p.inflight.Done
}

// ---- the load client ----

var client = &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}

type user struct{ email, password string }

// load starts the workers (sign-in + /token, round robin), the session
// prober and the JWT verifier. stop(false) stops signing; stop(true) stops
// everything.
func (r *run) load() func(all bool) {
	origin := r.origin()
	us := make([]user, users)
	for i := range us {
		us[i] = user{fmt.Sprintf("%s-%d@example.com", r.sc.name, i), hex.EncodeToString(randomBytes(r.t, 12))}
		p, done := r.pick()
		_, err := r.auth(p, origin, "sign-up/email", us[i], `,"name":"Load"`)
		done()
		if err != nil {
			r.t.Fatalf("sign-up: %v", err)
		}
	}
	var signing, probing sync.WaitGroup
	stopSigning, stopAll := make(chan struct{}), make(chan struct{})
	for w := range workers {
		signing.Add(1)
		go func() {
			defer signing.Done()
			for i := w; ; i += workers {
				select {
				case <-stopSigning:
					return
				default:
				}
				r.signAndToken(origin, us[i%len(us)])
			}
		}()
	}
	probing.Add(2)
	go func() {
		defer probing.Done()
		r.probeSessions(origin, us, stopAll)
	}()
	go func() {
		defer probing.Done()
		for {
			select {
			case <-stopAll:
				return
			case <-time.After(500 * time.Millisecond):
				r.verifyAll()
			}
		}
	}()
	var signingOnce, allOnce sync.Once
	stop := func(all bool) {
		signingOnce.Do(func() { close(stopSigning); signing.Wait() })
		if all {
			allOnce.Do(func() { close(stopAll); probing.Wait() })
		}
	}
	// On a failure, nothing may log after the test ends.
	r.t.Cleanup(func() { stop(true) })
	return stop
}

// origin is the rendered BETTER_AUTH_URL: requests come through the Ingress.
func (r *run) origin() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.live[0].cmd.Env {
		if v, ok := strings.CutPrefix(e, "BETTER_AUTH_URL="); ok {
			return strings.TrimSuffix(v, "/")
		}
	}
	r.t.Fatal("no BETTER_AUTH_URL in the pod's environment")
	return ""
}

// signAndToken signs in on one pod and asks the same pod for a JWT.
func (r *run) signAndToken(origin string, u user) {
	p, done := r.pick()
	defer done()
	cookie, err := r.auth(p, origin, "sign-in/email", u, "")
	if err != nil {
		atomic.AddInt64(&r.current.Load().failedSignIn, 1)
		r.t.Logf("%s: sign-in: %v", p.label, err)
		return
	}
	// The request counts in the phase in which /token is asked: the
	// sign-in before it may take seconds on a busy machine.
	ph := r.current.Load()
	atomic.AddInt64(&ph.requests, 1)
	if p.state == ph.newest {
		atomic.AddInt64(&ph.onNew, 1)
	}
	fail := func(why string) {
		atomic.AddInt64(&ph.failedSign, 1)
		r.mu.Lock()
		if ph.reasons == nil {
			ph.reasons = map[string]int{}
		}
		ph.reasons[p.label+": "+why]++
		r.mu.Unlock()
	}
	req, _ := http.NewRequest("GET", p.base+"/api/auth/token", nil)
	req.Header.Set("cookie", cookie)
	resp, err := client.Do(req)
	if err != nil {
		fail(err.Error())
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var tok struct {
		Token string `json:"token"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &tok) != nil || tok.Token == "" {
		fail(fmt.Sprintf("HTTP %d %.120s", resp.StatusCode, body))
		return
	}
	claims, err := decodeClaims(tok.Token)
	if err != nil {
		fail(err.Error())
		return
	}
	r.mu.Lock()
	r.jwts = append(r.jwts, issued{tok.Token, time.Unix(claims.Exp, 0)})
	if ph.signed == nil {
		ph.signed = map[string]int{}
	}
	ph.signed[p.label]++
	r.mu.Unlock()
}

// auth posts credentials and returns the session cookies.
func (r *run) auth(p *pod, origin, path string, u user, extra string) (string, error) {
	body := fmt.Sprintf(`{"email":%q,"password":%q%s}`, u.email, u.password, extra)
	req, _ := http.NewRequest("POST", p.base+"/api/auth/"+path, strings.NewReader(body))
	req.Header.Set("content-type", "application/json")
	req.Header.Set("origin", origin)
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return "", fmt.Errorf("HTTP %d %.200s", resp.StatusCode, b)
	}
	var parts []string
	for _, c := range resp.Cookies() {
		parts = append(parts, c.Name+"="+c.Value)
	}
	if len(parts) == 0 {
		return "", errors.New("no session cookie")
	}
	return strings.Join(parts, "; "), nil
}

// probeSessions keeps probedSessions sessions, each checked every 300ms on
// the next pod; a session that a pod no longer accepts is lost (its user is
// signed out) and its user signs in again.
func (r *run) probeSessions(origin string, us []user, stop chan struct{}) {
	var wg sync.WaitGroup
	for k := range probedSessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u, cookie := us[k%len(us)], ""
			for {
				select {
				case <-stop:
					return
				case <-time.After(300 * time.Millisecond):
				}
				p, done := r.pick()
				if cookie == "" {
					cookie, _ = r.auth(p, origin, "sign-in/email", u, "")
					done()
					continue
				}
				req, _ := http.NewRequest("GET", p.base+"/api/auth/get-session", nil)
				req.Header.Set("cookie", cookie)
				resp, err := client.Do(req)
				done()
				if err != nil {
					continue
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK && strings.TrimSpace(string(body)) == "null" {
					atomic.AddInt64(&r.current.Load().sessionsLost, 1)
					cookie = ""
				}
			}
		}()
	}
	wg.Wait()
}

func (r *run) unexpired() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, j := range r.jwts {
		if time.Until(j.exp) > time.Second {
			n++
		}
	}
	return n
}

// verifyAll verifies every JWT that has more than a second left against the
// /jwks of the next live pod.
func (r *run) verifyAll() {
	ph := r.current.Load()
	p, done := r.pick()
	keys, err := fetchJWKS(p.base + "/api/auth/jwks")
	done()
	if err != nil {
		atomic.AddInt64(&ph.jwksErrors, 1)
		r.t.Logf("%s: /jwks: %v", p.label, err)
		return
	}
	r.mu.Lock()
	var live []issued
	for _, j := range r.jwts {
		if time.Until(j.exp) > time.Second {
			live = append(live, j)
		}
	}
	r.jwts = live
	r.mu.Unlock()
	for _, j := range live {
		atomic.AddInt64(&ph.verifications, 1)
		if err := verify(j.token, keys); err != nil {
			atomic.AddInt64(&ph.failedVerify, 1)
		}
	}
}

type claims struct {
	Exp int64 `json:"exp"`
}

func decodeClaims(token string) (claims, error) {
	var c claims
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return c, errors.New("not a JWS")
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return c, err
	}
	return c, json.Unmarshal(b, &c)
}

func fetchJWKS(u string) (map[string]ed25519.PublicKey, error) {
	resp, err := client.Get(u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	var set struct {
		Keys []struct {
			Kid string `json:"kid"`
			Kty string `json:"kty"`
			Crv string `json:"crv"`
			X   string `json:"x"`
		} `json:"keys"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		return nil, err
	}
	keys := map[string]ed25519.PublicKey{}
	for _, k := range set.Keys {
		if k.Kty != "OKP" || k.Crv != "Ed25519" {
			continue
		}
		x, err := base64.RawURLEncoding.DecodeString(k.X)
		if err != nil || len(x) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("key %s: bad x", k.Kid)
		}
		keys[k.Kid] = ed25519.PublicKey(x)
	}
	return keys, nil
}

// verify checks an EdDSA JWS (Better Auth's default key type) against a key
// set: its kid must be there and the signature must hold.
func verify(token string, keys map[string]ed25519.PublicKey) error {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return errors.New("not a JWS")
	}
	hb, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return err
	}
	var h struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	if err := json.Unmarshal(hb, &h); err != nil {
		return err
	}
	key, ok := keys[h.Kid]
	if !ok || h.Alg != "EdDSA" {
		return fmt.Errorf("no key %s (%s) in /jwks", h.Kid, h.Alg)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return err
	}
	if !ed25519.Verify(key, []byte(parts[0]+"."+parts[1]), sig) {
		return errors.New("bad signature")
	}
	return nil
}

// ---- helpers ----

func labels(sc scenario) []string {
	var out []string
	for _, s := range sc.states {
		out = append(out, s.label)
	}
	return out
}

// table is the phases as a Markdown table.
func table(phases []*phase) string {
	var b strings.Builder
	b.WriteString("| phase | requests (on new pods) | failed signings | verifications | failed verifications of unexpired JWTs | sessions lost |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|\n")
	for _, p := range phases {
		fmt.Fprintf(&b, "| %s | %d (%d) | %d | %d | %d | %d |\n", p.name, p.requests, p.onNew, p.failedSign, p.verifications, p.failedVerify, p.sessionsLost)
	}
	for _, p := range phases {
		var pods []string
		for pod, n := range p.signed {
			pods = append(pods, fmt.Sprintf("%s %d", pod, n))
		}
		sort.Strings(pods)
		fmt.Fprintf(&b, "%s: JWTs issued by %s\n", p.name, strings.Join(pods, ", "))
		for why, n := range p.reasons {
			fmt.Fprintf(&b, "%s: %d× %s\n", p.name, n, why)
		}
	}
	return b.String()
}

func mustEnv(t *testing.T, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		t.Fatalf("%s is not set: run e2e/rotation/run.sh", name)
	}
	return v
}

func newSecret(t *testing.T) string { return hex.EncodeToString(randomBytes(t, 32)) }

func randomBytes(t *testing.T, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func repoRoot(t *testing.T) string {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(wd, "..", "..")
}
