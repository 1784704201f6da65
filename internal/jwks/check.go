package jwks

import (
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

var (
	// ErrUndecryptable marks a stored key that Better Auth, running with the
	// given secrets, fails on with "Failed to decrypt private key".
	ErrUndecryptable = errors.New("undecryptable with the configured secrets")
	// ErrUnrecognized marks a stored value that is neither an encrypted key
	// nor a plain JWK; Purge keeps such rows rather than guess.
	ErrUnrecognized = errors.New("unrecognized privateKey format")
)

const envelopePrefix = "$ba$"

// Check reports whether Better Auth, running with s, can use a privateKey
// value stored in the jwks table. It returns nil for a value that decrypts
// and for a plain JWK stored with private key encryption disabled; otherwise
// an error wrapping ErrUndecryptable or ErrUnrecognized. Errors never contain
// key material.
func (s Secrets) Check(privateKey string) error {
	_, err := s.open(privateKey)
	return err
}

// stored is a privateKey value that Better Auth can use.
type stored struct {
	// plaintext is the decrypted JWK; nil for a plain JWK stored with
	// private key encryption disabled.
	plaintext []byte
	// version is the envelope's secret version, or -1 for bare hex.
	version int
}

// open decrypts a stored privateKey value as Better Auth's jwt plugin does:
// JSON.parse, then symmetricDecrypt (plugins/jwt/sign.mjs).
func (s Secrets) open(privateKey string) (stored, error) {
	var data string
	switch trimmed := strings.TrimSpace(privateKey); {
	case strings.HasPrefix(trimmed, "{") && json.Valid([]byte(trimmed)):
		return stored{version: -1}, nil
	case strings.HasPrefix(trimmed, `"`) && json.Unmarshal([]byte(trimmed), &data) == nil:
	default:
		return stored{}, ErrUnrecognized
	}
	aead, version, payload, err := s.cipherFor(data)
	if err != nil {
		return stored{}, err
	}
	plaintext, err := decrypt(aead, payload)
	if err != nil {
		return stored{}, err
	}
	return stored{plaintext: plaintext, version: version}, nil
}

// cipherFor selects the key for an encrypted payload the way Better Auth's
// symmetricDecrypt does, and returns the envelope's version (-1 for bare
// hex) and the hex ciphertext to decrypt.
func (s Secrets) cipherFor(data string) (cipher.AEAD, int, string, error) {
	// Only versioned secrets read envelopes: with a plain secret Better Auth
	// decrypts everything as bare hex, so an envelope fails to decode.
	if s.versions != nil {
		if version, payload, ok := parseEnvelope(data); ok {
			aead, found := s.versions[version]
			if !found && version < 0 {
				return nil, 0, "", fmt.Errorf("%w: secret version out of range", ErrUndecryptable)
			}
			if !found {
				return nil, 0, "", fmt.Errorf("%w: secret version %d is not configured", ErrUndecryptable, version)
			}
			return aead, version, payload, nil
		}
	}
	if s.legacy == nil {
		return nil, 0, "", fmt.Errorf("%w: value has no version envelope and BETTER_AUTH_SECRET is not set", ErrUndecryptable)
	}
	return s.legacy, -1, data, nil
}

// parseEnvelope splits "$ba$<version>$<hex>" as Better Auth's parseEnvelope
// (crypto/index.mjs) does, version parsed with JavaScript's parseInt: "2x"
// is version 2, an empty or non-numeric version is no envelope. A version
// too large for an int is returned as -2, which no configuration holds, as
// no JavaScript Map key matches it either.
func parseEnvelope(data string) (version int, payload string, ok bool) {
	rest, found := strings.CutPrefix(data, envelopePrefix)
	if !found {
		return 0, "", false
	}
	v, payload, found := strings.Cut(rest, "$")
	if !found {
		return 0, "", false
	}
	version, ok = parseIntJS(v)
	if !ok {
		return 0, "", false
	}
	return version, payload, true
}

// parseIntJS mimics parseInt(s, 10) followed by Better Auth's check
// Number.isInteger(version) && version >= 0: leading white space, an
// optional sign, then the longest run of digits. -0 is 0.
func parseIntJS(s string) (int, bool) {
	s = strings.TrimLeft(s, " \t\n\v\f\r\u00a0\ufeff")
	negative := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		negative = s[0] == '-'
		s = s[1:]
	}
	end := 0
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	if end == 0 {
		return 0, false
	}
	n, err := strconv.Atoi(s[:end])
	switch {
	case err != nil && !negative:
		return -2, true
	case err != nil || (negative && n != 0):
		return 0, false
	}
	return n, true
}

// decrypt authenticates and opens hex nonce‖ciphertext‖tag, the output of
// noble's managedNonce(xchacha20poly1305).
func decrypt(aead cipher.AEAD, payload string) ([]byte, error) {
	raw, err := hex.DecodeString(payload)
	if err != nil {
		return nil, fmt.Errorf("%w: not hex", ErrUndecryptable)
	}
	if len(raw) < aead.NonceSize()+aead.Overhead() {
		return nil, fmt.Errorf("%w: ciphertext too short", ErrUndecryptable)
	}
	nonce, ciphertext := raw[:aead.NonceSize()], raw[aead.NonceSize():]
	plaintext, err := aead.Open(nil, nonce, ciphertext, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: authentication failed (encrypted with another secret)", ErrUndecryptable)
	}
	return plaintext, nil
}

// seal encrypts plaintext as Better Auth's createJwk stores a new key with
// versioned secrets: JSON.stringify(symmetricEncrypt(...)), that is the JSON
// string of "$ba$<current version>$" followed by lower-case hex of a random
// 24-byte nonce, the XChaCha20-Poly1305 ciphertext and its tag
// (crypto/index.mjs rawEncrypt and formatEnvelope, plugins/jwt/utils.mjs).
func (s Secrets) seal(plaintext []byte) (string, error) {
	aead, found := s.versions[s.current]
	if !found {
		return "", errors.New("no current secret version: set BETTER_AUTH_SECRETS")
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("nonce: %w", err)
	}
	sealed := aead.Seal(nonce, nonce, plaintext, nil)
	value, err := json.Marshal(envelopePrefix + strconv.Itoa(s.current) + "$" + hex.EncodeToString(sealed))
	if err != nil {
		return "", fmt.Errorf("encode: %w", err)
	}
	return string(value), nil
}
