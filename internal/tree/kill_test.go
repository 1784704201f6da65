package tree_test

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/authstack/authstack/internal/testsupport"
	"github.com/authstack/authstack/internal/tree"
)

// The tests below run this test binary again as a child process that
// writes a tree, to kill it for real (SIGKILL: no deferred clean-up runs)
// or to race other writers.
const (
	childEnv = "AUTHSTACK_TREE_TEST_CHILD" // kill | kill-recover | loop
	dirEnv   = "AUTHSTACK_TREE_TEST_DIR"
	treesEnv = "AUTHSTACK_TREE_TEST_TREES" // JSON files of trees, separated by ","
	killEnv  = "AUTHSTACK_TREE_TEST_KILL_AT"
	loopEnv  = "AUTHSTACK_TREE_TEST_LOOPS"
)

// TestChild is the child process; run alone it does nothing.
func TestChild(t *testing.T) {
	mode := os.Getenv(childEnv)
	if mode == "" {
		t.Skip("the child of TestWriteKilledAtEveryStep and TestConcurrentWrites")
	}
	dir := os.Getenv(dirEnv)
	var trees []*tree.Tree
	for _, f := range strings.Split(os.Getenv(treesEnv), ",") {
		if f != "" {
			trees = append(trees, loadTree(t, f))
		}
	}
	killAt := func() {
		at, _ := strconv.Atoi(os.Getenv(killEnv))
		n := 0
		tree.SetStep(func(string) error {
			if n == at {
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
				time.Sleep(time.Minute)
			}
			n++
			return nil
		})
	}
	switch mode {
	case "kill":
		killAt()
		if err := trees[0].Write(dir); err != nil {
			t.Fatal(err)
		}
	case "kill-recover":
		killAt()
		if err := tree.Recover(dir); err != nil {
			t.Fatal(err)
		}
	case "loop":
		loops, _ := strconv.Atoi(os.Getenv(loopEnv))
		for i := range loops {
			if err := trees[i%len(trees)].Write(dir); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func saveTree(t *testing.T, tr *tree.Tree) string {
	t.Helper()
	files := map[string]string{}
	for _, p := range tr.Paths() {
		files[p] = string(tr.File(p))
	}
	data, err := json.Marshal(files)
	if err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(t.TempDir(), "tree.json")
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

func loadTree(t *testing.T, name string) *tree.Tree {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var files map[string]string
	if err := json.Unmarshal(data, &files); err != nil {
		t.Fatal(err)
	}
	tr := tree.New()
	for p, d := range files {
		tr.Add(p, []byte(d))
	}
	return tr
}

func child(mode, dir string, extraEnv ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), append([]string{childEnv + "=" + mode, dirEnv + "=" + dir}, extraEnv...)...)
	return cmd
}

// kustomize finds the real kustomize: $KUSTOMIZE, the cache make test
// installs it into, or PATH. Missing, the test skips, except under CI.
func kustomize(t *testing.T) string {
	t.Helper()
	return testsupport.Tool(t, "KUSTOMIZE", "kustomize")
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// kustomizeBuildsAll runs `kustomize build` on every overlay in dir: the
// generated ones and the user's own.
func kustomizeBuildsAll(t *testing.T, bin, dir string) {
	t.Helper()
	overlays, err := os.ReadDir(filepath.Join(dir, "overlays"))
	if err != nil {
		t.Fatal(err)
	}
	built := 0
	for _, o := range overlays {
		od := filepath.Join(dir, "overlays", o.Name())
		if !fileExists(filepath.Join(od, "kustomization.yaml")) {
			continue // the user's extra.yaml in a target the new tree dropped
		}
		out, err := exec.Command(bin, "build", od).CombinedOutput()
		if err != nil {
			t.Errorf("kustomize build %s: %v\n%s", od, err, out)
		}
		built++
	}
	if built < 4 {
		t.Errorf("only %d overlays built", built)
	}
}

// cloneDir copies the files and directories of src into a new directory.
func cloneDir(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "deploy")
	for p, data := range snapshot(t, src, nil) {
		if strings.HasSuffix(p, "/") {
			if err := os.MkdirAll(filepath.Join(dst, p), 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		writeFile(t, filepath.Join(dst, p), data)
	}
	return dst
}

// A build killed (SIGKILL) before any step of its write leaves exactly
// the old tree (and a staging directory the next run removes); killed
// after the commit, a directory that the next run turns into exactly the
// new tree. The user's files survive all of it, nothing of authstack's
// remains but the manifest, and the real kustomize builds every overlay.
func TestWriteKilledAtEveryStep(t *testing.T) {
	bin := kustomize(t)
	old, nu := oldAndNew(t)
	names := stepNames(t, old, nu)
	commitAt := -1
	for i, n := range names {
		if n == "commit" {
			commitAt = i
		}
	}
	if commitAt < 0 || len(names) < 40 {
		t.Fatalf("steps: %v", names)
	}
	template := setUp(t, old)
	wantOld, wantNew := snapshot(t, template, nil), expected(t, nu)
	newTree := saveTree(t, nu)
	checked := map[string]bool{} // the states kustomize already built
	var mu sync.Mutex

	for k, name := range names {
		dir := cloneDir(t, template)
		cmd := child("kill", dir, treesEnv+"="+newTree, killEnv+"="+strconv.Itoa(k))
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("step %d (%s): the child was not killed: %v\n%s", k, name, err, out)
		}
		committed := fileExists(filepath.Join(dir, ".authstack/commit"))
		if committed != (k > commitAt) {
			t.Fatalf("killed at step %d (%s): committed = %v", k, name, committed)
		}
		if !committed {
			// Right after the kill: the old tree, plus the staging directory.
			got := snapshot(t, dir, func(rel string) bool { return rel == ".authstack/staging" })
			if d := diff(got, wantOld); d != "" {
				t.Errorf("killed at step %d (%s): not the old tree: %s", k, name, d)
			}
		}
		if err := tree.Recover(dir); err != nil {
			t.Fatalf("killed at step %d (%s): recover: %v", k, name, err)
		}
		want, state := wantOld, "old"
		if committed {
			want, state = wantNew, "new"
		}
		if d := diff(snapshot(t, dir, nil), want); d != "" {
			t.Errorf("killed at step %d (%s), then recovered: not the %s tree: %s", k, name, state, d)
			continue
		}
		// The tree is byte for byte the old or the new one: kustomize needs
		// to build each of the two only once.
		mu.Lock()
		if !checked[state] {
			checked[state] = true
			kustomizeBuildsAll(t, bin, dir)
		}
		mu.Unlock()
	}
	if !checked["old"] || !checked["new"] {
		t.Errorf("states seen: %v", checked)
	}

	// The run that completes a build can be killed too: from the state
	// right after the commit (the recovery then takes every step of the
	// apply), kill it at each of its steps; the run after it still ends
	// with exactly the new tree.
	committed := cloneDir(t, template)
	cmd := child("kill", committed, treesEnv+"="+newTree, killEnv+"="+strconv.Itoa(commitAt+1))
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Fatalf("the child was not killed:\n%s", out)
	}
	for j := 0; ; j++ {
		dir := cloneDir(t, committed)
		out, err := child("kill-recover", dir, killEnv+"="+strconv.Itoa(j)).CombinedOutput()
		var ee *exec.ExitError
		if err == nil {
			if j < commitAt/2 {
				t.Errorf("the recovery took only %d steps", j)
			}
			t.Logf("the write took %d steps (commit at %d); its recovery %d, each killed once", len(names), commitAt, j)
			break
		}
		if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("recovery step %d: the child was not killed: %v\n%s", j, err, out)
		}
		if err := tree.Recover(dir); err != nil {
			t.Fatalf("recovery killed at its step %d, then: %v", j, err)
		}
		if d := diff(snapshot(t, dir, nil), wantNew); d != "" {
			t.Errorf("recovery killed at its step %d, then recovered: not the new tree: %s", j, d)
		}
	}
}

// Builds to one directory from several processes at once take turns: each
// succeeds, and the directory ends as exactly one of the trees, with the
// user's files.
func TestConcurrentWrites(t *testing.T) {
	old, nu := oldAndNew(t)
	dir := setUp(t, old)
	wantOld, wantNew := expected(t, old), expected(t, nu)
	oldFile, newFile := saveTree(t, old), saveTree(t, nu)
	var cmds []*exec.Cmd
	var outs []*strings.Builder
	for i := range 4 {
		order := oldFile + "," + newFile
		if i%2 == 1 {
			order = newFile + "," + oldFile
		}
		cmd := child("loop", dir, treesEnv+"="+order, loopEnv+"=8")
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, outs = append(cmds, cmd), append(outs, &out)
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("writer %d: %v\n%s", i, err, outs[i])
		}
	}
	got := snapshot(t, dir, nil)
	if diff(got, wantOld) != "" && diff(got, wantNew) != "" {
		t.Errorf("after concurrent writes, neither tree:\nold: %s\nnew: %s", diff(got, wantOld), diff(got, wantNew))
	}
}
