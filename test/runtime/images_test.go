package runtime_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/authstack/authstack/internal/ociimage"
	"github.com/authstack/authstack/internal/realnode"
)

// Local image references. The rendered stack names the acme images and the
// default purge image; imageMap maps them to these (and to $AUTHSTACK_IMAGE).
const (
	helloImage    = "authstack.local/hello:1"
	frontendImage = "authstack.local/shop-frontend:1"
	apiImage      = "authstack.local/shop-api:1"
	// The same app without MIGRATE_ON_START, for the stack whose tables
	// only spec.auth.migrate's Job creates.
	frontendJobImage = "authstack.local/shop-frontend-nomigrate:1"
	apiJobImage      = "authstack.local/shop-api-nomigrate:1"
	appUser          = "10001:10001"
)

type testImages struct {
	tarballs  []string
	authstack string // $AUTHSTACK_IMAGE, from `make image`
}

// buildImages builds the test images offline and checks the authstack
// image that `make image` wrote.
func buildImages(t *testing.T, dir string) testImages {
	t.Helper()
	imgs := testImages{authstack: os.Getenv("AUTHSTACK_IMAGE")}
	authTar := os.Getenv("AUTHSTACK_IMAGE_TAR")
	checkAuthstackImage(t, authTar, imgs.authstack)

	hello := filepath.Join(dir, "hello.tar")
	if err := realnode.GoImage("github.com/authstack/authstack/test/runtime/hello", helloImage, hello,
		ociimage.Spec{User: appUser}); err != nil {
		t.Fatal(err)
	}
	app := filepath.Join(dir, "app.tar")
	buildAppImage(t, app)
	imgs.tarballs = []string{authTar, hello, app}
	return imgs
}

// checkAuthstackImage reads the tarball with go-containerregistry's reader
// (what `crane push` uses): the reference is in it, the entrypoint is the
// binary and the user is not root.
func checkAuthstackImage(t *testing.T, file, ref string) {
	t.Helper()
	tag, err := name.NewTag(ref, name.StrictValidation)
	if err != nil {
		t.Fatalf("AUTHSTACK_IMAGE %q: %v", ref, err)
	}
	img, err := tarball.ImageFromPath(file, &tag)
	if err != nil {
		t.Fatalf("read %s as %s: %v", file, ref, err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cf.Config.Entrypoint, []string{"/usr/local/bin/authstack"}) {
		t.Errorf("authstack image entrypoint %q, want [/usr/local/bin/authstack]", cf.Config.Entrypoint)
	}
	if !regexp.MustCompile(`^[1-9][0-9]*(:[1-9][0-9]*)?$`).MatchString(cf.Config.User) {
		t.Errorf("authstack image user %q, want a numeric non-root uid (restricted pods need one)", cf.Config.User)
	}
}

// buildAppImage builds the Better Auth app image: the machine's Node.js
// binary with the shared libraries ldd lists, better-auth (and pg) from
// npm as e2e/better-auth pins and installs them, and app/server.mjs. One
// layer, four references that differ only in their env: $PORT, the
// frontend (3000) and the backend-api (8000), and MIGRATE_ON_START=1
// (the reference stack's images) or not (the migrate stack's).
func buildAppImage(t *testing.T, out string) {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command(filepath.Join(root, "e2e/better-auth/run.sh"), "install").CombinedOutput(); err != nil {
		t.Fatalf("install better-auth: %v\n%s", err, b)
	}
	cache := os.Getenv("AUTHSTACK_CACHE")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache", "authstack")
	}
	nodePath, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	nodeBin, err := filepath.EvalSymlinks(nodePath)
	if err != nil {
		t.Fatal(err)
	}
	files := []ociimage.File{
		{Path: "/usr/bin/node", Src: nodeBin, Mode: 0o755},
		{Path: "/app/server.mjs", Src: "app/server.mjs", Mode: 0o644},
	}
	ldd, err := exec.Command("ldd", nodeBin).Output()
	if err != nil {
		t.Fatalf("ldd %s: %v", nodeBin, err)
	}
	seen := map[string]bool{}
	for _, lib := range regexp.MustCompile(`/[^ \t\n()]+`).FindAllString(string(ldd), -1) {
		if !seen[lib] {
			seen[lib] = true
			files = append(files, ociimage.File{Path: lib, Src: lib})
		}
	}
	mods, err := ociimage.Tree(filepath.Join(cache, "better-auth", "node_modules"), "/app/node_modules")
	if err != nil {
		t.Fatal(err)
	}
	spec := ociimage.Spec{
		Files:      append(files, mods...),
		Dirs:       []ociimage.Dir{{Path: "/tmp", Mode: 0o1777}},
		Entrypoint: []string{"/usr/bin/node"},
		Cmd:        []string{"/app/server.mjs"},
		WorkDir:    "/app",
		User:       appUser,
	}
	base, err := ociimage.Build(spec)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := base.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	images := map[string]v1.Image{}
	for _, v := range []struct {
		ref, port string
		onStart   bool
	}{{frontendImage, "3000", true}, {apiImage, "8000", true}, {frontendJobImage, "3000", false}, {apiJobImage, "8000", false}} {
		c := *cf.Config.DeepCopy()
		c.Env = append(c.Env, "PORT="+v.port)
		if v.onStart {
			c.Env = append(c.Env, "MIGRATE_ON_START=1")
		}
		img, err := mutate.Config(base, c)
		if err != nil {
			t.Fatal(err)
		}
		images[v.ref] = img
	}
	if err := ociimage.Write(out, images); err != nil {
		t.Fatal(err)
	}
}
