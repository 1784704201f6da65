package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The commands of the README's GitOps section, run as written, in order,
// in an empty directory holding only the auth Secret's file.
func TestREADMEGitOpsCommands(t *testing.T) {
	bin := tool(t, "AUTHSTACK_BIN", "authstack")
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## GitOps: Argo CD, Flux, editors\n")
	if !ok {
		t.Fatal("README has no GitOps section")
	}
	_, block, ok := strings.Cut(section, "```sh\n")
	block, _, ok2 := strings.Cut(block, "```")
	if !ok || !ok2 {
		t.Fatal("the GitOps section has no sh block")
	}
	dir := t.TempDir()
	// A stand-in for the SOPS-encrypted Secret: authstack hashes whatever
	// value the file holds.
	writeFile(t, filepath.Join(dir, "better-auth-secret.sops.yaml"),
		"apiVersion: v1\nkind: Secret\nmetadata: {name: better-auth-secret, namespace: shop}\nstringData:\n  better-auth-secret: ENC[AES256_GCM,data:dGVzdA==,type:str]\n")
	path := filepath.Dir(bin) + string(os.PathListSeparator) + os.Getenv("PATH")
	if filepath.Base(bin) != "authstack" {
		t.Fatalf("AUTHSTACK_BIN %s is not named authstack", bin)
	}
	n := 0
	for _, line := range strings.Split(block, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		n++
		cmd := exec.Command("sh", "-c", line)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "PATH="+path)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", line, err, out)
		}
	}
	if n < 5 {
		t.Errorf("ran %d commands", n)
	}
	for _, f := range []string{"stack.yaml", "authstack.schema.json", "deploy/bases/kustomization.yaml"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("the commands made no %s", f)
		}
	}
	// The check is real: a stale tree fails it.
	writeFile(t, filepath.Join(dir, "deploy", "bases", "kustomization.yaml"), "stale\n")
	lines := strings.Split(strings.TrimSpace(block), "\n")
	cmd := exec.Command("sh", "-c", lines[len(lines)-1])
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PATH="+path)
	if err := cmd.Run(); err == nil || !strings.Contains(lines[len(lines)-1], "--check") {
		t.Error("the README's --check line passes on a stale tree")
	}
}
