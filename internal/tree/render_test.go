package tree_test

import (
	"strings"
	"sync"
	"testing"
)

// Renders from several goroutines give what one render alone gives: they
// take turns around kyaml's process-wide OpenAPI schema, which each render
// sets and resets. Run with -race (test-go does) to see the shared state.
func TestRenderConcurrently(t *testing.T) {
	tr := compiled(t, "shop")
	// Every environment's overlay of the tree.
	var targets []string
	for _, p := range tr.Paths() {
		if dir, ok := strings.CutSuffix(p, "/kustomization.yaml"); ok && strings.HasPrefix(dir, "overlays/") {
			targets = append(targets, dir)
		}
	}
	if len(targets) < 2 {
		t.Fatalf("the tree has the overlays %v, want several", targets)
	}
	want := map[string]string{}
	for _, dir := range targets {
		out, err := tr.Render(dir)
		if err != nil {
			t.Fatal(err)
		}
		want[dir] = string(out)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 4*len(targets))
	for range 4 {
		for _, dir := range targets {
			wg.Go(func() {
				out, err := tr.Render(dir)
				if err != nil {
					errs <- dir + ": " + err.Error()
				} else if string(out) != want[dir] {
					errs <- dir + ": differs from a render alone"
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
