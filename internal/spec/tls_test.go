package spec

import (
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
)

// platformsForTest declares platform fields the way the overlays do, so that
// the rules are tested apart from any one platform's choices.
const platformsForTest = `
#A: {
	platform: "a"
	url?: string
	host?: string @tls(https)
	certificateArn?: string @tls()
	roleArn?: string
	podIdentity?: bool @excludes(roleArn)
}
#B: {
	platform: "b"
	url?: string
	host?: string
	tlsSecretName?: string @tls(host)
}
#C: {
	platform: "c"
	url?: string
	host?: string
}
env: #A | #B | #C
`

func TestEnvTLS(t *testing.T) {
	ctx := cuecontext.New()
	const auth = "spec.auth.url"
	tests := []struct {
		name, env, url, from string
		want                 []string // "field: message", "!" before a warning
	}{
		{"https with certificate", `{platform: "a", certificateArn: "arn"}`, "https://shop.example.com", auth, nil},
		{"https with host discovery", `{platform: "a", host: "shop.example.com"}`, "https://shop.example.com", auth, nil},
		{"https without TLS", `{platform: "a"}`, "https://shop.example.com", auth, []string{
			": the URL https://shop.example.com (spec.auth.url) is https but environment prod terminates no TLS, so browsers would drop Better Auth's Secure cookies; add host or certificateArn to spec.targets.prod, or use an http:// url"}},
		{"https from the environment's url", `{platform: "b", url: "https://shop.local"}`, "https://shop.local", "spec.targets.prod.url", []string{
			"url: the URL https://shop.local (spec.targets.prod.url) is https but environment prod terminates no TLS, so browsers would drop Better Auth's Secure cookies; add tlsSecretName to spec.targets.prod, or use an http:// url"}},
		{"https on a platform without TLS fields", `{platform: "c"}`, "https://shop.example.com", auth, []string{
			": the URL https://shop.example.com (spec.auth.url) is https but environment prod terminates no TLS, so browsers would drop Better Auth's Secure cookies; use an http:// url"}},
		{"http without TLS", `{platform: "b", host: "shop.local"}`, "http://shop.local", auth, nil},
		{"http with host on a discovery platform", `{platform: "a", host: "shop.local"}`, "http://shop.local", auth, nil},
		{"http with TLS", `{platform: "a", certificateArn: "arn"}`, "http://shop.local", auth, []string{
			"!certificateArn: TLS is configured but the URL http://shop.local (spec.auth.url) is http: Better Auth would issue links and cookies for plain HTTP; use an https:// url, or remove certificateArn"}},
		{"secret with host", `{platform: "b", host: "shop.local", tlsSecretName: "tls"}`, "https://shop.local", auth, nil},
		{"secret without host", `{platform: "b", tlsSecretName: "tls"}`, "https://shop.local/app", auth, []string{
			"tlsSecretName: tlsSecretName needs host, the name the certificate is served for; add host: shop.local"}},
		{"host differs", `{platform: "a", host: "www.example.com", certificateArn: "arn"}`, "https://shop.example.com", auth, []string{
			`host: "www.example.com" is not the host of the URL https://shop.example.com (spec.auth.url); allowed: shop.example.com`}},
		{"host differs in case and port only", `{platform: "a", host: "shop.example.com"}`, "https://Shop.Example.com:8443/x", auth, nil},
		{"exclusive fields", `{platform: "a", roleArn: "r", podIdentity: true, certificateArn: "arn"}`, "https://x.example.com", auth, []string{
			"podIdentity: podIdentity and roleArn exclude each other; remove one"}},
		{"exclusive field turned off", `{platform: "a", roleArn: "r", podIdentity: false, certificateArn: "arn"}`, "https://x.example.com", auth, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := ctx.CompileString(platformsForTest + "\nenv: " + tt.env)
			if v.Err() != nil {
				t.Fatal(v.Err())
			}
			e := v.LookupPath(cue.ParsePath("env"))
			var got []string
			for _, p := range envTLS("prod", e, tt.url, tt.from) {
				s := p.field + ": " + p.msg
				if p.warning {
					s = "!" + s
				}
				got = append(got, s)
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestOrList(t *testing.T) {
	for in, want := range map[string]string{"": "", "a": "a", "a b": "a or b", "a b c": "a, b or c"} {
		if got := orList(strings.Fields(in)); got != want {
			t.Errorf("orList(%q) = %q, want %q", in, got, want)
		}
	}
}
