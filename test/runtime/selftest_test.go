package runtime_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/authstack/authstack/internal/realnode"
)

const restrictedNS = `apiVersion: v1
kind: Namespace
metadata:
  name: %s
  labels:
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/enforce-version: latest
    pod-security.kubernetes.io/warn: restricted
`

// rootPod breaks the restricted profile in the ways it exists to stop.
const rootPod = `apiVersion: v1
kind: Pod
metadata: {name: root, namespace: selftest}
spec:
  containers:
  - name: app
    image: ` + helloImage + `
    imagePullPolicy: Never
    securityContext: {runAsUser: 0, privileged: true}
`

// selfWorkloads: a restricted Deployment behind a Service, and a control
// whose readiness probe targets a closed port.
const selfWorkloads = `apiVersion: apps/v1
kind: Deployment
metadata: {name: hello, namespace: selftest}
spec:
  replicas: 2
  selector: {matchLabels: {app: hello}}
  template:
    metadata: {labels: {app: hello}}
    spec:
      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
      containers:
      - name: app
        image: ` + helloImage + `
        imagePullPolicy: Never
        ports: [{containerPort: 8080, name: http}]
        readinessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 2}
        securityContext:
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          capabilities: {drop: [ALL]}
---
apiVersion: v1
kind: Service
metadata: {name: hello, namespace: selftest}
spec:
  selector: {app: hello}
  ports: [{port: 80, targetPort: http}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: never-ready, namespace: selftest}
spec:
  replicas: 1
  selector: {matchLabels: {app: never-ready}}
  template:
    metadata: {labels: {app: never-ready}}
    spec:
      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
      containers:
      - name: app
        image: ` + helloImage + `
        imagePullPolicy: Never
        readinessProbe: {httpGet: {path: /healthz, port: 9999}, periodSeconds: 1}
        securityContext:
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          capabilities: {drop: [ALL]}
`

// selfTest proves the harness: Pod Security admission really refuses, a
// readiness probe really runs (and can fail), pods really serve through a
// Service.
func selfTest(t *testing.T, node *realnode.Node) {
	kubectl(t, node, []byte(fmt.Sprintf(restrictedNS, "selftest")), "apply", "-f", "-")

	t.Run("RestrictedRefusesRootPod", func(t *testing.T) {
		_, err := node.Kubectl([]byte(rootPod), "apply", "-f", "-")
		if err == nil {
			t.Fatal("a privileged pod running as root was admitted into a restricted namespace")
		}
		if !strings.Contains(err.Error(), "violates PodSecurity") {
			t.Fatalf("refused for another reason than Pod Security: %v", err)
		}
	})

	start := time.Now()
	kubectl(t, node, []byte(selfWorkloads), "apply", "-f", "-")
	kubectl(t, node, nil, "-n", "selftest", "rollout", "status", "deployment/hello", "--timeout=3m")
	phase(t, "restricted Deployment (2 replicas) Ready", time.Since(start))

	t.Run("FailingProbeKeepsPodUnready", func(t *testing.T) {
		// Running with its container started, then 5 s (5 probe periods)
		// later still not Ready.
		jp := `{.items[0].status.phase}/{.items[0].status.containerStatuses[0].started}/{.items[0].status.containerStatuses[0].ready}`
		waitFor(t, 2*time.Minute, "never-ready pod running", func() (bool, string) {
			out, err := node.Kubectl(nil, "-n", "selftest", "get", "pod", "-l", "app=never-ready", "-o", "jsonpath="+jp)
			return err == nil && strings.HasPrefix(out, "Running/true/"), out
		})
		time.Sleep(5 * time.Second)
		out := kubectl(t, node, nil, "-n", "selftest", "get", "pod", "-l", "app=never-ready", "-o", "jsonpath="+jp)
		if out != "Running/true/false" {
			t.Fatalf("pod with a failing readiness probe: %s, want Running/true/false", out)
		}
	})

	t.Run("ServiceRoutes", func(t *testing.T) {
		ip := kubectl(t, node, nil, "-n", "selftest", "get", "service", "hello", "-o", "jsonpath={.spec.clusterIP}")
		client := node.HTTPClient(5 * time.Second)
		hosts := map[string]bool{}
		for i := 0; i < 20; i++ {
			body, err := get(client, "http://"+ip+"/")
			if err != nil {
				t.Fatalf("GET through Service %s: %v", ip, err)
			}
			if !strings.Contains(body, "uid=10001 rootWritable=false") {
				t.Fatalf("pod answered %q: want uid 10001 (image user) and a read-only root", body)
			}
			hosts[strings.Fields(body)[0]] = true
		}
		if len(hosts) != 2 {
			t.Errorf("Service reached %d pods of 2 in 20 requests: %v", len(hosts), hosts)
		}
	})
	kubectl(t, node, nil, "delete", "namespace", "selftest", "--wait=false")
}

// kubectl runs kubectl and fails the test on error.
func kubectl(t *testing.T, node *realnode.Node, stdin []byte, args ...string) string {
	t.Helper()
	out, err := node.Kubectl(stdin, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// waitFor polls cond every 500 ms until it holds or timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last string
	for {
		ok, state := cond()
		if ok {
			return
		}
		last = state
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after %s (last: %s)", what, timeout, last)
		}
		time.Sleep(500 * time.Millisecond)
	}
}
