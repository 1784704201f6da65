package spec

import (
	"testing"

	"cuelang.org/go/cue/cuecontext"
)

// The HTTPS rule of routing: gateway needs a field that terminates TLS for
// the Ingress (@tls, declared by the platforms' TLS settings) to be set,
// and none of the Gateway's certificate fields (#gatewayTLS): a platform
// definition written here, so that the rule is shown to fire whatever the
// overlays declare today.
func TestGatewayHTTPSRule(t *testing.T) {
	const platform = `
#P: {
	routing: *"gateway" | "ingress"
	host?: string @tls(https)
	certificateMap?: string @gateway()
	tlsSecretName?: string
	#gatewayTLS: ["certificateMap", "tlsSecretName"]
}
`
	for _, tc := range []struct{ name, url, env, want string }{
		{"managed certificate only", "https://a.example.com", `{host: "a.example.com"}`,
			"spec.targets.x.routing: gateway gives the URL https://a.example.com no certificate: the Gateway's HTTPS listener takes it from certificateMap or tlsSecretName; add one, name an existing Gateway with gatewayRef, or use routing: ingress"},
		{"certificate map", "https://a.example.com", `{host: "a.example.com", certificateMap: "m"}`, ""},
		{"TLS Secret", "https://a.example.com", `{host: "a.example.com", tlsSecretName: "s"}`, ""},
		{"http URL", "http://a.example.com", `{host: "a.example.com"}`, ""},
		{"existing Gateway", "https://a.example.com", `{host: "a.example.com", gatewayRef: {name: "g"}}`, ""},
		{"nothing for TLS (the TLS rules say so)", "https://a.example.com", `{}`, ""},
		{"Ingress", "https://a.example.com", `{routing: "ingress", host: "a.example.com"}`, ""},
		{"gateway field with Ingress", "https://a.example.com", `{routing: "ingress", certificateMap: "m"}`,
			"spec.targets.x.certificateMap: certificateMap applies only to routing: gateway (routing is ingress); set routing: gateway, or remove certificateMap"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := cuecontext.New().CompileString(platform + `
#P: {gatewayRef?: {name: string} @gateway() @tls(https)}
spec: {auth: url: "` + tc.url + `", targets: x: #P & ` + tc.env + `}
`)
			if err := v.Err(); err != nil {
				t.Fatal(err)
			}
			st := &Stack{Value: v}
			st.Spec.Targets = map[string]any{"x": nil}
			errs := checkRouting("stack.yaml", v, st)
			got := ""
			if len(errs) > 0 {
				got = errs[0].Path + ": " + errs[0].Msg
			}
			if len(errs) > 1 || got != tc.want {
				t.Errorf("got %v\nwant %s", errs, tc.want)
			}
		})
	}
}
