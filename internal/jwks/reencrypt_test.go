package jwks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// jwk is a stand-in private JWK: the plaintext Better Auth encrypts.
const jwk = `{"kty":"OKP","crv":"Ed25519","x":"test-x","d":"test-d"}`

// sealAs encrypts jwk as Better Auth does with BETTER_AUTH_SECRETS whose
// current entry is version:secret.
func sealAs(tb testing.TB, version int, secret string) string {
	tb.Helper()
	s, err := ParseSecrets("", fmt.Sprintf("%d:%s", version, secret))
	if err != nil {
		tb.Fatal(err)
	}
	v, err := s.seal([]byte(jwk))
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// TestSealFormat checks the stored form of a re-encrypted key: the JSON
// string of "$ba$<current>$" and lower-case hex of a 24-byte nonce, the
// ciphertext and a 16-byte tag, fresh nonce each time, that the current
// secret alone decrypts to the same plaintext.
func TestSealFormat(t *testing.T) {
	const current, old = "seal-test-current-secret", "seal-test-old-secret"
	s, err := ParseSecrets("", "7:"+current+",3:"+old)
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.seal([]byte(jwk))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := s.seal([]byte(jwk))
	want := regexp.MustCompile(fmt.Sprintf(`^"\$ba\$7\$[0-9a-f]{%d}"$`, 2*(24+len(jwk)+16)))
	if !want.MatchString(a) {
		t.Errorf("sealed value %.20s... does not match %s", a, want)
	}
	if a == b {
		t.Error("two seals of one plaintext are equal: the nonce is not fresh")
	}
	only, _ := ParseSecrets("", "7:"+current)
	key, err := only.open(a)
	if err != nil || string(key.plaintext) != jwk || key.version != 7 {
		t.Errorf("open with the current secret only: version %d, plaintext ok %v, %v", key.version, string(key.plaintext) == jwk, err)
	}
	if err := (mustSecrets(t, "", "3:"+old)).Check(a); !errors.Is(err, ErrUndecryptable) {
		t.Errorf("old secret decrypts the re-encrypted key: %v", err)
	}
}

func mustSecrets(tb testing.TB, secret, secrets string) Secrets {
	tb.Helper()
	s, err := ParseSecrets(secret, secrets)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// TestReencryptBetterAuthVectors re-encrypts the keys real Better Auth
// wrote (testdata/better-auth/vectors.json) and checks that, with the old
// version dropped, they decrypt to what Better Auth stored. The node
// end-to-end test (e2e/better-auth) checks that Better Auth itself signs
// with them.
func TestReencryptBetterAuthVectors(t *testing.T) {
	const a = "test-only-secret-A-0123456789abcdefghijklmnop"
	const b = "test-only-secret-B-0123456789abcdefghijklmnop"
	f := loadVectors(t)
	during := mustSecrets(t, a, "2:"+b+",1:"+a)
	after := mustSecrets(t, "", "2:"+b)
	reencrypted := 0
	for _, v := range f.Vectors {
		key, err := during.open(v.PrivateKey)
		if err != nil || key.plaintext == nil {
			continue // a plain JWK, or not decryptable with A and B
		}
		sealed, err := during.seal(key.plaintext)
		if err != nil {
			t.Fatal(err)
		}
		got, err := after.open(sealed)
		if err != nil || !bytes.Equal(got.plaintext, key.plaintext) {
			t.Errorf("%s: re-encrypted key does not open with 2:B alone: %v", v.Name, err)
		}
		reencrypted++
	}
	if reencrypted < 3 {
		t.Errorf("only %d vectors re-encrypted; want the plain, 1:A and 2:B,1:A ones", reencrypted)
	}
}

// TestPurgeReencrypt runs the reencrypt strategy over every kind of row.
func TestPurgeReencrypt(t *testing.T) {
	const (
		legacy  = "reencrypt-test-legacy-secret"
		v1      = "reencrypt-test-secret-v1"
		v2      = "reencrypt-test-secret-v2"
		retired = "reencrypt-test-secret-v3-retired"
	)
	secrets := mustSecrets(t, legacy, "2:"+v2+",1:"+v1)
	rows := map[string]string{
		"k-v1":      sealAs(t, 1, v1),
		"k-v2":      sealAs(t, 2, v2),
		"k-legacy":  seal(t, legacy),
		"k-retired": sealAs(t, 3, retired),
		"k-forged":  sealAs(t, 1, "not-v1"),
		"k-bare":    seal(t, "not-the-legacy-secret"),
		"k-plain":   jwk,
		"k-odd":     unrecognizedKey,
		"k-null":    nullKey,
	}
	for _, d := range databases(t) {
		t.Run(string(d.dialect), func(t *testing.T) {
			table := d.createTable(t, rows)
			var log bytes.Buffer
			opts := Options{DatabaseURL: d.url, Dialect: d.dialect, Table: table, Strategy: Reencrypt, Secrets: secrets, Log: &log}
			want := Report{Scanned: 9, Kept: 3, Unrecognized: 1,
				Reencrypted: []string{"k-legacy", "k-v1"}, Deleted: []string{"k-bare", "k-forged", "k-retired"}, Skipped: []string{"k-null"}}

			dry := opts
			dry.DryRun = true
			report, err := Purge(context.Background(), dry)
			if err != nil || !equalReports(report, want) {
				t.Fatalf("dry run: report %+v, %v; want %+v", report, err, want)
			}
			before := d.rows(t, table)
			if len(before) != len(rows) {
				t.Fatalf("dry run changed the table: %d rows", len(before))
			}

			report, err = Purge(context.Background(), opts)
			if err != nil || !equalReports(report, want) {
				t.Fatalf("report %+v, %v; want %+v", report, err, want)
			}
			after := d.rows(t, table)
			if ids := slices.Sorted(maps.Keys(after)); !slices.Equal(ids, []string{"k-legacy", "k-null", "k-odd", "k-plain", "k-v1", "k-v2"}) {
				t.Errorf("rows left: %v", ids)
			}
			current := mustSecrets(t, "", "2:"+v2)
			for id, row := range after {
				if row[0] != "pub-"+id {
					t.Errorf("%s: public key changed", id)
				}
				switch id {
				case "k-v1", "k-legacy":
					old, _ := secrets.open(before[id][1])
					key, err := current.open(row[1])
					if err != nil || !bytes.Equal(key.plaintext, old.plaintext) || !strings.HasPrefix(row[1], `"$ba$2$`) {
						t.Errorf("%s: not re-encrypted with version 2 alone (%v)", id, err)
					}
				default:
					if row[1] != before[id][1] {
						t.Errorf("%s: privateKey changed", id)
					}
				}
			}
			for _, line := range []string{
				"9 keys scanned, 3 kept (1 unrecognized), 2 to re-encrypt, 3 to delete, 1 skipped (strategy reencrypt)",
				"k-legacy: re-encrypt with secret version 2: encrypted with BETTER_AUTH_SECRET (bare hex)",
				"k-v1: re-encrypt with secret version 2: encrypted with secret version 1",
				"k-retired: delete: undecryptable with the configured secrets: secret version 3 is not configured",
				"k-null: skipped: privateKey is NULL",
				"re-encrypted 2 of 9 keys with secret version 2",
				"deleted 3 of 9 keys",
			} {
				if !strings.Contains(log.String(), line) {
					t.Errorf("log lacks %q:\n%s", line, log.String())
				}
			}
			var material []string
			for _, r := range [](map[string][2]string){before, after} {
				for _, row := range r {
					material = append(material, row[1])
				}
			}
			assertNoLeak(t, log.String(), append(material, legacy, v1, v2, retired, `"test-d"`, password(t, d.url))...)

			// Idempotent: a second run changes nothing, not even a nonce.
			log.Reset()
			report, err = Purge(context.Background(), opts)
			want = Report{Scanned: 6, Kept: 5, Unrecognized: 1, Skipped: []string{"k-null"}}
			if err != nil || !equalReports(report, want) {
				t.Errorf("second run: %+v, %v; want %+v", report, err, want)
			}
			if again := d.rows(t, table); !maps.Equal(again, after) {
				t.Error("second run changed the table")
			}
		})
	}
}

// TestPurgeNullPrivateKey: a NULL privateKey is skipped and reported by id
// under every strategy that reads keys, and the other rows are processed.
func TestPurgeNullPrivateKey(t *testing.T) {
	const secret = "null-test-secret"
	rows := map[string]string{"k-null": nullKey, "k-bad": seal(t, "other"), "k-good": seal(t, secret)}
	tests := []struct {
		strategy Strategy
		secrets  Secrets
		want     Report
		left     []string
	}{
		{Undecryptable, mustSecrets(t, secret, ""), Report{Scanned: 3, Kept: 1, Deleted: []string{"k-bad"}, Skipped: []string{"k-null"}}, []string{"k-good", "k-null"}},
		{Reencrypt, mustSecrets(t, secret, "1:"+secret), Report{Scanned: 3, Reencrypted: []string{"k-good"}, Deleted: []string{"k-bad"}, Skipped: []string{"k-null"}}, []string{"k-good", "k-null"}},
		// All deletes every row, as DELETE FROM jwks does.
		{All, Secrets{}, Report{Scanned: 3, Deleted: []string{"k-bad", "k-good", "k-null"}}, nil},
	}
	for _, d := range databases(t) {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/%s", d.dialect, tt.strategy), func(t *testing.T) {
				table := d.createTable(t, rows)
				var log bytes.Buffer
				report, err := Purge(context.Background(), Options{DatabaseURL: d.url, Dialect: d.dialect, Table: table, Strategy: tt.strategy, Secrets: tt.secrets, Log: &log})
				if err != nil || !equalReports(report, tt.want) {
					t.Fatalf("report %+v, %v; want %+v", report, err, tt.want)
				}
				if got := d.ids(t, table); !slices.Equal(got, tt.left) {
					t.Errorf("rows left %v, want %v", got, tt.left)
				}
				if tt.strategy != All && !strings.Contains(log.String(), "k-null: skipped: privateKey is NULL") {
					t.Errorf("log does not report the NULL row:\n%s", log.String())
				}
			})
		}
	}
}

