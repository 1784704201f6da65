package jwks

import (
	"crypto/cipher"
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
	var data string
	switch trimmed := strings.TrimSpace(privateKey); {
	case strings.HasPrefix(trimmed, "{") && json.Valid([]byte(trimmed)):
		return nil
	case strings.HasPrefix(trimmed, `"`) && json.Unmarshal([]byte(trimmed), &data) == nil:
	default:
		return ErrUnrecognized
	}
	aead, payload, err := s.cipherFor(data)
	if err != nil {
		return err
	}
	return open(aead, payload)
}

// cipherFor selects the key for an encrypted payload the way Better Auth's
// symmetricDecrypt does, and returns the hex ciphertext to decrypt.
func (s Secrets) cipherFor(data string) (cipher.AEAD, string, error) {
	// Only versioned secrets read envelopes: with a plain secret Better Auth
	// decrypts everything as bare hex, so an envelope fails to decode.
	if s.versions != nil {
		if version, payload, ok := parseEnvelope(data); ok {
			aead, found := s.versions[version]
			if !found {
				return nil, "", fmt.Errorf("%w: secret version %d is not configured", ErrUndecryptable, version)
			}
			return aead, payload, nil
		}
	}
	if s.legacy == nil {
		return nil, "", fmt.Errorf("%w: value has no version envelope and BETTER_AUTH_SECRET is not set", ErrUndecryptable)
	}
	return s.legacy, data, nil
}

// parseEnvelope splits "$ba$<version>$<hex>".
func parseEnvelope(data string) (version int, payload string, ok bool) {
	rest, found := strings.CutPrefix(data, envelopePrefix)
	if !found {
		return 0, "", false
	}
	v, payload, found := strings.Cut(rest, "$")
	if !found {
		return 0, "", false
	}
	version, err := strconv.Atoi(v)
	if err != nil || version < 0 {
		return 0, "", false
	}
	return version, payload, true
}

// open authenticates hex nonce‖ciphertext‖tag, the output of noble's
// managedNonce(xchacha20poly1305).
func open(aead cipher.AEAD, payload string) error {
	raw, err := hex.DecodeString(payload)
	if err != nil {
		return fmt.Errorf("%w: not hex", ErrUndecryptable)
	}
	if len(raw) < aead.NonceSize()+aead.Overhead() {
		return fmt.Errorf("%w: ciphertext too short", ErrUndecryptable)
	}
	nonce, ciphertext := raw[:aead.NonceSize()], raw[aead.NonceSize():]
	if _, err := aead.Open(nil, nonce, ciphertext, nil); err != nil {
		return fmt.Errorf("%w: authentication failed (encrypted with another secret)", ErrUndecryptable)
	}
	return nil
}
