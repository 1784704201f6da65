// Package testsupport is what the test packages share: the rule that a
// missing tool skips a test on a developer's machine but fails it under
// CI=true, the lookup of the tools `make test` installs, a command runner
// that fails a test when the authstack binary prints a secret, and the list
// of examples.
package testsupport

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// TB is the part of testing.TB that this package uses.
type TB interface {
	Helper()
	Skipf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// CI reports whether the tests run under CI=true, where nothing may skip
// because a tool is missing.
func CI() bool { return os.Getenv("CI") == "true" }

// Missing skips the test because something it needs is missing, or fails
// it under CI=true: there a skip would silently hide a broken setup.
func Missing(tb TB, format string, args ...any) {
	tb.Helper()
	msg := fmt.Sprintf(format, args...)
	if CI() {
		tb.Fatalf("CI=true and %s", msg)
		return
	}
	tb.Skipf("%s", msg)
}

// Cache is the directory `make test` installs tools into:
// $AUTHSTACK_CACHE, else ~/.cache/authstack.
func Cache() string {
	if c := os.Getenv("AUTHSTACK_CACHE"); c != "" {
		return c
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "authstack")
}

// Tool returns the absolute path of a tool: the one the environment
// variable env names, else the cache's bin/name, else name on PATH. Missing,
// it calls Missing.
func Tool(tb TB, env, name string) string {
	tb.Helper()
	p, err := LookTool(env, name)
	if err != nil {
		Missing(tb, "%v (make test installs it)", err)
	}
	return p
}

// LookTool is Tool's lookup, for callers that do not skip.
func LookTool(env, name string) (string, error) {
	if p := os.Getenv(env); p != "" {
		return filepath.Abs(p)
	}
	if p := filepath.Join(Cache(), "bin", name); isExecutable(p) {
		return p, nil
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%s not found: set %s, or install it in %s or on PATH", name, env, filepath.Join(Cache(), "bin"))
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// Env returns the value of an environment variable that the test needs,
// or calls Missing; hint says what sets it.
func Env(tb TB, name, hint string) string {
	tb.Helper()
	v := os.Getenv(name)
	if v == "" {
		Missing(tb, "%s is not set (%s)", name, hint)
	}
	return v
}

// Result is what a command did.
type Result struct {
	Stdout, Stderr string
	Code           int
}

// Exec runs cmd with its output collected; its Stdout and Stderr must be
// unset. A command that cannot start fails the test; a failing one is
// reported in Code.
func Exec(tb TB, cmd *exec.Cmd) Result {
	tb.Helper()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		tb.Fatalf("%s: %v", cmd.Path, err)
	}
	return Result{out.String(), errb.String(), code}
}

// Runner runs commands, failing the test when the authstack binary prints
// one of Secrets, or its base64, anywhere but in the Secrets it passes
// through to its output (as kustomize does).
type Runner struct {
	Secrets []string
}

// Run runs name with args in dir, with stdin when not nil.
func (r Runner) Run(tb TB, dir string, stdin []byte, name string, args ...string) Result {
	tb.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	res := Exec(tb, cmd)
	if filepath.Base(name) == "authstack" {
		r.CheckLeaks(tb, fmt.Sprintf("%s %v", name, args), res)
	}
	return res
}

// MustRun is Run of a command that must succeed; it returns its stdout.
func (r Runner) MustRun(tb TB, dir string, stdin []byte, name string, args ...string) string {
	tb.Helper()
	res := r.Run(tb, dir, stdin, name, args...)
	if res.Code != 0 {
		tb.Fatalf("%s %s: exit %d\n%s%s", name, strings.Join(args, " "), res.Code, res.Stdout, res.Stderr)
	}
	return res.Stdout
}

// CheckLeaks fails the test if what's output holds a secret or its
// base64 outside the Secret documents of its stdout.
func (r Runner) CheckLeaks(tb TB, what string, res Result) {
	tb.Helper()
	out := WithoutSecrets(res.Stdout) + "\n" + res.Stderr
	for _, s := range r.Secrets {
		if strings.Contains(out, s) || strings.Contains(out, base64.StdEncoding.EncodeToString([]byte(s))) {
			tb.Fatalf("%s printed a secret value or its base64", what)
		}
	}
}

// WithoutSecrets is a YAML stream minus its Secret documents.
func WithoutSecrets(stream string) string {
	var keep []string
	for _, doc := range strings.Split(stream, "\n---\n") {
		if !strings.HasPrefix(doc, "kind: Secret\n") && !strings.Contains(doc, "\nkind: Secret\n") {
			keep = append(keep, doc)
		}
	}
	return strings.Join(keep, "\n---\n")
}

// MinExamples guards against a glob that silently matches too little: the
// repository holds the reference stack plus four differing examples.
const MinExamples = 5

// Examples returns the directories under root/examples that hold a
// stack.yaml, sorted; fewer than MinExamples fail the test.
func Examples(tb TB, root string) []string {
	tb.Helper()
	stacks, err := filepath.Glob(filepath.Join(root, "examples", "*", "stack.yaml"))
	if err != nil || len(stacks) < MinExamples {
		tb.Fatalf("found %d examples under %s (%v), want at least %d: %v", len(stacks), root, stacks, MinExamples, err)
	}
	dirs := make([]string, len(stacks))
	for i, s := range stacks {
		dirs[i] = filepath.Dir(s)
	}
	return dirs
}

// ReadFile returns the content of the file name.
func ReadFile(tb TB, name string) string {
	tb.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		tb.Fatalf("%v", err)
	}
	return string(data)
}

// WriteFile writes data to name, making its directory.
func WriteFile(tb TB, name, data string) {
	tb.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		tb.Fatalf("%v", err)
	}
	if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
		tb.Fatalf("%v", err)
	}
}

// CopyFile copies the file from to the file to, making its directory.
func CopyFile(tb TB, from, to string) {
	tb.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		tb.Fatalf("%v", err)
	}
	WriteFile(tb, to, string(data))
}
