// Package conformance_test checks the compiler's output against a real
// kube-apiserver and kube-controller-manager: golden files only prove that
// the output did not change, these tests prove that a cluster accepts it.
package conformance_test

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/authstack/authstack/internal/testcluster"
)

// fieldManager owns every field the tests apply.
const fieldManager = "authstack-conformance"

// startCluster starts the cluster with the CRDs of testdata/crds installed.
func startCluster(t *testing.T) *testcluster.Cluster {
	t.Helper()
	kubeBin := requireEnv(t, "AUTHSTACK_KUBE_BIN", "directory holding kube-apiserver, kube-controller-manager and kubectl")
	c := testcluster.Start(t, kubeBin)
	// Server-side: the ExternalSecret CRD is too big for client-side
	// apply's last-applied annotation.
	if _, err := c.Kubectl(nil, "apply", "--server-side", "--field-manager="+fieldManager,
		"-f", filepath.Join(repoRoot, "testdata", "crds")); err != nil {
		t.Fatalf("install CRDs: %v", err)
	}
	if _, err := c.Kubectl(nil, "wait", "--for=condition=Established", "crd", "--all", "--timeout=60s"); err != nil {
		t.Fatalf("wait for CRDs: %v", err)
	}
	return c
}

// createRestrictedNamespace creates a namespace in which the Pod Security
// Standard "restricted" is enforced (pods are rejected) and warned about
// (workload templates draw warnings, which the checks turn into errors).
func createRestrictedNamespace(t *testing.T, c *testcluster.Cluster, name string) {
	t.Helper()
	ns := fmt.Sprintf(`apiVersion: v1
kind: Namespace
metadata:
  name: %s
  labels:
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/enforce-version: latest
    pod-security.kubernetes.io/warn: restricted
    pod-security.kubernetes.io/warn-version: latest
`, name)
	if _, err := c.Kubectl([]byte(ns), "apply", "--server-side", "--field-manager="+fieldManager, "-f", "-"); err != nil {
		t.Fatalf("create namespace %s: %v", name, err)
	}
}

// gkeIngressClassWarning is the one apiserver warning the output may draw:
// GKE selects its ingress controller only by this annotation and ignores
// spec.ingressClassName, so the GKE Ingress must carry it (see
// docs/conformance.md). Only the GKE overlay writes the annotation.
const gkeIngressClassWarning = `Warning: annotation "kubernetes.io/ingress.class" is deprecated, please use 'spec.ingressClassName' instead`

// checkStderr fails on anything kubectl wrote to stderr, warnings included,
// but the GKE ingress-class warning.
func checkStderr(stderr string) error {
	for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
		if line = strings.TrimSpace(line); line != "" && line != gkeIngressClassWarning {
			return fmt.Errorf("kubectl wrote to stderr: %s", strings.TrimSpace(stderr))
		}
	}
	return nil
}

// dryRunApply server-side applies manifests with --dry-run=server in
// namespace ns: every admission plugin (PodSecurity included) and strict
// field validation run, nothing is stored. Any error or warning, but the
// GKE ingress-class one, is returned as an error.
func dryRunApply(c *testcluster.Cluster, ns string, manifests []byte) error {
	res, err := c.Kubectl(manifests, "apply", "--server-side", "--dry-run=server",
		"--validate=strict", "--field-manager="+fieldManager,
		"--namespace="+ns, "-f", "-")
	if err != nil {
		return err
	}
	return checkStderr(res.Stderr)
}

// TestConformance runs the cluster checks on one control plane: the
// harness self-test, the server-side dry run of every example on every
// target, and the secret-rotation lifecycle.
func TestConformance(t *testing.T) {
	bin := authstackBin(t)
	c := startCluster(t)
	t.Run("harness", func(t *testing.T) { testHarness(t, c) })
	t.Run("dry-run", func(t *testing.T) { testDryRun(t, c, bin) })
	t.Run("readme-gatewayclasses", func(t *testing.T) { testReadmeGatewayClasses(t, c) })
	t.Run("rotation", func(t *testing.T) { testRotation(t, c, bin) })
}

