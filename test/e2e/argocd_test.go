package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/yaml"

	"github.com/authstack/authstack/internal/testsupport"
)

const argoDir = "../../deploy/argocd"

// sealedSecret is a bitnami SealedSecret of the auth secret; its ciphertext
// is a test constant.
const sealedSecret = `apiVersion: bitnami.com/v1alpha1
kind: SealedSecret
metadata:
  name: better-auth-secret
  namespace: shop
spec:
  encryptedData:
    better-auth-secret: AgBy3i4OJSWK+PiTySYZZA9rO43cGDEq0eYKTI6lwAg2ftEnM5NQSy2pFfmYq4sUv3l3QJkTz/ZlZ5RtP+Lw8U9nX0yP0xZxdGVzdC1vbmx5LWNpcGhlcnRleHQ=
  template:
    metadata:
      name: better-auth-secret
      namespace: shop
    type: Opaque
`

// cmpConfig is the part of Argo CD's PluginConfig (cmpserver/plugin/config.go)
// that plugin.yaml uses; decoding rejects any other field, so a typo fails.
type cmpConfig struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Version  string     `json:"version,omitempty"`
		Init     cmpCommand `json:"init,omitempty"`
		Generate cmpCommand `json:"generate"`
		Discover struct {
			FileName string `json:"fileName,omitempty"`
			Find     struct {
				cmpCommand
				Glob string `json:"glob,omitempty"`
			} `json:"find,omitempty"`
		} `json:"discover"`
		Parameters struct {
			Static []struct {
				Name, Title, Tooltip string
				Required             bool
			} `json:"static"`
		} `json:"parameters"`
	} `json:"spec"`
}

type cmpCommand struct {
	Command []string `json:"command,omitempty"`
	Args    []string `json:"args,omitempty"`
}

func readPlugin(t *testing.T) cmpConfig {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(argoDir, "plugin.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	j, err := yaml.YAMLToJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	var c cmpConfig
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("plugin.yaml: %v", err)
	}
	// Argo CD's ValidatePluginConfig.
	if c.APIVersion != "argoproj.io/v1alpha1" || c.Kind != "ConfigManagementPlugin" || c.Metadata.Name == "" || len(c.Spec.Generate.Command) == 0 {
		t.Fatalf("plugin.yaml is not a valid ConfigManagementPlugin: %+v", c)
	}
	if c.Spec.Discover.FileName == "" && c.Spec.Discover.Find.Glob == "" && len(c.Spec.Discover.Find.Command) == 0 {
		t.Fatal("plugin.yaml: no discover rule")
	}
	return c
}

// generate runs the plugin's generate command as argocd-cmp-server does
// (cmpserver/plugin/plugin.go runCommand): exec of command+args without a
// shell, in a fresh copy of the Application's directory, with the sidecar's
// environment plus the build and ARGOCD_ENV_ variables, no standard input.
func generate(t *testing.T, c cmpConfig, appDir string, env ...string) result {
	t.Helper()
	bin := tool(t, "AUTHSTACK_BIN", "authstack")
	argv := append(slices.Clone(c.Spec.Generate.Command), c.Spec.Generate.Args...)
	if argv[0] != "/usr/local/bin/authstack" {
		t.Fatalf("generate runs %s, not the image's /usr/local/bin/authstack", argv[0])
	}
	work := t.TempDir()
	app := filepath.Join(work, "apps", "shop")
	for _, name := range mustGlob(t, filepath.Join(appDir, "*")) {
		copyFile(t, name, filepath.Join(app, filepath.Base(name)))
	}
	cmd := exec.Command(bin, argv[1:]...)
	cmd.Dir = app
	cmd.Env = append([]string{"PATH=/usr/bin:/bin", "HOME=/home/argocd"},
		"ARGOCD_APP_NAME=shop", "ARGOCD_APP_NAMESPACE=shop", "ARGOCD_APP_REVISION=0123456789abcdef0123456789abcdef01234567",
		"ARGOCD_APP_REVISION_SHORT=0123456", "ARGOCD_APP_SOURCE_PATH=apps/shop", "ARGOCD_APP_SOURCE_REPO_URL=https://github.com/acme/shop-deploy.git",
		"ARGOCD_APP_SOURCE_TARGET_REVISION=main", "KUBE_VERSION=1.37.2", "KUBE_API_VERSIONS=v1,apps/v1,batch/v1,networking.k8s.io/v1,policy/v1")
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdin = nil // /dev/null
	r := testsupport.Exec(t, cmd)
	if strings.Contains(r.Stdout+r.Stderr, secretValue) {
		t.Fatal("generate printed the secret value")
	}
	matches, err := filepath.Glob(filepath.Join(app, c.Spec.Discover.FileName))
	if err != nil || len(matches) == 0 {
		t.Errorf("discover.fileName %q matches nothing in the app directory", c.Spec.Discover.FileName)
	}
	return r
}

