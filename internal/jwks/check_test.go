package jwks

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// vectorFile is written by e2e/better-auth/vectors.mjs from real Better Auth.
type vectorFile struct {
	BetterAuthVersion string `json:"betterAuthVersion"`
	Vectors           []struct {
		Name       string `json:"name"`
		PrivateKey string `json:"privateKey"`
		Cases      []struct {
			Env         map[string]string `json:"env"`
			Decryptable bool              `json:"decryptable"`
		} `json:"cases"`
	} `json:"vectors"`
}

func loadVectors(t *testing.T) vectorFile {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "better-auth", "vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f vectorFile
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatalf("vectors.json: %v", err)
	}
	if len(f.Vectors) == 0 {
		t.Fatal("vectors.json has no vectors")
	}
	return f
}

func TestCheckBetterAuthVectors(t *testing.T) {
	f := loadVectors(t)
	for _, v := range f.Vectors {
		for i, c := range v.Cases {
			t.Run(fmt.Sprintf("%s/case%d", v.Name, i), func(t *testing.T) {
				s, err := ParseSecrets(c.Env["BETTER_AUTH_SECRET"], c.Env["BETTER_AUTH_SECRETS"])
				if err != nil {
					t.Fatal(err)
				}
				err = s.Check(v.PrivateKey)
				if got := err == nil; got != c.Decryptable {
					// Env names only: the values are secrets, even test ones.
					t.Errorf("better-auth %s says decryptable=%v with %s; Check: %v", f.BetterAuthVersion, c.Decryptable, envNames(c.Env), err)
				}
				if err != nil && !errors.Is(err, ErrUndecryptable) {
					t.Errorf("Check: %v, want ErrUndecryptable", err)
				}
			})
		}
	}
}

func envNames(env map[string]string) string {
	var names []string
	for k := range env {
		names = append(names, k)
	}
	return strings.Join(names, "+")
}

func TestCheckMalformed(t *testing.T) {
	s, err := ParseSecrets("secret-a", "2:secret-b")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, value string
		want        error
	}{
		{"empty", ``, ErrUnrecognized},
		{"bare hex without JSON quotes", `deadbeef`, ErrUnrecognized},
		{"JSON number", `42`, ErrUnrecognized},
		{"broken JSON object", `{"kty":`, ErrUnrecognized},
		{"not hex", `"zz"`, ErrUndecryptable},
		{"odd hex", `"abc"`, ErrUndecryptable},
		{"too short", `"` + strings.Repeat("00", 39) + `"`, ErrUndecryptable},
		{"garbage ciphertext", `"` + strings.Repeat("00", 64) + `"`, ErrUndecryptable},
		{"unknown version", `"$ba$7$00"`, ErrUndecryptable},
		{"envelope without version falls back to legacy", `"$ba$$00"`, ErrUndecryptable},
		{"plain JWK", `{"kty":"OKP","crv":"Ed25519","x":"x","d":"d"}`, nil},
		{"plain JWK with spaces", ` {"kty":"OKP"} `, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.Check(tt.value); !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Errorf("Check(%q) = %v, want %v", tt.value, err, tt.want)
			}
		})
	}
}

func TestCheckZeroSecrets(t *testing.T) {
	if err := (Secrets{}).Check(`"00"`); !errors.Is(err, ErrUndecryptable) {
		t.Errorf("zero Secrets: Check = %v, want ErrUndecryptable", err)
	}
}

func TestParseSecrets(t *testing.T) {
	const secret = "s3cr3t-value-that-must-not-leak"
	tests := []struct {
		name, secret, secrets string
		wantErr               string
	}{
		{name: "legacy only", secret: secret},
		{name: "versioned only", secrets: "2:" + secret + ",1:other"},
		{name: "both", secret: secret, secrets: "1:" + secret},
		{name: "spaces and leading zero", secrets: " 02 : " + secret + " , 1:x"},
		{name: "none", wantErr: "no secret"},
		{name: "missing colon", secrets: secret, wantErr: "entry 1: want <version>:<secret>"},
		{name: "bad version", secrets: "1:x,v2:" + secret, wantErr: "entry 2: version must be"},
		{name: "negative version", secrets: "-1:" + secret, wantErr: "entry 1: version must be"},
		{name: "empty value", secrets: "1: ", wantErr: "entry 1: empty secret for version 1"},
		{name: "duplicate", secrets: "1:" + secret + ",1:" + secret, wantErr: "entry 2: duplicate version 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseSecrets(tt.secret, tt.secrets)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ParseSecrets: %v", err)
				}
			} else if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("ParseSecrets error = %v, want %q", err, tt.wantErr)
			}
			for _, out := range []string{fmt.Sprint(err), fmt.Sprintf("%v %+v %#v %s", s, s, s, s)} {
				if strings.Contains(out, secret) {
					t.Errorf("secret leaked: %q", out)
				}
			}
		})
	}
}

func TestParseSecretsDefaultLegacyIgnored(t *testing.T) {
	// Better Auth drops its built-in default as legacy secret when versioned
	// secrets are set, so a bare value under it must not decrypt.
	s, err := ParseSecrets(defaultSecret, "1:x")
	if err != nil {
		t.Fatal(err)
	}
	if s.legacy != nil {
		t.Error("default secret kept as legacy secret")
	}
}
