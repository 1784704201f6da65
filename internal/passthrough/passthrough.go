// Package passthrough handles the input objects that are not AuthStacks
// (Secrets, SealedSecrets, ExternalSecrets, anything else): like a kustomize
// transformer, authstack passes them through to its output unchanged, so
// that a pipeline built on `render` creates them too.
package passthrough

import (
	"bytes"
	"fmt"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Resources returns the objects that belong in a cluster: those with an
// apiVersion, a kind and a name, minus the configuration that tools read and
// never apply (kustomizations, Kptfiles, anything marked
// config.kubernetes.io/local-config, which kustomize and kpt leave out of
// their output too). A directory given to -f often holds such files.
func Resources(objects []*yaml.RNode) []*yaml.RNode {
	var out []*yaml.RNode
	for _, o := range objects {
		group, _, _ := strings.Cut(o.GetApiVersion(), "/")
		switch {
		case o.GetApiVersion() == "" || o.GetKind() == "" || o.GetName() == "":
		case group == "kustomize.config.k8s.io" || group == "kpt.dev" || group == "config.kubernetes.io":
		case o.GetAnnotations()["config.kubernetes.io/local-config"] == "true":
		default:
			out = append(out, o)
		}
	}
	return out
}

// Stream returns objects as a YAML stream, without the annotations that
// readers and orchestrators add (file path, index). The objects themselves
// are not modified.
func Stream(objects []*yaml.RNode) ([]byte, error) {
	clean := make([]*yaml.RNode, 0, len(objects))
	for _, o := range objects {
		c := o.Copy()
		for k := range c.GetAnnotations() {
			if isToolAnnotation(k) {
				if _, err := c.Pipe(yaml.ClearAnnotation(k)); err != nil {
					return nil, err
				}
			}
		}
		if meta := c.Field("metadata"); meta != nil {
			if a := meta.Value.Field("annotations"); a != nil && len(a.Value.Content()) == 0 {
				if _, err := meta.Value.Pipe(yaml.Clear("annotations")); err != nil {
					return nil, err
				}
			}
		}
		clean = append(clean, c)
	}
	var b bytes.Buffer
	if err := (kio.ByteWriter{Writer: &b}).Write(clean); err != nil {
		return nil, fmt.Errorf("pass-through objects: %w", err)
	}
	return b.Bytes(), nil
}

func isToolAnnotation(k string) bool {
	return strings.HasPrefix(k, "internal.config.kubernetes.io/") ||
		k == "config.kubernetes.io/path" || k == "config.kubernetes.io/index" ||
		k == "config.k8s.io/id" || k == "kustomize.config.k8s.io/id"
}

// IsPlainSecret reports whether o is a Secret with data that nothing
// encrypts (a SOPS-encrypted Secret carries a top-level "sops" field).
func IsPlainSecret(o *yaml.RNode) bool {
	if o.GetKind() != "Secret" || o.GetApiVersion() != "v1" || o.Field("sops") != nil {
		return false
	}
	for _, f := range []string{"data", "stringData"} {
		if d := o.Field(f); d != nil && len(d.Value.Content()) > 0 {
			return true
		}
	}
	return false
}

// Warning is the message for a plain Secret among the inputs. It names the
// Secret, never its data.
func Warning(o *yaml.RNode) string {
	return fmt.Sprintf("Secret %s is a plain Secret: it is passed through to the output, but a secret's value belongs in a secret manager, not in git; use a SealedSecret, an ExternalSecret or SOPS", o.GetName())
}
