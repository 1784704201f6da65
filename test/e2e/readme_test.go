package e2e

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/authstack/authstack/internal/testsupport"
)

// snippet is a README code block marked `<!-- test: GROUP KIND [ARG] -->`.
type snippet struct {
	group, kind, arg, body string
	line                   int
}

var marker = regexp.MustCompile(`^<!-- test: (\S+) (\S+)(?: (\S+))? -->$`)

// readmeSnippets returns the marked code blocks of the README, in order.
func readmeSnippets(t *testing.T) []snippet {
	t.Helper()
	f, err := os.Open("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []snippet
	var cur *snippet
	inBlock := false
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case cur != nil && !inBlock && strings.HasPrefix(line, "```"):
			inBlock = true
		case cur != nil && !inBlock:
			t.Fatalf("README.md:%d: a test marker must be followed by a code block", cur.line)
		case inBlock && line == "```":
			out = append(out, *cur)
			cur, inBlock = nil, false
		case inBlock:
			cur.body += line + "\n"
		default:
			if m := marker.FindStringSubmatch(line); m != nil {
				cur = &snippet{group: m[1], kind: m[2], arg: m[3], line: n}
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// The README's commands and files, as written, with the real kpt and
// kustomize: every marked block runs, and each group's result is checked.
func TestReadmeSnippets(t *testing.T) {
	bin := tool(t, "AUTHSTACK_BIN", "authstack")
	kustomize := tool(t, "KUSTOMIZE", "kustomize")
	kpt := tool(t, "KPT", "kpt")
	if filepath.Base(bin) != "authstack" {
		t.Fatalf("AUTHSTACK_BIN must be named authstack, as the README calls it: %s", bin)
	}
	// The README names the tools by name: put these first on PATH.
	tools := t.TempDir()
	for name, p := range map[string]string{"authstack": bin, "kustomize": kustomize, "kpt": kpt} {
		if err := os.Symlink(p, filepath.Join(tools, name)); err != nil {
			t.Fatal(err)
		}
	}
	env := append(os.Environ(), "PATH="+tools+string(os.PathListSeparator)+os.Getenv("PATH"))

	groups := map[string][]snippet{}
	var order []string
	for _, s := range readmeSnippets(t) {
		if groups[s.group] == nil {
			order = append(order, s.group)
		}
		groups[s.group] = append(groups[s.group], s)
	}
	outputs := map[string]string{}
	files := map[string]map[string]string{}
	runGroup := func(group string, steps []snippet) string {
		dir := t.TempDir()
		copyFile(t, refSpec, filepath.Join(dir, "stack.yaml"))
		copyFile(t, refSecret, filepath.Join(dir, "better-auth-secret.yaml"))
		files[group] = map[string]string{}
		var stdout string
		for _, s := range steps {
			switch s.kind {
			case "file":
				writeFile(t, filepath.Join(dir, s.arg), s.body)
				files[group][s.arg] = s.body
			case "run":
				cmd := exec.Command("bash", "-euo", "pipefail", "-c", s.body)
				cmd.Dir, cmd.Env = dir, env
				var out, errb strings.Builder
				cmd.Stdout, cmd.Stderr = &out, &errb
				if err := cmd.Run(); err != nil {
					t.Fatalf("README.md:%d (%s): %v\n%s%s", s.line, group, err, out.String(), errb.String())
				}
				stdout += out.String()
			default:
				t.Fatalf("README.md:%d: unknown test kind %q", s.line, s.kind)
			}
		}
		return dir + "\x00" + stdout
	}

	checks := map[string]func(dir, stdout string){
		"cli": func(dir, _ string) {
			eks := testsupport.ReadFile(t, filepath.Join(dir, "eks.yaml"))
			if !strings.Contains(eks, "ingressClassName: alb") || !strings.Contains(eks, "kind: Secret\n") {
				t.Errorf("cli: eks.yaml lacks the EKS Ingress or the passed-through Secret")
			}
			testsupport.ReadFile(t, filepath.Join(dir, "deploy", "overlays", "eks", "kustomization.yaml"))
		},
		"kpt": func(dir, _ string) {
			for _, p := range []string{"bases/kustomization.yaml", "overlays/eks/kustomization.yaml", "bases/jwks-purge/job.yaml"} {
				testsupport.ReadFile(t, filepath.Join(dir, p))
			}
		},
		"kustomize": func(_, stdout string) {
			for _, want := range []string{"kind: Deployment\n", "ingressClassName: alb\n", "name: better-auth-secret\n", "kind: Secret\n", "image: ghcr.io/acme/shop-web:1.4.2\n"} {
				if !strings.Contains(stdout, want) {
					t.Errorf("kustomize: output lacks %q:\n%s", want, stdout)
				}
			}
		},
	}
	for _, group := range order {
		steps := groups[group]
		if group == "container" {
			continue // below, from the kustomize group's files
		}
		check, ok := checks[group]
		if !ok {
			t.Errorf("README.md:%d: test group %q has no check in readme_test.go", steps[0].line, group)
			continue
		}
		dir, stdout, _ := strings.Cut(runGroup(group, steps), "\x00")
		outputs[group] = stdout
		check(dir, stdout)
	}
	for _, g := range []string{"cli", "kpt", "kustomize", "container"} {
		if groups[g] == nil {
			t.Errorf("README.md: no block marked for test group %q", g)
		}
	}

	// The container block replaces the kustomize example's function. There
	// is no container runtime here: the same spec runs as an exec function,
	// to which kustomize gives the same envs.
	if c := groups["container"]; len(c) == 1 && c[0].kind == "function" && files["kustomize"] != nil {
		fnBlock := regexp.MustCompile(`(?s)    config\.kubernetes\.io/function: \|\n.*?\nspec:`)
		spec := files["kustomize"]["authstack.yaml"]
		if !fnBlock.MatchString(spec) {
			t.Fatalf("the kustomize example's authstack.yaml has no function annotation")
		}
		asExec := regexp.MustCompile(`(?m)^(\s+)container:\n(\s+)image: \S+\n`).ReplaceAllString(c[0].body, "${1}exec:\n${2}path: authstack\n")
		if asExec == c[0].body || !strings.Contains(asExec, "envs: [AUTHSTACK_TARGET=eks]") {
			t.Fatalf("README.md:%d: the container block is not a container function with AUTHSTACK_TARGET", c[0].line)
		}
		steps := append([]snippet{}, groups["kustomize"]...)
		for i := range steps {
			if steps[i].kind == "file" && steps[i].arg == "authstack.yaml" {
				steps[i].body = fnBlock.ReplaceAllLiteralString(spec, strings.TrimSuffix(asExec, "\n")+"\nspec:")
			}
		}
		_, stdout, _ := strings.Cut(runGroup("container", steps), "\x00")
		if stdout != outputs["kustomize"] || stdout == "" {
			t.Errorf("the container function (AUTHSTACK_TARGET from envs) printed other manifests than --target eks")
		}
	}
}