// TestPurgeNullID: with --id-column naming a nullable column, rows whose id
// is NULL cannot be addressed; they are counted and left alone.
func TestPurgeNullID(t *testing.T) {
	for _, d := range databases(t) {
		t.Run(string(d.dialect), func(t *testing.T) {
			q := d.dialect.quote
			table := fmt.Sprintf("jwks_nullid_%d", time.Now().UnixNano())
			d.exec(t, fmt.Sprintf("CREATE TABLE %s (%s varchar(36), %s text)", q(table), q("kid"), q("privateKey")))
			t.Cleanup(func() { d.exec(t, "DROP TABLE "+q(table)) })
			d.exec(t, fmt.Sprintf("INSERT INTO %s (%s, %s) VALUES (NULL, %s), (%s, %s)", q(table), q("kid"), q("privateKey"),
				"'\"00\"'", "'k-bad'", "'\"00\"'"))
			var log bytes.Buffer
			report, err := Purge(context.Background(), Options{DatabaseURL: d.url, Dialect: d.dialect, Table: table, IDColumn: "kid",
				Secrets: mustSecrets(t, "null-id-secret", ""), Log: &log})
			want := Report{Scanned: 2, Deleted: []string{"k-bad"}, NullIDs: 1}
			if err != nil || !equalReports(report, want) {
				t.Fatalf("report %+v, %v; want %+v", report, err, want)
			}
			if !strings.Contains(log.String(), `1 rows skipped: kid is NULL`) {
				t.Errorf("log:\n%s", log.String())
			}
		})
	}
}
