package conformance_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/authstack/authstack/internal/testcluster"
)

const (
	// hashAnnotation is set by the compiler on every pod template that
	// reads the Better Auth secret; its value changes with the secret.
	hashAnnotation = "authstack.dev/auth-secret-hash"
	// rotationExample is the example whose lifecycle is exercised: the
	// reference stack, which purges JWKS and so renders a purge Job.
	rotationExample = "shop"
	// rolloutTimeout bounds how long the controller-manager may take to
	// create ReplicaSets and Pods.
	rolloutTimeout = time.Minute
)

// statusKinds are kinds whose status the controller-manager keeps writing,
// which bumps resourceVersion without anything being applied. For them
// "unchanged" means the same metadata.generation (which moves with the
// spec) and the same labels and annotations.
var statusKinds = map[string]bool{
	"Deployment":              true,
	"ReplicaSet":              true,
	"StatefulSet":             true,
	"DaemonSet":               true,
	"Job":                     true,
	"PodDisruptionBudget":     true,
	"HorizontalPodAutoscaler": true,
	// Its controller writes its status; without one, the apiserver stores
	// the CRD's default status (Waiting for controller) on the first
	// update after the create, which moves resourceVersion.
	"Gateway": true,
}

// testRotation runs the secret-rotation lifecycle of the reference stack on
// every target, for real, each target in a namespace of its own: apply v1
// with pruning, rotate the secret, apply v2 with pruning, apply v2 again.
func testRotation(t *testing.T, c *testcluster.Cluster, bin string) {
	var ex *example
	for _, e := range loadExamples(t) {
		if e.name == rotationExample {
			ex = &e
		}
	}
	if ex == nil {
		t.Fatalf("example %q not found", rotationExample)
	}
	for _, target := range targets {
		t.Run(target, func(t *testing.T) { testRotationOn(t, c, bin, *ex, target) })
	}
}

func testRotationOn(t *testing.T, c *testcluster.Cluster, bin string, ex example, target string) {
	ns := "rotation-" + target
	createRestrictedNamespace(t, c, ns)
	dir := t.TempDir()
	stack := writeStackIn(t, ex, ns, filepath.Join(dir, "stack.yaml"))
	secretV1 := writeSecretIn(t, ex, ns, "", filepath.Join(dir, "secret-v1.yaml"))
	secretV2 := writeSecretIn(t, ex, ns, "rotated-0123456789abcdef0123456789abcdef", filepath.Join(dir, "secret-v2.yaml"))

	// render passes the auth Secret through: it is applied with the rest.
	// The database Secret is not among the inputs: create it as a user would.
	if _, err := c.Kubectl(nil, "create", "secret", "generic", ex.dbName, "--namespace="+ns,
		"--from-literal="+ex.dbKey+"=postgres://shop:shop@postgres:5432/shop"); err != nil {
		t.Fatalf("create database secret: %v", err)
	}

	// v1.
	v1 := render(t, bin, target, stack, secretV1)
	objs1 := parseObjects(t, v1)
	job1, hash1 := rotationParts(t, ex, objs1)
	applyPruned(t, c, ns, ex.stackName, v1)
	waitForPods(t, c, ns, objs1, job1, hash1)
	before := snapshot(t, c, ns, objs1)

	// Rotate the secret and render v2.
	v2 := render(t, bin, target, stack, secretV2)
	objs2 := parseObjects(t, v2)
	job2, hash2 := rotationParts(t, ex, objs2)
	if hash2 == hash1 {
		t.Fatalf("rotating the secret left %s at %s", hashAnnotation, hash1)
	}
	if job2 == job1 {
		t.Fatalf("rotating the secret kept the purge Job name %s", job1)
	}
	if got, want := keys(objs2, job2), keys(objs1, job1); !slices.Equal(got, want) {
		t.Fatalf("rotation changed the set of objects besides the purge Job:\nv1: %v\nv2: %v", want, got)
	}
	applyPruned(t, c, ns, ex.stackName, v2)

	// The new purge Job exists and has Pods; the old one was pruned.
	waitForPods(t, c, ns, objs2, job2, hash2)
	waitGone(t, c, ns, "job.batch/"+job1)

	// Every component using the secret got a new ReplicaSet (waitForPods
	// found one with the new hash); nothing else changed.
	var unchanged []object
	for _, o := range objs1 {
		// render passes the rotated Secret itself through: it changed too.
		if o.Kind == "Job" && o.Metadata.Name == job1 || usesSecret(o) || o.Kind == "Secret" {
			continue
		}
		unchanged = append(unchanged, o)
	}
	after := snapshot(t, c, ns, unchanged)
	for k, v := range after {
		if before[k] != v {
			t.Errorf("%s changed although only the secret was rotated: %s, then %s", k, before[k], v)
		}
	}

	// Applying v2 again is a no-op: no write, no new ReplicaSet. (kubectl
	// diff cannot tell: it knows nothing of the ApplySet label.)
	before = snapshot(t, c, ns, objs2)
	rsBefore := replicaSets(t, c, ns)
	applyPruned(t, c, ns, ex.stackName, v2)
	after = snapshot(t, c, ns, objs2)
	if !maps.Equal(before, after) {
		t.Errorf("applying v2 twice changed objects:\nbefore: %v\nafter:  %v", before, after)
	}
	if rsAfter := replicaSets(t, c, ns); !slices.Equal(rsBefore, rsAfter) {
		t.Errorf("applying v2 twice changed ReplicaSets: %v, then %v", rsBefore, rsAfter)
	}
}

