// Package jwks removes signing keys that Better Auth can no longer use from
// its jwks table, or re-encrypts them with the current secret version.
//
// Better Auth's jwt plugin stores each private key encrypted with a key
// derived from BETTER_AUTH_SECRET (or, with versioned secrets, from an entry
// of BETTER_AUTH_SECRETS). After the secret is rotated, the stored keys no
// longer decrypt and signing fails with "Failed to decrypt private key" until
// the rows are deleted. [Purge] deletes exactly those rows; it is idempotent so
// that it can be re-run when a pod still on the old secret mints a new key.
// With versioned secrets, its [Reencrypt] strategy instead rewrites every key
// an older listed version decrypts with the current one, as Better Auth
// itself would write it, so that issued JWTs keep verifying and the old
// version can be dropped.
//
// The decryption rules mirror better-auth 1.7 (src/crypto/index.ts and
// src/context/secret-utils.ts): a stored privateKey is the JSON encoding of
// either the hex string nonce‖ciphertext‖tag of XChaCha20-Poly1305 keyed with
// SHA-256(secret), or the envelope "$ba$<version>$<hex>" when versioned
// secrets are configured, or, when private key encryption is disabled, the
// JWK object itself.
package jwks
