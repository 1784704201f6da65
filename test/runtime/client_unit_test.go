package runtime_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"
)

// TestVerifyJWT: the load client's verifier, which decides the rotation's
// figures, accepts a good token and refuses each kind of bad one. It needs
// no node.
func TestVerifyJWT(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	otherPub, _, _ := ed25519.GenerateKey(rand.Reader)
	b64 := base64.RawURLEncoding.EncodeToString
	seg := func(v any) string { b, _ := json.Marshal(v); return b64(b) }
	now := time.Now()
	sign := func(kid string, exp time.Time) string {
		in := seg(map[string]string{"alg": "EdDSA", "kid": kid}) + "." + seg(map[string]any{"sub": "u", "exp": exp.Unix()})
		return in + "." + b64(ed25519.Sign(priv, []byte(in)))
	}
	keys := []jwk{{Kid: "k1", Kty: "OKP", Crv: "Ed25519", X: b64(pub), Alg: "EdDSA"}}
	good := sign("k1", now.Add(time.Minute))
	if err := verifyJWT(good, keys, now); err != nil {
		t.Fatalf("good token refused: %v", err)
	}
	tampered := good[:len(good)-4] + "AAAA"
	for name, tc := range map[string]struct {
		tok  string
		keys []jwk
	}{
		"unknown kid": {sign("k2", now.Add(time.Minute)), keys},
		"expired":     {sign("k1", now.Add(-time.Second)), keys},
		"tampered":    {tampered, keys},
		"other key":   {good, []jwk{{Kid: "k1", Kty: "OKP", Crv: "Ed25519", X: b64(otherPub)}}},
		"not a JWT":   {"abc", keys},
	} {
		if err := verifyJWT(tc.tok, tc.keys, now); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
