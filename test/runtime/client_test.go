package runtime_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"time"
)

// errSessionRejected: /token answered 401, refusing the session cookie.
var errSessionRejected = errors.New("session rejected (401)")

// get returns the body of a 200 answer to GET url.
func get(client *http.Client, url string) (string, error) {
	resp, err := client.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return string(b), fmt.Errorf("GET %s: %s: %.200s", url, resp.Status, b)
	}
	return string(b), nil
}

// authClient speaks to Better Auth's HTTP API at base (a Service).
type authClient struct {
	http *http.Client
	base string
	// origin, when set, is sent as the Origin of every POST, as a browser
	// on the app's URL sends it; Better Auth then checks it against its
	// trusted origins (BETTER_AUTH_URL's origin and
	// BETTER_AUTH_TRUSTED_ORIGINS), on sign-up and sign-in too.
	origin string
}

// browser returns a client that does what a browser on the app's URL
// does for what Better Auth checks: every POST carries origin, and cookies
// live in a cookie jar, which (like a browser) never sends a Secure cookie
// over plain HTTP, so a session works over http only if Better Auth did not
// mark its cookie Secure (it does when its base URL is https).
func (c authClient) browser(origin string) authClient {
	jar, err := cookiejar.New(nil)
	if err != nil {
		panic(err) // cookiejar.New fails on no options
	}
	hc := *c.http
	hc.Jar = jar
	return authClient{http: &hc, base: c.base, origin: origin}
}

// post sends a JSON body and returns the response and its body.
func (c authClient) post(path string, body any) (*http.Response, []byte, error) {
	data, err := json.Marshal(body)
	if err != nil {
		return nil, nil, err
	}
	req, err := http.NewRequest(http.MethodPost, c.base+path, bytes.NewReader(data))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.origin != "" {
		req.Header.Set("Origin", c.origin)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return resp, b, fmt.Errorf("POST %s: %s: %.200s", path, resp.Status, b)
	}
	return resp, b, nil
}

// signUp creates the user.
func (c authClient) signUp(email, password string) error {
	_, _, err := c.post("/api/auth/sign-up/email", map[string]string{"email": email, "password": password, "name": "load"})
	return err
}

// signIn signs in with email and password and returns the session cookie
// ("name=value"). The load client carries it by hand, so that it works
// whatever the cookie's attributes; signInCheck checks those with a
// browser client's cookie jar.
func (c authClient) signIn(email, password string) (string, error) {
	ck, err := c.signInCookie(email, password)
	if err != nil {
		return "", err
	}
	return ck.Name + "=" + ck.Value, nil
}

// signInCookie signs in and returns the session cookie as set.
func (c authClient) signInCookie(email, password string) (*http.Cookie, error) {
	resp, _, err := c.post("/api/auth/sign-in/email", map[string]string{"email": email, "password": password})
	if err != nil {
		return nil, err
	}
	for _, ck := range resp.Cookies() {
		if strings.HasSuffix(ck.Name, "better-auth.session_token") {
			return ck, nil
		}
	}
	return nil, errors.New("sign-in set no session cookie")
}

// token asks the JWT plugin's /token for a JWT of the session: the
// session cookie given ("name=value"), or, when empty, what the client's
// cookie jar sends.
func (c authClient) token(cookie string) (string, error) {
	req, err := http.NewRequest(http.MethodGet, c.base+"/api/auth/token", nil)
	if err != nil {
		return "", err
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode == http.StatusUnauthorized {
		return "", fmt.Errorf("GET /api/auth/token: %w: %.200s", errSessionRejected, b)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET /api/auth/token: %s: %.200s", resp.Status, b)
	}
	var out struct{ Token string }
	if err := json.Unmarshal(b, &out); err != nil || out.Token == "" {
		return "", fmt.Errorf("GET /api/auth/token: no token in %.200s", b)
	}
	return out.Token, nil
}

// jwk is one key of a JWKS; Better Auth's default is Ed25519 (EdDSA).
type jwk struct {
	Kid, Kty, Crv, X, Alg string
}

// jwks fetches the key set.
func (c authClient) jwks() ([]jwk, error) {
	body, err := get(c.http, c.base+"/api/auth/jwks")
	if err != nil {
		return nil, err
	}
	var set struct{ Keys []jwk }
	if err := json.Unmarshal([]byte(body), &set); err != nil {
		return nil, fmt.Errorf("parse jwks: %w", err)
	}
	return set.Keys, nil
}

// verifyJWT checks an EdDSA JWT against keys: a key with its kid, a valid
// signature, and an exp in the future.
func verifyJWT(token string, keys []jwk, now time.Time) error {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return errors.New("not a JWS compact token")
	}
	var hdr struct{ Alg, Kid string }
	if err := decodeSegment(parts[0], &hdr); err != nil {
		return err
	}
	if hdr.Alg != "EdDSA" {
		return fmt.Errorf("alg %q, want EdDSA", hdr.Alg)
	}
	var key *jwk
	for i := range keys {
		if keys[i].Kid == hdr.Kid {
			key = &keys[i]
		}
	}
	if key == nil {
		return fmt.Errorf("kid %s not in the JWKS (%d keys)", hdr.Kid, len(keys))
	}
	if key.Kty != "OKP" || key.Crv != "Ed25519" {
		return fmt.Errorf("key %s is %s/%s, want OKP/Ed25519", key.Kid, key.Kty, key.Crv)
	}
	pub, err := base64.RawURLEncoding.DecodeString(key.X)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("key %s: bad x", key.Kid)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return fmt.Errorf("signature: %w", err)
	}
	if !ed25519.Verify(ed25519.PublicKey(pub), []byte(parts[0]+"."+parts[1]), sig) {
		return errors.New("signature does not verify")
	}
	var claims struct{ Exp int64 }
	if err := decodeSegment(parts[1], &claims); err != nil {
		return err
	}
	if claims.Exp <= now.Unix() {
		return fmt.Errorf("expired at %s", time.Unix(claims.Exp, 0).UTC())
	}
	return nil
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return fmt.Errorf("decode JWT segment: %w", err)
	}
	return json.Unmarshal(b, v)
}
