// Package runtime_test is the runtime stage (`make test-runtime`): a real
// single-node cluster (internal/realnode) on which the harness proves
// itself (restricted Pod Security, probes, Services), then the reference
// stack's minikube render runs for real with a Better Auth app, PostgreSQL
// and the authstack image as the purge Job, and its secret is rotated
// under load. The last line of the stage is the summary (see summary).
package runtime_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authstack/authstack/internal/realnode"
	"github.com/authstack/authstack/internal/testsupport"
)

// summary collects the figures of the stage's last line.
var summary = struct {
	sync.Mutex
	ready, pods int
	signin      string
	// signinURL is the rendered BETTER_AUTH_URL sign-in ran on, and
	// secureCookie whether its session cookie was Secure.
	signinURL, secureCookie string
	single, versioned       *failures
	migrate                 string // ok, fail, or n/a when not run
}{signin: "fail", migrate: "n/a", signinURL: "n/a", secureCookie: "n/a"}

// failures of one rotation: sign counts iterations that got no JWT because
// sign-in or the signing failed, verify the failed verifications of
// unexpired JWTs; sessions (a fresh session refused by /token, when old and
// new pods serve together) is reported beside them.
type failures struct{ sign, verify, sessions int }

func (f *failures) String(kind string) string {
	if f == nil {
		return "n/a"
	}
	if kind == "sign" {
		return fmt.Sprint(f.sign)
	}
	return fmt.Sprint(f.verify)
}

func TestMain(m *testing.M) {
	code := m.Run()
	s := &summary
	fmt.Printf("runtime: ready=%d/%d signin=%s versioned-failed-sign=%s versioned-failed-verify=%s single-failed-sign=%s single-failed-verify=%s migrate=%s signin-url=%s secure-cookie=%s\n",
		s.ready, s.pods, s.signin, s.versioned.String("sign"), s.versioned.String("verify"), s.single.String("sign"), s.single.String("verify"), s.migrate, s.signinURL, s.secureCookie)
	os.Exit(code)
}

// require skips the test when the machine lacks what the node needs, and
// fails it instead under CI=true, where nothing may skip silently.
func require(t *testing.T, missing []string) {
	t.Helper()
	if len(missing) == 0 {
		return
	}
	testsupport.Missing(t, "real node needs: %s (make test-runtime installs them)", strings.Join(missing, ", "))
}

// TestRuntime starts one node for every check: it comes up in about 20 s,
// so the checks share it, each in a namespace of its own.
func TestRuntime(t *testing.T) {
	opts := realnode.OptionsFromEnv()
	missing := opts.Missing()
	for _, env := range []string{"AUTHSTACK_BIN", "AUTHSTACK_IMAGE_TAR", "AUTHSTACK_IMAGE"} {
		if os.Getenv(env) == "" {
			missing = append(missing, env)
		}
	}
	require(t, missing)

	start := time.Now()
	imgDir := t.TempDir()
	images := buildImages(t, imgDir)
	opts.Images = images.tarballs
	phase(t, "images built (hello, Better Auth app)", time.Since(start))

	node := realnode.Start(t, opts)
	phase(t, "node up (etcd, apiserver, controller-manager, scheduler, containerd, kubelet, kube-proxy; images imported)", node.Started)

	t.Run("SelfTest", func(t *testing.T) { selfTest(t, node) })
	if t.Failed() {
		return
	}
	t.Run("Stack", func(t *testing.T) { stackTest(t, node, images, filepath.Join(imgDir, "stack")) })
}

// phase logs a measured phase in the form docs/runtime.md's table uses.
func phase(t *testing.T, what string, d time.Duration) {
	t.Helper()
	t.Logf("phase: %-60s %6.1fs", what, d.Seconds())
}