func mustGlob(t *testing.T, pattern string) []string {
	t.Helper()
	m, err := filepath.Glob(pattern)
	if err != nil || len(m) == 0 {
		t.Fatalf("%s: no files (%v)", pattern, err)
	}
	return m
}

// The generate command, run with Argo CD's exact contract, prints the same
// manifests as 'authstack render --target', as a stream Argo CD can split.
func TestArgoCDPluginGenerate(t *testing.T) {
	c := readPlugin(t)
	bin := tool(t, "AUTHSTACK_BIN", "authstack")
	// The Application's directory as a repository holds it: the spec and
	// the auth secret sealed (a plain Secret does not belong in git).
	refDir := t.TempDir()
	copyFile(t, refSpec, filepath.Join(refDir, "stack.yaml"))
	writeFile(t, filepath.Join(refDir, "better-auth-secret.sealed.yaml"), sealedSecret)
	// The example Application names this plugin and sets the target with
	// plugin.env, which Argo CD passes prefixed ARGOCD_ENV_.
	var app struct {
		Spec struct {
			Source struct {
				Plugin struct {
					Name string
					Env  []struct{ Name, Value string }
				}
			}
		}
	}
	data, err := os.ReadFile(filepath.Join(argoDir, "application.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &app); err != nil {
		t.Fatal(err)
	}
	plugin := app.Spec.Source.Plugin
	if plugin.Name != c.Metadata.Name || len(plugin.Env) != 1 {
		t.Fatalf("application.yaml: plugin %q with %d env, want %q with the target", plugin.Name, len(plugin.Env), c.Metadata.Name)
	}
	appEnv := "ARGOCD_ENV_" + plugin.Env[0].Name + "=" + plugin.Env[0].Value
	for _, tc := range []struct {
		target string
		env    []string
	}{
		{plugin.Env[0].Value, []string{appEnv}},
		{"eks", []string{"ARGOCD_ENV_AUTHSTACK_TARGET=eks"}},
		{"gke", []string{"PARAM_TARGET=gke"}},
		{"aks", []string{"ARGOCD_ENV_AUTHSTACK_TARGET=aks", "PARAM_TARGET=gke"}}, // the env wins
	} {
		r := generate(t, c, refDir, tc.env...)
		if r.Code != 0 {
			t.Fatalf("%v: exit %d\n%s", tc.env, r.Code, r.Stderr)
		}
		want := mustRun(t, ".", nil, bin, "render", "-f", refDir, "--target", tc.target)
		if r.Stdout != want {
			t.Errorf("%v: generate output differs from render --target %s", tc.env, tc.target)
		}
		objs, err := (&kio.ByteReader{Reader: strings.NewReader(r.Stdout)}).Read()
		if err != nil {
			t.Fatalf("%v: output is not a YAML stream: %v", tc.env, err)
		}
		if len(objs) < 10 {
			t.Errorf("%v: %d objects", tc.env, len(objs))
		}
		for _, o := range objs {
			if o.GetApiVersion() == "" || o.GetKind() == "" || o.GetName() == "" {
				t.Errorf("%v: not a Kubernetes object:\n%s", tc.env, o.MustString())
			}
		}
	}
	// No target: Argo CD shows the error; nothing on standard output.
	r := generate(t, c, refDir)
	if r.Code == 0 || r.Stdout != "" || !strings.Contains(r.Stderr, "ARGOCD_ENV_AUTHSTACK_TARGET") {
		t.Errorf("no target: exit %d, stdout %d bytes, stderr:\n%s", r.Code, len(r.Stdout), r.Stderr)
	}
}

// The Component adds the sidecar to a repo-server as Argo CD's install
// manifests define it, with the plugin config mounted where
// argocd-cmp-server reads it. Built by the real kustomize.
func TestArgoCDSidecarComponent(t *testing.T) {
	kustomize := tool(t, "KUSTOMIZE", "kustomize")
	dir := t.TempDir()
	// The parts of Argo CD's argocd-repo-server Deployment
	// (manifests/base/repo-server) that the sidecar uses: the var-files
	// volume holding argocd-cmp-server and the plugins volume for sockets.
	writeFile(t, filepath.Join(dir, "repo-server.yaml"), `apiVersion: apps/v1
kind: Deployment
metadata:
  name: argocd-repo-server
spec:
  selector:
    matchLabels: {app.kubernetes.io/name: argocd-repo-server}
  template:
    metadata:
      labels: {app.kubernetes.io/name: argocd-repo-server}
    spec:
      containers:
        - name: argocd-repo-server
          image: quay.io/argoproj/argocd:v3.2.0
          volumeMounts:
            - {name: var-files, mountPath: /var/run/argocd}
            - {name: plugins, mountPath: /home/argocd/cmp-server/plugins}
      volumes:
        - {name: var-files, emptyDir: {}}
        - {name: plugins, emptyDir: {}}
`)
	rel, err := filepath.Rel(dir, abs(t, argoDir))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "kustomization.yaml"), "namespace: argocd\nresources: [repo-server.yaml]\ncomponents: ["+rel+"]\n")
	out := mustRun(t, ".", nil, kustomize, "build", dir)
	objs, err := (&kio.ByteReader{Reader: strings.NewReader(out), OmitReaderAnnotations: true}).Read()
	if err != nil {
		t.Fatal(err)
	}
	var dep appsv1.Deployment
	var cmName, pluginYAML string
	for _, o := range objs {
		switch o.GetKind() {
		case "ConfigMap":
			cmName = o.GetName()
			pluginYAML = o.GetDataMap()["plugin.yaml"]
		case "Deployment":
			j, _ := o.MarshalJSON()
			dec := json.NewDecoder(bytes.NewReader(j))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&dep); err != nil {
				t.Fatalf("Deployment: %v", err)
			}
		}
	}
	want, _ := os.ReadFile(filepath.Join(argoDir, "plugin.yaml"))
	if pluginYAML != string(want) {
		t.Error("the ConfigMap does not hold plugin.yaml as is")
	}
	spec := dep.Spec.Template.Spec
	var sidecar *struct{}
	for _, c := range spec.Containers {
		if c.Name != "authstack-cmp" {
			continue
		}
		sidecar = &struct{}{}
		if !slices.Equal(c.Command, []string{"/var/run/argocd/argocd-cmp-server"}) {
			t.Errorf("sidecar command %v", c.Command)
		}
		if sc := c.SecurityContext; sc == nil || sc.RunAsUser == nil || *sc.RunAsUser != 999 {
			t.Error("sidecar does not run as user 999")
		}
		mounts := map[string]string{}
		for _, m := range c.VolumeMounts {
			mounts[m.MountPath] = m.Name + "/" + m.SubPath
		}
		for path, vol := range map[string]string{
			"/var/run/argocd":                            "var-files/",
			"/home/argocd/cmp-server/plugins":            "plugins/",
			"/home/argocd/cmp-server/config/plugin.yaml": "authstack-cmp-plugin/plugin.yaml",
			"/tmp": "authstack-cmp-tmp/",
		} {
			if mounts[path] != vol {
				t.Errorf("sidecar mounts %q at %s, want %q", mounts[path], path, vol)
			}
		}
	}
	if sidecar == nil {
		t.Fatal("no authstack-cmp container")
	}
	for _, v := range spec.Volumes {
		if v.Name == "authstack-cmp-plugin" && (v.ConfigMap == nil || v.ConfigMap.Name != cmName) {
			t.Errorf("plugin volume does not refer to the generated ConfigMap %s", cmName)
		}
	}
	if len(spec.Volumes) != 4 || len(spec.Containers) != 2 {
		t.Errorf("%d volumes, %d containers; want the repo-server's kept", len(spec.Volumes), len(spec.Containers))
	}
}
