// Package secrethash computes the short hash that changes exactly when a
// stack's auth secret changes, from whatever object carries that secret in
// the input: a Secret (plain or SOPS-encrypted), a SealedSecret or an
// ExternalSecret. The secret's value never leaves this package.
package secrethash

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Len is the number of hex digits of a hash.
const Len = 10

// Ref names the auth secret: a key of a Secret.
type Ref struct {
	Name string
	Key  string
	// Namespace, when known, must match the object's namespace if it has one.
	Namespace string
	// Revision is folded into the hash: bumping it forces a rotation.
	Revision string
}

// Source says which object the hash came from, for messages.
type Source struct {
	Kind string
	Name string
	// File is the object's path, when known.
	File string
}

func (s Source) String() string {
	if s.Kind == "" {
		return "spec.auth.secret.revision"
	}
	if s.File != "" {
		return fmt.Sprintf("%s %s (%s)", s.Kind, s.Name, s.File)
	}
	return s.Kind + " " + s.Name
}

// Compute returns the hash of ref's secret among objects. Without an object
// that carries the secret, a revision alone is enough; with neither, the
// error says what to add.
func Compute(ref Ref, objects []*yaml.RNode) (string, Source, error) {
	var found []material
	for _, o := range objects {
		m, ok, err := extract(ref, o)
		if err != nil {
			return "", Source{}, err
		}
		if ok {
			found = append(found, m)
		}
	}
	switch {
	case len(found) > 1:
		return "", Source{}, fmt.Errorf("spec.auth.secret: %s and %s both provide Secret %q; keep one", found[0].src, found[1].src, ref.Name)
	case len(found) == 0 && ref.Revision == "":
		return "", Source{}, fmt.Errorf("spec.auth.secret: no source for Secret %q key %q: add the Secret (or a SOPS-encrypted Secret, a bitnami.com/v1alpha1 SealedSecret named %[1]q, or an external-secrets.io/v1 ExternalSecret with spec.target.name %[1]q) to the input, or set spec.auth.secret.revision and bump it on every rotation", ref.Name, ref.Key)
	}
	h := sha256.New()
	// Length-prefixed fields: no two inputs share an encoding.
	write := func(b []byte) {
		fmt.Fprintf(h, "%d:", len(b))
		h.Write(b)
	}
	write([]byte("authstack.dev/auth-secret-hash/v1"))
	write([]byte(ref.Revision))
	var src Source
	if len(found) == 1 {
		src = found[0].src
		write([]byte(src.Kind))
		write(found[0].data)
	}
	return hex.EncodeToString(h.Sum(nil))[:Len], src, nil
}

type material struct {
	src  Source
	data []byte
}

// extract returns what identifies the secret's value in o, if o carries it.
func extract(ref Ref, o *yaml.RNode) (material, bool, error) {
	meta, err := o.GetMeta()
	if err != nil {
		return material{}, false, nil // not a Kubernetes object: not ours to judge
	}
	if ref.Namespace != "" && meta.Namespace != "" && meta.Namespace != ref.Namespace {
		return material{}, false, nil
	}
	src := Source{Kind: meta.Kind, Name: meta.Name, File: meta.Annotations["internal.config.kubernetes.io/path"]}
	if src.File == "" {
		src.File = meta.Annotations["config.kubernetes.io/path"]
	}
	switch {
	case meta.APIVersion == "v1" && meta.Kind == "Secret" && meta.Name == ref.Name:
		return fromSecret(ref, o, src)
	case meta.APIVersion == "bitnami.com/v1alpha1" && meta.Kind == "SealedSecret" && meta.Name == ref.Name:
		v, err := o.Pipe(yaml.Lookup("spec", "encryptedData", ref.Key))
		if err != nil || v == nil {
			return material{}, false, fmt.Errorf("%s: spec.encryptedData has no key %q", src, ref.Key)
		}
		return material{src: src, data: []byte(yaml.GetValue(v))}, true, nil
	case meta.Kind == "ExternalSecret" && isExternalSecretsAPI(meta.APIVersion) && externalTarget(o, meta.Name) == ref.Name:
		return fromExternalSecret(ref, o, src)
	}
	return material{}, false, nil
}

func fromSecret(ref Ref, o *yaml.RNode, src Source) (material, bool, error) {
	// SOPS encrypts values in place and adds a "sops" field: hash the
	// ciphertext, which changes whenever the plaintext does.
	sops, _ := o.Pipe(yaml.Lookup("sops"))
	if v, _ := o.Pipe(yaml.Lookup("stringData", ref.Key)); v != nil {
		return material{src: src, data: []byte(yaml.GetValue(v))}, true, nil
	}
	v, _ := o.Pipe(yaml.Lookup("data", ref.Key))
	if v == nil {
		return material{}, false, fmt.Errorf("%s has no key %q (spec.auth.secret.key)", src, ref.Key)
	}
	if sops != nil {
		return material{src: src, data: []byte(yaml.GetValue(v))}, true, nil
	}
	data, err := base64.StdEncoding.DecodeString(yaml.GetValue(v))
	if err != nil {
		return material{}, false, fmt.Errorf("%s: data.%s is not valid base64", src, ref.Key)
	}
	return material{src: src, data: data}, true, nil
}

func isExternalSecretsAPI(apiVersion string) bool {
	return apiVersion == "external-secrets.io/v1" || apiVersion == "external-secrets.io/v1beta1"
}

// externalTarget is the name of the Secret an ExternalSecret writes.
func externalTarget(o *yaml.RNode, name string) string {
	if v, _ := o.Pipe(yaml.Lookup("spec", "target", "name")); v != nil && yaml.GetValue(v) != "" {
		return yaml.GetValue(v)
	}
	return name
}

// fromExternalSecret hashes how the key is fetched: its remoteRef (a pinned
// version changes it) or, without a data entry for the key, all of dataFrom.
func fromExternalSecret(ref Ref, o *yaml.RNode, src Source) (material, bool, error) {
	var spec struct {
		Data []struct {
			SecretKey string `json:"secretKey"`
			RemoteRef any    `json:"remoteRef"`
			SourceRef any    `json:"sourceRef,omitempty"`
		} `json:"data"`
		DataFrom any `json:"dataFrom"`
		Target   struct {
			Template any `json:"template,omitempty"`
		} `json:"target"`
	}
	specNode, err := o.Pipe(yaml.Lookup("spec"))
	if err != nil || specNode == nil {
		return material{}, false, fmt.Errorf("%s has no spec", src)
	}
	raw, err := specNode.MarshalJSON()
	if err != nil {
		return material{}, false, fmt.Errorf("%s: %w", src, err)
	}
	if err := json.Unmarshal(raw, &spec); err != nil {
		return material{}, false, fmt.Errorf("%s: %w", src, err)
	}
	for _, d := range spec.Data {
		if d.SecretKey == ref.Key {
			b, _ := json.Marshal(d)
			return material{src: src, data: b}, true, nil
		}
	}
	if spec.DataFrom == nil && spec.Target.Template == nil {
		return material{}, false, fmt.Errorf("%s has no spec.data entry with secretKey %q and no spec.dataFrom", src, ref.Key)
	}
	b, _ := json.Marshal([]any{spec.DataFrom, spec.Target.Template})
	return material{src: src, data: b}, true, nil
}
