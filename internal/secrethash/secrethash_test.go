package secrethash

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

const value = "s3cr3t-value-that-must-never-leak"

var ref = Ref{Name: "better-auth-secret", Key: "better-auth-secret", Namespace: "shop"}

func hash(t *testing.T, r Ref, docs ...string) string {
	t.Helper()
	var objs []*yaml.RNode
	for _, d := range docs {
		objs = append(objs, yaml.MustParse(d))
	}
	h, _, err := Compute(r, objs)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != Len {
		t.Fatalf("hash %q: want %d hex digits", h, Len)
	}
	return h
}

func secret(field, key, v string) string {
	return fmt.Sprintf("apiVersion: v1\nkind: Secret\nmetadata:\n  name: better-auth-secret\n  namespace: shop\n%s:\n  %s: %q\n  other: unrelated\n", field, key, v)
}

func sealed(v string) string {
	return fmt.Sprintf("apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: better-auth-secret\nspec:\n  encryptedData:\n    better-auth-secret: %s\n", v)
}

func external(version string) string {
	return fmt.Sprintf(`apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: auth
spec:
  secretStoreRef: {name: vault, kind: ClusterSecretStore}
  target: {name: better-auth-secret}
  data:
  - secretKey: better-auth-secret
    remoteRef: {key: shop/auth, property: secret, version: %q}
`, version)
}

func TestSourcesAndChanges(t *testing.T) {
	b64 := base64.StdEncoding.EncodeToString([]byte(value))
	plain := hash(t, ref, secret("stringData", "better-auth-secret", value))
	if got := hash(t, ref, secret("data", "better-auth-secret", b64)); got != plain {
		t.Errorf("data and stringData of the same value hash differently: %s, %s", got, plain)
	}
	if got := hash(t, ref, secret("stringData", "better-auth-secret", value+"x")); got == plain {
		t.Error("a new value did not change the hash")
	}
	other := strings.Replace(secret("stringData", "better-auth-secret", value), "unrelated", "changed", 1)
	if got := hash(t, ref, other); got != plain {
		t.Error("another key of the Secret changed the hash")
	}
	withRev := ref
	withRev.Revision = "2"
	if got := hash(t, withRev, secret("stringData", "better-auth-secret", value)); got == plain {
		t.Error("a revision did not change the hash")
	}
	// SOPS: the ciphertext is hashed, as is.
	sops := secret("data", "better-auth-secret", "ENC[AES256_GCM,data:abc,iv:x,tag:y,type:str]") + "sops:\n  version: 3.9.0\n"
	sops2 := strings.Replace(sops, "data:abc", "data:abd", 1)
	if hash(t, ref, sops) == hash(t, ref, sops2) {
		t.Error("a new SOPS ciphertext did not change the hash")
	}
	if hash(t, ref, sealed("AgBy3i4OJSWK")) == hash(t, ref, sealed("AgBy3i4OJSWL")) {
		t.Error("a new SealedSecret ciphertext did not change the hash")
	}
	if hash(t, ref, external("1")) == hash(t, ref, external("2")) {
		t.Error("a new remote version did not change the hash")
	}
	// Objects in another namespace, or of another name, are not the source.
	elsewhere := strings.Replace(secret("stringData", "better-auth-secret", value), "namespace: shop", "namespace: other", 1)
	if _, _, err := Compute(ref, []*yaml.RNode{yaml.MustParse(elsewhere)}); err == nil {
		t.Error("a Secret in another namespace was taken as the source")
	}
}

func TestErrorsSayWhatToAddAndNeverLeak(t *testing.T) {
	_, _, err := Compute(ref, nil)
	if err == nil || !strings.Contains(err.Error(), "SealedSecret") || !strings.Contains(err.Error(), "spec.auth.secret.revision") {
		t.Errorf("no source: %v", err)
	}
	missingKey := Ref{Name: ref.Name, Key: "nope", Namespace: "shop"}
	for _, doc := range []string{secret("stringData", "better-auth-secret", value), secret("data", "better-auth-secret", "not base64!"+value)} {
		for _, r := range []Ref{missingKey, ref} {
			_, _, err := Compute(r, []*yaml.RNode{yaml.MustParse(doc)})
			if err != nil && (strings.Contains(err.Error(), value) || strings.Contains(err.Error(), base64.StdEncoding.EncodeToString([]byte(value)))) {
				t.Errorf("error leaks the secret: %v", err)
			}
		}
	}
	two := []*yaml.RNode{yaml.MustParse(secret("stringData", "better-auth-secret", value)), yaml.MustParse(sealed("x"))}
	if _, _, err := Compute(ref, two); err == nil || !strings.Contains(err.Error(), "keep one") {
		t.Errorf("two sources: %v", err)
	}
}
