package e2e

import (
	"bytes"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/authstack/authstack/internal/testsupport"
)

// The binary on bad input: exit 1 with one line per mistake, never a crash,
// never the secret or its base64 on stdout or stderr (run checks the
// value itself), in CLI and KRM mode. Each case failed before the YAML
// layer: a crash, the secret echoed, or exit 0.
func TestBadInputBinary(t *testing.T) {
	bin := tool(t, "AUTHSTACK_BIN", "authstack")
	dir := t.TempDir()
	data, err := os.ReadFile(refSpec)
	if err != nil {
		t.Fatal(err)
	}
	spec := string(data)
	secret := abs(t, refSecret)
	files := map[string]string{
		"in-field.yaml": strings.Replace(spec, "image: ghcr.io/acme/shop-api:2.0.0", "image: x "+secretValue, 1),
		"b64.yaml":      strings.Replace(spec, "image: ghcr.io/acme/shop-api:2.0.0", "image: x "+base64.StdEncoding.EncodeToString([]byte(secretValue)), 1),
		"raw.txt":       secretValue + "\n",
		"cr.yaml":       strings.ReplaceAll(spec, "\n", "\r"),
		"nan.yaml":      strings.Replace(spec, "port: 8000", "port: .nan", 1),
		"d/stack.yaml":  spec,
		"d/patch.yaml":  "- op: add\n  path: /x\n  value: 1\n- x\n",
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, p, content)
	}
	line := regexp.MustCompile(`^(error: )?\S+(:\d+:\d+)?: \S.*$`)
	for _, tt := range []struct {
		args []string
		code int
	}{
		{[]string{"vet", "-f", "in-field.yaml", "-f", secret}, 1},
		{[]string{"render", "-f", "b64.yaml", "-f", secret, "--target", "eks"}, 1},
		{[]string{"build", "-f", "raw.txt", "-f", "cr.yaml", "-f", secret, "-o", "out"}, 1},
		{[]string{"vet", "-f", "cr.yaml"}, 0},
		{[]string{"vet", "-f", "nan.yaml"}, 1},
		{[]string{"vet", "-f", "d"}, 1},
	} {
		r := run(t, dir, nil, bin, tt.args...)
		if r.Code != tt.code {
			t.Errorf("%v: exit %d, want %d\n%s", tt.args, r.Code, tt.code, r.Stderr)
		}
		checkOutput(t, tt.args, r)
		if tt.code != 0 {
			for _, l := range strings.Split(strings.TrimSuffix(r.Stderr, "\n"), "\n") {
				if !line.MatchString(l) {
					t.Errorf("%v: not a one-line error: %q", tt.args, l)
				}
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "out")); !os.IsNotExist(err) {
		t.Errorf("a failed build wrote out/")
	}

	// KRM mode: the Secret among the items, the value in a field.
	secretYAML, err := os.ReadFile(secret)
	if err != nil {
		t.Fatal(err)
	}
	item := func(s string) string { return "- " + strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n  ") + "\n" }
	rl := "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n" + item(string(secretYAML)) + item(files["in-field.yaml"])
	r := runKRM(t, bin, []byte(rl))
	if r.Code != 1 || !strings.Contains(r.Stdout, "[redacted]") {
		t.Errorf("KRM: exit %d, want 1 and a masked result\n%s", r.Code, r.Stderr)
	}
	// The output holds the Secret item itself; the results must not.
	if i := strings.Index(r.Stdout, "results:"); i < 0 || strings.Contains(r.Stdout[i:], secretValue) {
		t.Errorf("KRM: no results, or a result shows the secret")
	}
	if strings.Contains(r.Stderr, secretValue) {
		t.Errorf("KRM: stderr shows the secret")
	}
	checkOutput(t, []string{"KRM"}, result{Stderr: r.Stderr})
	r = run(t, dir, []byte(secretValue), bin)
	if r.Code != 1 || strings.Count(r.Stderr, "\n") != 1 {
		t.Errorf("KRM, not a ResourceList: exit %d, want 1 and one line\n%s", r.Code, r.Stderr)
	}
}

// runKRM runs the function; its output passes the user's Secret through.
func runKRM(t *testing.T, bin string, stdin []byte) result {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Stdin = bytes.NewReader(stdin)
	return testsupport.Exec(t, cmd)
}

func checkOutput(t *testing.T, args []string, r result) {
	t.Helper()
	out := r.Stdout + r.Stderr
	if strings.Contains(out, base64.StdEncoding.EncodeToString([]byte(secretValue))) {
		t.Errorf("%v: printed the secret's base64", args)
	}
	for _, bad := range []string{"panic", "goroutine", "node kind", "yaml: line", "MapVariant", "conflicting values"} {
		if strings.Contains(out, bad) {
			t.Errorf("%v: output has %q:\n%s", args, bad, out)
		}
	}
}
