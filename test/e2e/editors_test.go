package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/authstack/authstack/internal/testsupport"
)

// editorVerdict is what test/editors/validate.mjs reports for one file.
type editorVerdict struct {
	File        string
	Diagnostics []struct {
		Line    int
		Message string
	}
	Hovers map[string]string
}

// The JSON Schema as an editor uses it: yaml-language-server (the engine of
// the YAML extensions of VS Code, Neovim and others), pinned in
// test/editors, follows the modeline that init writes. The starter and every
// example give no diagnostic; a port out of range and a misspelt field each
// give one on their line; hovering a field shows its CUE doc comment.
func TestEditorValidatesWithTheModeline(t *testing.T) {
	bin := tool(t, "AUTHSTACK_BIN", "authstack")
	if _, err := exec.LookPath("node"); err != nil {
		testsupport.Missing(t, "node not found: install Node.js 20 or later")
	}
	dir := t.TempDir()
	starter := filepath.Join(dir, "stack.yaml")
	mustRun(t, dir, nil, bin, "init", "--name", "shop")
	data, err := os.ReadFile(starter)
	if err != nil {
		t.Fatal(err)
	}
	modeline, _, _ := strings.Cut(string(data), "\n")
	text := string(data)
	bad := filepath.Join(dir, "bad.yaml")
	badText := strings.Replace(strings.Replace(text, "port: 3000", "port: 80000", 1), "  components:\n", "  componets: {}\n  components:\n", 1)
	// An environment on eks with a field of minikube's: the schema picks
	// the environment's fields by its platform.
	badText = strings.Replace(badText, "  targets:\n", "  targets:\n    staging: {platform: eks, imagePullPolicy: Never}\n", 1)
	writeFile(t, bad, badText)
	files := []string{starter, bad}
	examples := testsupport.Examples(t, "../..")
	for _, ex := range examples {
		spec, err := os.ReadFile(filepath.Join(ex, "stack.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Join(dir, filepath.Base(ex)+".yaml")
		writeFile(t, name, modeline+"\n"+string(spec))
		files = append(files, name)
	}
	out := mustRun(t, ".", nil, "bash", append([]string{"../editors/run.sh", "../../schemas/authstack.schema.json"}, files...)...)
	verdicts := map[string]editorVerdict{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var v editorVerdict
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		verdicts[v.File] = v
	}
	lineOf := func(text, s string) int { return strings.Count(text[:strings.Index(text, s)], "\n") + 1 }
	for _, f := range files {
		v, ok := verdicts[f]
		switch {
		case !ok:
			t.Errorf("%s: no verdict", f)
		case f == bad:
			want := map[int]string{lineOf(badText, "port: 80000"): "maximum of 65535", lineOf(badText, "componets"): "componets is not allowed",
				lineOf(badText, "imagePullPolicy: Never}"): "imagePullPolicy is not allowed"}
			for _, d := range v.Diagnostics {
				if w, ok := want[d.Line]; ok && strings.Contains(d.Message, w) {
					delete(want, d.Line)
				}
			}
			if len(want) > 0 || len(v.Diagnostics) != 3 {
				t.Errorf("bad spec: diagnostics %+v, want one at each of the port, the misspelt field and the other platform's field", v.Diagnostics)
			}
		case len(v.Diagnostics) > 0:
			t.Errorf("%s: %+v", filepath.Base(f), v.Diagnostics)
		}
	}
	hover := verdicts[starter].Hovers[strconv.Itoa(lineOf(text, "    url:"))]
	if !strings.Contains(hover, "the app's public base URL") {
		t.Errorf("hover on spec.auth.url: %q, want its doc comment", hover)
	}
}
