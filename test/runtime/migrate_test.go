package runtime_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
)

const (
	migrateNS = "shop-migrate"
	migrateDB = "authstack_migrate"
	// The command of spec.auth.migrate: Better Auth's own migration
	// (getMigrations(options).runMigrations(), better-auth/db/migration)
	// with the app's options, shipped in the app image (app/server.mjs).
	migrateLine = `migrate: {component: frontend, command: [/usr/bin/node, /app/server.mjs, migrate]}`
)

// Better Auth's tables with email+password and the JWT plugin.
var authTables = []string{"account", "jwks", "session", "user", "verification"}

// migrateTest deploys the reference stack with spec.auth.migrate added, in
// a namespace and database of its own, with the app images that do not
// create tables on start (no MIGRATE_ON_START: the app stays unready while
// its schema is incomplete). The database starts empty; the migration Job
// must create Better Auth's tables and complete before any pod of the
// Deployments is created; then every pod is Ready and sign-in works.
func migrateTest(t *testing.T, ref *stackEnv, pg *pgServer, imgs testImages) {
	summary.Lock()
	summary.migrate = "fail"
	summary.Unlock()
	e := &stackEnv{
		node: ref.node, bin: ref.bin, dir: ref.dir + "-migrate", ns: migrateNS, migrate: migrateLine,
		images: map[string]string{
			"ghcr.io/acme/shop-frontend:1.4.2": frontendJobImage,
			"ghcr.io/acme/shop-api:2.0.0":      apiJobImage,
			"ghcr.io/authstack/authstack:":     imgs.authstack,
		},
	}
	if err := os.MkdirAll(e.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	pg.createDB(t, migrateDB)
	e.db = pg.url(migrateDB)
	tables := func() string {
		return pg.psql(t, migrateDB, "-c", "select string_agg(table_name, ' ' order by table_name) from information_schema.tables where table_schema = 'public'")
	}
	if got := tables(); got != "" {
		t.Fatalf("tables before the migration: %q, want none", got)
	}
	e.writeInput(t, newSecret(t))
	e.applyNamespace(t)
	kubectl(t, e.node, []byte(dbSecret(e.ns, e.db)), "apply", "--server-side", "--field-manager=user", "-f", "-")

	start := time.Now()
	var migrated time.Duration
	e.deploy(t, func(step string) {
		if step == "apply" {
			migrated = time.Since(start)
		}
	})
	phase(t, "migration Job complete (spec.auth.migrate)", migrated)
	phase(t, "migrate stack deployed: migration, rollouts, purge Job", time.Since(start))
	if e.migrated == "" {
		t.Fatal("deploy ran no migration Job")
	}
	if got, want := tables(), strings.Join(authTables, " "); got != want {
		t.Errorf("tables after the migration Job: %q, want %q", got, want)
	}
	t.Logf("migration Job %s: %s", e.migrated, kubectl(t, e.node, nil, "-n", e.ns, "logs", "job/"+e.migrated))
	checkStartedAfter(t, e)
	e.checkPods(t)
	if t.Failed() {
		return
	}
	c := authClient{http: e.node.HTTPClient(10 * time.Second), base: e.serviceURL(t, frontendSvc, frontendPort)}
	signInCheck(t, e, c)
	if !t.Failed() {
		summary.Lock()
		summary.migrate = "ok"
		summary.Unlock()
	}
}

// checkStartedAfter checks that every pod of the Deployments was created,
// and its containers started and became Ready, no earlier than the
// migration Job's completion (API times have a resolution of one second).
func checkStartedAfter(t *testing.T, e *stackEnv) {
	t.Helper()
	out := kubectl(t, e.node, nil, "-n", e.ns, "get", "pods", "-o", "json")
	var list struct {
		Items []struct {
			Metadata struct {
				Name              string
				CreationTimestamp time.Time
				OwnerReferences   []struct{ Kind string }
			}
			Status struct {
				Conditions []struct {
					Type, Status       string
					LastTransitionTime time.Time
				}
				ContainerStatuses []struct {
					Name  string
					State struct {
						Running *struct{ StartedAt time.Time }
					}
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatal(err)
	}
	done := e.migrateDone
	n := 0
	for _, p := range list.Items {
		if len(p.Metadata.OwnerReferences) > 0 && p.Metadata.OwnerReferences[0].Kind == "Job" {
			continue
		}
		n++
		name := p.Metadata.Name
		if p.Metadata.CreationTimestamp.Before(done) {
			t.Errorf("pod %s created at %s, before the migration Job completed at %s", name, p.Metadata.CreationTimestamp.Format(time.RFC3339), done.Format(time.RFC3339))
		}
		for _, c := range p.Status.ContainerStatuses {
			if c.State.Running == nil || c.State.Running.StartedAt.Before(done) {
				t.Errorf("pod %s container %s: not running, or started before the migration Job completed at %s", name, c.Name, done.Format(time.RFC3339))
			}
		}
		for _, c := range p.Status.Conditions {
			if c.Type == "Ready" && c.Status == "True" {
				t.Logf("pod %s: created %+.0fs, Ready %+.0fs after the migration Job completed", name,
					p.Metadata.CreationTimestamp.Sub(done).Seconds(), c.LastTransitionTime.Sub(done).Seconds())
			}
		}
	}
	if n == 0 {
		t.Error("no pod of the Deployments")
	}
}
