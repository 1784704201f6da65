package jwks

import (
	"crypto/cipher"
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/chacha20poly1305"
)

// defaultSecret is Better Auth's built-in development secret. Better Auth
// never uses it as the legacy secret of a versioned configuration.
const defaultSecret = "better-auth-secret-12345678901234567890"

// Secrets holds the decryption keys derived from the secrets an application
// runs with. Its zero value holds no keys. It never formats its contents, so
// it is safe to print by accident.
type Secrets struct {
	// legacy decrypts bare-hex values; nil when no such secret is set.
	legacy cipher.AEAD
	// versions decrypts "$ba$<version>$" envelopes; nil when
	// BETTER_AUTH_SECRETS is unset, which makes Better Auth use the legacy
	// secret for every value, envelopes included.
	versions map[int]cipher.AEAD
	// current is the version Better Auth encrypts new values with: the
	// first entry of BETTER_AUTH_SECRETS.
	current int
}

// ParseSecrets builds Secrets from the values of the BETTER_AUTH_SECRET and
// BETTER_AUTH_SECRETS environment variables, as Better Auth reads them.
// secrets has the form "version:secret,version:secret" with the current
// version first. Either argument may be empty, not both. Errors never
// contain secret values.
func ParseSecrets(secret, secrets string) (Secrets, error) {
	var s Secrets
	if secrets != "" {
		s.versions = make(map[int]cipher.AEAD)
		for i, entry := range strings.Split(secrets, ",") {
			v, value, ok := strings.Cut(strings.TrimSpace(entry), ":")
			if !ok {
				return Secrets{}, fmt.Errorf("BETTER_AUTH_SECRETS entry %d: want <version>:<secret>", i+1)
			}
			version, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || version < 0 {
				return Secrets{}, fmt.Errorf("BETTER_AUTH_SECRETS entry %d: version must be a non-negative integer", i+1)
			}
			value = strings.TrimSpace(value)
			if value == "" {
				return Secrets{}, fmt.Errorf("BETTER_AUTH_SECRETS entry %d: empty secret for version %d", i+1, version)
			}
			if _, dup := s.versions[version]; dup {
				return Secrets{}, fmt.Errorf("BETTER_AUTH_SECRETS entry %d: duplicate version %d", i+1, version)
			}
			s.versions[version] = newAEAD(value)
			if i == 0 {
				s.current = version
			}
		}
		if secret == defaultSecret {
			secret = ""
		}
	}
	if secret != "" {
		s.legacy = newAEAD(secret)
	}
	if s.legacy == nil && s.versions == nil {
		return Secrets{}, errors.New("no secret: set BETTER_AUTH_SECRET or BETTER_AUTH_SECRETS")
	}
	return s, nil
}

// newAEAD returns XChaCha20-Poly1305 keyed with SHA-256(secret), the cipher
// of Better Auth's symmetricEncrypt.
func newAEAD(secret string) cipher.AEAD {
	key := sha256.Sum256([]byte(secret))
	aead, err := chacha20poly1305.NewX(key[:])
	if err != nil {
		// Unreachable: a SHA-256 digest always has the key size.
		panic(err)
	}
	return aead
}

// String hides the secrets.
func (Secrets) String() string { return "jwks.Secrets{redacted}" }

// GoString hides the secrets from %#v.
func (s Secrets) GoString() string { return s.String() }