// rotationParts returns the name of the one purge Job and the one secret
// hash of the rendered objects.
func rotationParts(t *testing.T, ex example, objs []object) (job, hash string) {
	t.Helper()
	prefix := ex.stackName + "-jwks-purge-"
	for _, o := range objs {
		if o.Kind == "Job" && strings.HasPrefix(o.Metadata.Name, prefix) {
			if job != "" {
				t.Fatalf("two purge Jobs: %s and %s", job, o.Metadata.Name)
			}
			job = o.Metadata.Name
		}
		// A Deployment that reads the secret without the annotation would
		// keep running with the old secret after a rotation.
		if o.Kind == "Deployment" && o.readsSecret(ex.secretName) != usesSecret(o) {
			t.Fatalf("Deployment %s: reads Secret %s: %t, but has %s: %t",
				o.Metadata.Name, ex.secretName, o.readsSecret(ex.secretName), hashAnnotation, usesSecret(o))
		}
		if h := o.Spec.Template.Metadata.Annotations[hashAnnotation]; h != "" {
			if hash != "" && h != hash {
				t.Fatalf("pod templates disagree on %s: %s and %s", hashAnnotation, hash, h)
			}
			hash = h
		}
	}
	if job == "" || hash == "" {
		t.Fatalf("rendered output has no purge Job %s<hash> (found %q) or no pod template annotated %s (found %q); kinds: %v",
			prefix, job, hashAnnotation, hash, kinds(objs))
	}
	return job, hash
}

// usesSecret reports whether o is a Deployment whose pods read the secret.
func usesSecret(o object) bool {
	return o.Kind == "Deployment" && o.Spec.Template.Metadata.Annotations[hashAnnotation] != ""
}

// keys lists the sorted keys of objs, leaving out the object named skip.
func keys(objs []object, skip string) []string {
	var ks []string
	for _, o := range objs {
		if o.Metadata.Name != skip {
			ks = append(ks, o.key())
		}
	}
	slices.Sort(ks)
	return ks
}

// applyPruned really applies manifests as the ApplySet "authstack-<name>":
// objects of the set that the manifests no longer contain are deleted.
func applyPruned(t *testing.T, c *testcluster.Cluster, ns, name string, manifests []byte) {
	t.Helper()
	res, err := c.Kubectl(manifests, "apply", "--server-side", "--field-manager="+fieldManager,
		"--prune", "--applyset=authstack-"+name, "--namespace="+ns,
		"--validate=strict", "-f", "-")
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	if err := checkStderr(res.Stderr); err != nil {
		t.Fatal(err)
	}
}

// writeStackIn writes the example's spec with spec.namespace set to ns.
func writeStackIn(t *testing.T, ex example, ns, path string) string {
	t.Helper()
	return rewriteYAML(t, ex.stack, path, func(doc map[string]any) {
		doc["spec"].(map[string]any)["namespace"] = ns
	})
}

// writeSecretIn writes the example's Secret in namespace ns, with value
// as the secret when not empty.
func writeSecretIn(t *testing.T, ex example, ns, value, path string) string {
	t.Helper()
	return rewriteYAML(t, ex.secret, path, func(doc map[string]any) {
		doc["metadata"].(map[string]any)["namespace"] = ns
		if value != "" {
			delete(doc, "data")
			doc["stringData"] = map[string]any{ex.secretKey: value}
		}
	})
}

func rewriteYAML(t *testing.T, from, to string, edit func(map[string]any)) string {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatalf("read %s: %v", from, err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("parse %s: %v", from, err)
	}
	edit(doc)
	out, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatalf("encode %s: %v", to, err)
	}
	if err := os.WriteFile(to, out, 0o644); err != nil {
		t.Fatalf("write %s: %v", to, err)
	}
	return to
}

