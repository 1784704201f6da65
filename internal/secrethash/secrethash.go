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
	"errors"
	"fmt"
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Len is the number of hex digits of a hash.
const Len = 10

// Ref names the auth secret: a key of a Secret.
type Ref struct {
	Name string
	Key  string
	// VersionsKey, when set, is the key of the same Secret that holds
	// BETTER_AUTH_SECRETS; Key then only holds the legacy secret and may be
	// absent.
	VersionsKey string
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
	// lines says whether the object's nodes carry lines of File.
	lines bool
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
// error says what to add. With a VersionsKey, the hash covers both keys,
// and a plain Secret's list of versions must parse.
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
		if ref.VersionsKey != "" {
			// Only versioned stacks hash more, so no single-secret stack
			// rotates because authstack was upgraded.
			write([]byte(fmt.Sprint(found[0].hasKey)))
			write(found[0].versions)
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:Len], src, nil
}

type material struct {
	src  Source
	data []byte
	// With a VersionsKey: whether Key is there, and what identifies the
	// versions' value.
	hasKey   bool
	versions []byte
	// plain marks a Secret's cleartext value; at and field say where it is.
	plain     bool
	at, field string
}

// missingKey is the error of an object that carries the Secret but not a key.
type missingKey struct{ msg string }

func (e missingKey) Error() string { return e.msg }

// extract returns what identifies the secret's value in o, if o carries it:
// its Key, and its VersionsKey when ref has one.
func extract(ref Ref, o *yaml.RNode) (material, bool, error) {
	m, ok, err := extractKey(ref, ref.Key, o)
	if ref.VersionsKey == "" || !ok && err == nil {
		return m, ok, err
	}
	var missing missingKey
	if errors.As(err, &missing) {
		// The legacy key may go once no data needs it: its env var is optional.
		m, err = material{src: m.src}, nil
	} else if err != nil {
		return material{}, false, err
	} else {
		m.hasKey = true
	}
	v, _, err := extractKey(ref, ref.VersionsKey, o)
	if err != nil {
		return material{}, false, err
	}
	m.versions = v.data
	if v.plain {
		if err := checkVersions(v.data); err != nil {
			return material{}, false, fmt.Errorf("%s: %s: %w", v.at, v.field, err)
		}
	}
	return m, true, nil
}

// checkVersions checks a BETTER_AUTH_SECRETS value as Better Auth parses it
// (context/secret-utils.mjs), without ever quoting it.
func checkVersions(list []byte) error {
	const allowed = `allowed: "<version>:<secret>,…", current first, distinct non-negative integer versions, non-empty secrets`
	seen := map[uint64]bool{}
	for i, entry := range strings.Split(string(list), ",") {
		v, secret, ok := strings.Cut(strings.TrimSpace(entry), ":")
		version, err := strconv.ParseUint(strings.TrimSpace(v), 10, 31)
		switch {
		case !ok:
			return fmt.Errorf("entry %d has no ':'; %s", i+1, allowed)
		case err != nil:
			return fmt.Errorf("entry %d has no integer version; %s", i+1, allowed)
		case strings.TrimSpace(secret) == "":
			return fmt.Errorf("entry %d (version %d) has an empty secret; %s", i+1, version, allowed)
		case seen[version]:
			return fmt.Errorf("entry %d repeats version %d; %s", i+1, version, allowed)
		}
		seen[version] = true
	}
	return nil
}

// extractKey returns what identifies one key's value in o, if o carries the
// Secret.
func extractKey(ref Ref, key string, o *yaml.RNode) (material, bool, error) {
	meta, err := o.GetMeta()
	if err != nil {
		return material{}, false, nil // not a Kubernetes object: not ours to judge
	}
	if ref.Namespace != "" && meta.Namespace != "" && meta.Namespace != ref.Namespace {
		return material{}, false, nil
	}
	src := Source{Kind: meta.Kind, Name: meta.Name, File: meta.Annotations["internal.config.kubernetes.io/path"]}
	// Orchestrators (kpt, kustomize) set the legacy annotation too; their
	// items' lines count in the ResourceList, not in the file.
	src.lines = src.File != "" && meta.Annotations["config.kubernetes.io/path"] == ""
	if src.File == "" {
		src.File = meta.Annotations["config.kubernetes.io/path"]
	}
	switch {
	case meta.APIVersion == "v1" && meta.Kind == "Secret" && meta.Name == ref.Name:
		return fromSecret(key, o, src)
	case meta.APIVersion == "bitnami.com/v1alpha1" && meta.Kind == "SealedSecret" && meta.Name == ref.Name:
		v, err := o.Pipe(yaml.Lookup("spec", "encryptedData", key))
		if err != nil || v == nil {
			return material{src: src}, true, missingKey{fmt.Sprintf("%s: spec.encryptedData has no key %q", src, key)}
		}
		return material{src: src, data: []byte(yaml.GetValue(v))}, true, nil
	case meta.Kind == "ExternalSecret" && isExternalSecretsAPI(meta.APIVersion) && externalTarget(o, meta.Name) == ref.Name:
		return fromExternalSecret(key, o, src)
	}
	return material{}, false, nil
}

func fromSecret(key string, o *yaml.RNode, src Source) (material, bool, error) {
	// SOPS encrypts values in place and adds a "sops" field: hash the
	// ciphertext, which changes whenever the plaintext does.
	sops, _ := o.Pipe(yaml.Lookup("sops"))
	if v, _ := o.Pipe(yaml.Lookup("stringData", key)); v != nil {
		return material{src: src, data: []byte(yaml.GetValue(v)), plain: sops == nil, at: at(src, v), field: "stringData." + key}, true, nil
	}
	v, _ := o.Pipe(yaml.Lookup("data", key))
	if v == nil {
		return material{src: src}, true, missingKey{fmt.Sprintf("%s has no key %q (spec.auth.secret)", src, key)}
	}
	if sops != nil {
		return material{src: src, data: []byte(yaml.GetValue(v))}, true, nil
	}
	data, err := base64.StdEncoding.DecodeString(yaml.GetValue(v))
	if err != nil {
		return material{}, false, fmt.Errorf("%s: data.%s is not valid base64", src, key)
	}
	return material{src: src, data: data, plain: true, at: at(src, v), field: "data." + key}, true, nil
}

// at is where a value stands: file:line:col, or the object without a file.
func at(src Source, v *yaml.RNode) string {
	if !src.lines {
		return src.String()
	}
	return fmt.Sprintf("%s:%d:%d", src.File, v.YNode().Line, v.YNode().Column)
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
func fromExternalSecret(key string, o *yaml.RNode, src Source) (material, bool, error) {
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
		if d.SecretKey == key {
			b, _ := json.Marshal(d)
			return material{src: src, data: b}, true, nil
		}
	}
	if spec.DataFrom == nil && spec.Target.Template == nil {
		return material{src: src}, true, missingKey{fmt.Sprintf("%s has no spec.data entry with secretKey %q and no spec.dataFrom", src, key)}
	}
	b, _ := json.Marshal([]any{spec.DataFrom, spec.Target.Template})
	return material{src: src, data: b}, true, nil
}