// testHarness proves that the dry-run check can fail: manifests that break
// the restricted policy, strict validation or a CRD's schema are refused.
func testHarness(t *testing.T, c *testcluster.Cluster) {
	const ns = "conformance-harness"
	createRestrictedNamespace(t, c, ns)
	cases := []struct {
		name, manifest, want string
	}{{
		name: "privileged pod is rejected",
		manifest: `apiVersion: v1
kind: Pod
metadata: {name: privileged}
spec:
  containers:
  - name: c
    image: busybox
    securityContext: {privileged: true}
`,
		want: `violates PodSecurity "restricted:latest"`,
	}, {
		name: "privileged deployment is warned about",
		manifest: `apiVersion: apps/v1
kind: Deployment
metadata: {name: privileged}
spec:
  selector: {matchLabels: {app: privileged}}
  template:
    metadata: {labels: {app: privileged}}
    spec:
      containers:
      - name: c
        image: busybox
        securityContext: {privileged: true}
`,
		want: `would violate PodSecurity "restricted:latest"`,
	}, {
		name: "unknown field is rejected",
		manifest: `apiVersion: v1
kind: Service
metadata: {name: typo}
spec:
  ports: [{port: 80, targetPrt: 8080}]
`,
		want: `.targetPrt: field not declared in schema`,
	}, {
		name: "custom resource of the wrong type is rejected",
		manifest: `apiVersion: cloud.google.com/v1
kind: BackendConfig
metadata: {name: wrong}
spec:
  healthCheck: {port: "3000"}
`,
		want: `.spec.healthCheck.port: expected numeric`,
	}, {
		// The Gateway API CRDs' validation rules run (CEL, not only types).
		name: "gateway listener breaking a CEL rule is rejected",
		manifest: `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: wrong}
spec:
  gatewayClassName: eg
  listeners:
  - {name: http, protocol: HTTP, port: 80, tls: {mode: Terminate, certificateRefs: [{name: x}]}}
`,
		want: `tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']`,
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := dryRunApply(c, ns, []byte(tc.manifest))
			if err == nil {
				t.Fatal("dry run accepted the manifest")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("dry run failed for another reason than %q: %v", tc.want, err)
			}
		})
	}
	t.Run("valid manifest is accepted", func(t *testing.T) {
		if err := dryRunApply(c, ns, []byte(`apiVersion: v1
kind: ServiceAccount
metadata: {name: fine}
`)); err != nil {
			t.Fatal(err)
		}
	})
}

// testDryRun applies every environment of every example with
// --dry-run=server in a restricted namespace: the Namespace the output
// carries, applied for real after its labels are checked, else one made by
// the test.
func testDryRun(t *testing.T, c *testcluster.Cluster, bin string) {
	for _, ex := range loadExamples(t) {
		for _, env := range ex.envs {
			t.Run(ex.name+"/"+env.name, func(t *testing.T) {
				out := render(t, bin, env.name, ex.stack, ex.secret)
				objs := parseObjects(t, out)
				ns := env.namespace
				if ns == "" {
					// Objects without a namespace land in the one given to kubectl.
					ns = "conformance-" + ex.name + "-" + env.name
				}
				if err := applyOwnNamespace(t, c, out, ns, env.platform); err != nil {
					t.Fatal(err)
				}
				if err := dryRunApply(c, ns, out); err != nil {
					t.Fatalf("apiserver refused the %s output (%v): %v", env.name, kinds(objs), err)
				}
			})
		}
	}
}

// applyOwnNamespace creates namespace ns: from the Namespace object of the
// output, which must be there when the environment has a namespace and must
// enforce, audit and warn about Pod Security restricted, else as the test's
// own restricted namespace.
func applyOwnNamespace(t *testing.T, c *testcluster.Cluster, out []byte, ns, platform string) error {
	t.Helper()
	var own *kyaml.RNode
	nodes, err := (&kio.ByteReader{Reader: bytes.NewReader(out), OmitReaderAnnotations: true}).Read()
	if err != nil {
		return err
	}
	for _, n := range nodes {
		if n.GetKind() == "Namespace" {
			if own != nil || n.GetName() != ns {
				return fmt.Errorf("Namespace %s in the output; want one, %s", n.GetName(), ns)
			}
			own = n
		}
	}
	if own == nil {
		createRestrictedNamespace(t, c, ns)
		return nil
	}
	labels := own.GetLabels()
	for _, mode := range []string{"enforce", "audit", "warn"} {
		if labels["pod-security.kubernetes.io/"+mode] != "restricted" {
			return fmt.Errorf("Namespace %s: pod-security.kubernetes.io/%s is %q, want restricted", ns, mode, labels["pod-security.kubernetes.io/"+mode])
		}
	}
	if gate := labels["elbv2.k8s.aws/pod-readiness-gate-inject"]; (platform == "eks") != (gate == "enabled") {
		return fmt.Errorf("Namespace %s on %s: elbv2.k8s.aws/pod-readiness-gate-inject is %q", ns, platform, gate)
	}
	res, err := c.Kubectl([]byte(own.MustString()), "apply", "--server-side", "--field-manager="+fieldManager, "-f", "-")
	if err != nil {
		return fmt.Errorf("create the output's Namespace %s: %w", ns, err)
	}
	return checkStderr(res.Stderr)
}
