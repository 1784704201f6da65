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

// versioned is ref with the BETTER_AUTH_SECRETS list under "versions".
var versioned = Ref{Name: ref.Name, Key: ref.Key, VersionsKey: "versions", Namespace: "shop"}

// withVersions is a Secret with the legacy key (unless legacy is empty) and
// the versions key, in field (data values are base64-encoded here).
func withVersions(field, legacy, versions string) string {
	enc := func(v string) string {
		if field == "data" {
			return base64.StdEncoding.EncodeToString([]byte(v))
		}
		return v
	}
	doc := fmt.Sprintf("apiVersion: v1\nkind: Secret\nmetadata:\n  name: better-auth-secret\n  namespace: shop\n%s:\n  versions: %q\n", field, enc(versions))
	if legacy != "" {
		doc += fmt.Sprintf("  better-auth-secret: %q\n", enc(legacy))
	}
	return doc
}

// With versionsKey the hash covers both keys, for every kind of source; the
// legacy key may be absent.
func TestVersionedSourcesAndChanges(t *testing.T) {
	list := "2:" + value + "-new,1:" + value
	base := hash(t, versioned, withVersions("stringData", value, list))
	if got := hash(t, versioned, withVersions("data", value, list)); got != base {
		t.Error("data and stringData of the same values hash differently")
	}
	changes := map[string]string{
		"a new version in front": withVersions("stringData", value, "3:"+value+"-3,"+list),
		"an old version dropped": withVersions("stringData", value, "2:"+value+"-new"),
		"a new legacy secret":    withVersions("stringData", value+"x", list),
		"the legacy key removed": withVersions("stringData", "", list),
	}
	for what, doc := range changes {
		if hash(t, versioned, doc) == base {
			t.Errorf("%s did not change the hash", what)
		}
	}
	if hash(t, ref, withVersions("stringData", value, list)) == base {
		t.Error("a single-secret stack hashes the same as a versioned one")
	}
	// SOPS ciphertexts, SealedSecrets and ExternalSecrets: each key counts.
	sops := func(legacy, versions string) string {
		return fmt.Sprintf("apiVersion: v1\nkind: Secret\nmetadata:\n  name: better-auth-secret\ndata:\n  better-auth-secret: ENC[%s]\n  versions: ENC[%s]\nsops:\n  version: 3.9.0\n", legacy, versions)
	}
	sealedBoth := func(legacy, versions string) string {
		return sealed(legacy) + "    versions: " + versions + "\n"
	}
	externalBoth := func(legacy, versions string) string {
		return external(legacy) + fmt.Sprintf("  - secretKey: versions\n    remoteRef: {key: shop/auth, property: versions, version: %q}\n", versions)
	}
	for name, doc := range map[string]func(l, v string) string{"SOPS": sops, "SealedSecret": sealedBoth, "ExternalSecret": externalBoth} {
		b := hash(t, versioned, doc("a", "b"))
		if hash(t, versioned, doc("a", "c")) == b || hash(t, versioned, doc("c", "b")) == b {
			t.Errorf("%s: a change of one key did not change the hash", name)
		}
		if _, _, err := Compute(versioned, []*yaml.RNode{yaml.MustParse(doc("a", "not a list"))}); err != nil {
			t.Errorf("%s: encrypted values are not checked, yet: %v", name, err)
		}
	}
}

// A plain Secret's list is checked as Better Auth parses it; the errors
// point at the value and never quote it.
func TestVersionsChecked(t *testing.T) {
	const allowed = `; allowed: "<version>:<secret>,…", current first, distinct non-negative integer versions, non-empty secrets`
	tests := []struct{ list, want string }{
		{"2:" + value + ",1:" + value + "-old", ""},
		{" 2 : " + value + " , 0:" + value, ""},
		{value, "entry 1 has no ':'"},
		{"2:" + value + ",x:" + value, "entry 2 has no integer version"},
		{"2:" + value + ",-1:" + value, "entry 2 has no integer version"},
		{"2:" + value + ",1: ", "entry 2 (version 1) has an empty secret"},
		{"2:" + value + ",2:" + value + "-old", "entry 2 repeats version 2"},
		{"2:" + value + ",", "entry 2 has no ':'"},
	}
	for _, tt := range tests {
		for _, field := range []string{"stringData", "data"} {
			doc := yaml.MustParse(withVersions(field, value, tt.list))
			_ = doc.PipeE(yaml.SetAnnotation("internal.config.kubernetes.io/path", "secret.yaml"))
			_, _, err := Compute(versioned, []*yaml.RNode{doc})
			want := ""
			if tt.want != "" {
				want = "secret.yaml:7:13: " + field + ".versions: " + tt.want + allowed
			}
			if got := fmt.Sprint(err); err == nil && want != "" || err != nil && got != want {
				t.Errorf("%s %s: error %v, want %q", field, strings.ReplaceAll(tt.list, value, "<secret>"), strings.ReplaceAll(got, value, "<secret>"), want)
			}
		}
	}
	missing := yaml.MustParse(withVersions("stringData", value, "1:"+value))
	_ = missing.PipeE(yaml.SetAnnotation("internal.config.kubernetes.io/path", "secret.yaml"))
	r := versioned
	r.VersionsKey = "nope"
	if _, _, err := Compute(r, []*yaml.RNode{missing}); err == nil || err.Error() != `Secret better-auth-secret (secret.yaml) has no key "nope" (spec.auth.secret)` {
		t.Errorf("missing versions key: %v", err)
	}
}