// liveObject is the part of a live object the checks compare.
type liveObject struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name            string            `json:"name"`
		ResourceVersion string            `json:"resourceVersion"`
		Generation      int64             `json:"generation"`
		Labels          map[string]string `json:"labels"`
		Annotations     map[string]string `json:"annotations"`
		OwnerReferences []struct {
			Kind string `json:"kind"`
			Name string `json:"name"`
		} `json:"ownerReferences"`
	} `json:"metadata"`
	Spec struct {
		Template struct {
			Metadata struct {
				Annotations map[string]string `json:"annotations"`
			} `json:"metadata"`
		} `json:"template"`
	} `json:"spec"`
	Status struct {
		Replicas   int `json:"replicas"`
		Active     int `json:"active"`
		Conditions []struct {
			Type, Message string
		} `json:"conditions"`
	} `json:"status"`
}

func (o liveObject) key() string {
	g, _, ok := strings.Cut(o.APIVersion, "/")
	if !ok {
		g = ""
	}
	return g + "/" + o.Kind + "/" + o.Metadata.Name
}

// get lists live objects; kubectl fails if any named object is missing.
func get(t *testing.T, c *testcluster.Cluster, ns string, refs ...string) []liveObject {
	t.Helper()
	res, err := c.Kubectl(nil, append([]string{"get", "--namespace=" + ns, "--output=json"}, refs...)...)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	var list struct{ Items []liveObject }
	if err := json.Unmarshal([]byte(res.Stdout), &list); err != nil {
		t.Fatalf("parse kubectl get output: %v", err)
	}
	return list.Items
}

// snapshot records the version of each object that only a change of the
// object itself moves (see statusKinds).
func snapshot(t *testing.T, c *testcluster.Cluster, ns string, objs []object) map[string]string {
	t.Helper()
	var refs []string
	for _, o := range objs {
		refs = append(refs, o.ref())
	}
	out := map[string]string{}
	for _, o := range get(t, c, ns, refs...) {
		if statusKinds[o.Kind] {
			meta, err := json.Marshal([]any{o.Metadata.Labels, o.Metadata.Annotations})
			if err != nil {
				t.Fatalf("encode metadata: %v", err)
			}
			out[o.key()] = fmt.Sprintf("generation %d %s", o.Metadata.Generation, meta)
		} else {
			out[o.key()] = "resourceVersion " + o.Metadata.ResourceVersion
		}
	}
	if len(out) != len(objs) {
		t.Fatalf("got %d live objects for %d rendered ones", len(out), len(objs))
	}
	return out
}

// replicaSets lists the names of the namespace's ReplicaSets, sorted.
func replicaSets(t *testing.T, c *testcluster.Cluster, ns string) []string {
	t.Helper()
	var names []string
	for _, rs := range get(t, c, ns, "replicasets.apps") {
		names = append(names, rs.Metadata.Name)
	}
	slices.Sort(names)
	return names
}

// waitForPods waits until the controller-manager has created Pods for the
// purge Job and, for every Deployment using the secret, a ReplicaSet of the
// given hash with Pods. Pods are created for real, so this also proves that
// the restricted policy admits the pod templates and that their
// ServiceAccounts exist.
func waitForPods(t *testing.T, c *testcluster.Cluster, ns string, objs []object, job, hash string) {
	t.Helper()
	var missing []string
	for deadline := time.Now().Add(rolloutTimeout); ; {
		missing = missing[:0]
		live := get(t, c, ns, "replicasets.apps,jobs.batch")
		for _, o := range objs {
			if !usesSecret(o) {
				continue
			}
			found := false
			for _, rs := range live {
				if rs.Kind == "ReplicaSet" && len(rs.Metadata.OwnerReferences) == 1 &&
					rs.Metadata.OwnerReferences[0].Name == o.Metadata.Name &&
					rs.Spec.Template.Metadata.Annotations[hashAnnotation] == hash && rs.Status.Replicas > 0 {
					found = true
				}
			}
			if !found {
				missing = append(missing, "ReplicaSet with pods of Deployment "+o.Metadata.Name)
			}
		}
		if !slices.ContainsFunc(live, func(j liveObject) bool {
			return j.Kind == "Job" && j.Metadata.Name == job && j.Status.Active > 0
		}) {
			missing = append(missing, "pods of Job "+job)
		}
		if len(missing) == 0 {
			return
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	// Events carry the reason, e.g. a PodSecurity rejection (FailedCreate).
	events, _ := c.Kubectl(nil, "get", "events", "--namespace="+ns)
	t.Fatalf("after %s, still missing (hash %s): %v\nevents:\n%s", rolloutTimeout, hash, missing, events.Stdout)
}

// waitGone waits until the object ref no longer exists.
func waitGone(t *testing.T, c *testcluster.Cluster, ns, ref string) {
	t.Helper()
	for deadline := time.Now().Add(rolloutTimeout); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		res, err := c.Kubectl(nil, "get", "--namespace="+ns, "--ignore-not-found", "--output=name", ref)
		if err != nil {
			t.Fatalf("get %s: %v", ref, err)
		}
		if strings.TrimSpace(res.Stdout) == "" {
			return
		}
	}
	t.Fatalf("%s still exists %s after it was pruned", ref, rolloutTimeout)
}
