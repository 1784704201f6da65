package compile_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/parser"
	cueyaml "cuelang.org/go/encoding/yaml"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	"sigs.k8s.io/yaml"

	"github.com/authstack/authstack/internal/compile"
	"github.com/authstack/authstack/internal/spec"
)

// gatewayRouting evaluates bases/gateway.cue's #GatewayRouting, with the
// fields of args, for st and returns its files (file name → YAML).
func gatewayRouting(t *testing.T, st *spec.Stack, args string) map[string][]byte {
	t.Helper()
	stack, ok := st.Value.Syntax(cue.Final(), cue.Concrete(true)).(ast.Expr)
	if !ok {
		t.Fatal("the spec is not a value")
	}
	probe, err := parser.ParseExpr("probe", "(#GatewayRouting & {"+args+"}).out")
	if err != nil {
		t.Fatal(err)
	}
	root, err := compile.TemplatePackage(
		&ast.Field{Label: ast.NewIdent("stack"), Value: stack},
		&ast.Field{Label: ast.NewIdent("secretHash"), Value: ast.NewString("0123456789")},
		&ast.Field{Label: ast.NewIdent("probe"), Value: probe},
	)
	if err != nil {
		t.Fatal(err)
	}
	it, err := root.LookupPath(cue.ParsePath("probe")).Fields()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for it.Next() {
		data, err := cueyaml.Encode(it.Value())
		if err != nil {
			t.Fatalf("%s: %v", it.Selector(), err)
		}
		out[it.Selector().Unquoted()] = data
	}
	return out
}

// strict decodes data into v, failing on any field v's type lacks, and
// checks it against the standard-channel CRD of its kind in testdata/crds.
func strict[T any](t *testing.T, name string, data []byte) *T {
	t.Helper()
	var v T
	if err := yaml.UnmarshalStrict(data, &v); err != nil {
		t.Fatalf("%s: %v\n%s", name, err, data)
	}
	var obj map[string]any
	if err := yaml.Unmarshal(data, &obj); err != nil {
		t.Fatal(err)
	}
	gvk := obj["apiVersion"].(string) + "/" + obj["kind"].(string)
	schema, ok := loadCRDs(t)[gvk]
	if !ok {
		t.Fatalf("%s: no CRD for %s in testdata/crds", name, gvk)
	}
	delete(obj, "apiVersion")
	delete(obj, "kind")
	delete(obj, "metadata")
	for _, problem := range checkSchema("", obj, schema) {
		t.Errorf("%s: %s", name, problem)
	}
	return &v
}

// The shared Gateway API objects, decoded strictly into the Gateway API's
// own Go types: which objects each choice yields, the listeners, where the
// routes attach, and the rules longest path first.
func TestGatewayRouting(t *testing.T) {
	// Two exposed paths, so that the order of the rules shows.
	st := load(t, "shop", func(s string) string {
		return strings.Replace(s, "      health: /health\n", "      health: /health\n      expose: /api\n", 1)
	})
	for _, tc := range []struct {
		name, args string
		files      []string
		// listeners of the Gateway, as name:protocol:port.
		listeners []string
		// parent of the main route, as namespace/name#section.
		parent string
	}{{
		name:      "own Gateway, HTTP only",
		args:      `#className: "eg", #https: false`,
		files:     []string{"gateway.yaml", "httproute.yaml"},
		listeners: []string{"http:HTTP:80"},
		parent:    "/shop#",
	}, {
		name:      "own Gateway, HTTPS from a Secret",
		args:      `#className: "eg", #host: "shop.example.com", #https: true, #tls: {mode: "Terminate", certificateRefs: [{kind: "Secret", name: "shop-tls"}]}`,
		files:     []string{"gateway.yaml", "httproute-https-redirect.yaml", "httproute.yaml"},
		listeners: []string{"http:HTTP:80", "https:HTTPS:443"},
		parent:    "/shop#https",
	}, {
		name:   "existing Gateway",
		args:   `#className: "eg", #host: "shop.example.com", #https: true, #ref: {name: "shared", namespace: "infra"}`,
		files:  []string{"httproute.yaml"},
		parent: "infra/shared#",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			out := gatewayRouting(t, st, tc.args)
			var files []string
			for f := range out {
				files = append(files, f)
			}
			if got, want := strings.Join(slices.Sorted(slices.Values(files)), " "), strings.Join(tc.files, " "); got != want {
				t.Fatalf("files = %s, want %s", got, want)
			}
			if data, ok := out["gateway.yaml"]; ok {
				gw := strict[gatewayv1.Gateway](t, "gateway.yaml", data)
				var ls []string
				for _, l := range gw.Spec.Listeners {
					ls = append(ls, string(l.Name)+":"+string(l.Protocol)+":"+strconv.Itoa(int(l.Port)))
					if l.AllowedRoutes == nil || *l.AllowedRoutes.Namespaces.From != gatewayv1.NamespacesFromSame {
						t.Errorf("listener %s: routes not limited to the Gateway's namespace", l.Name)
					}
				}
				if strings.Join(ls, " ") != strings.Join(tc.listeners, " ") {
					t.Errorf("listeners = %v, want %v", ls, tc.listeners)
				}
			}
			rt := strict[gatewayv1.HTTPRoute](t, "httproute.yaml", out["httproute.yaml"])
			p := rt.Spec.ParentRefs[0]
			parent := "/" + string(p.Name) + "#"
			if p.Namespace != nil {
				parent = string(*p.Namespace) + parent
			}
			if p.SectionName != nil {
				parent += string(*p.SectionName)
			}
			if parent != tc.parent {
				t.Errorf("parent = %s, want %s", parent, tc.parent)
			}
			var rules []string
			for _, r := range rt.Spec.Rules {
				b := r.BackendRefs[0]
				rules = append(rules, *r.Matches[0].Path.Value+"→"+string(b.Name)+":"+strconv.Itoa(int(*b.Port)))
			}
			if got, want := strings.Join(rules, " "), "/api→backend-api:8000 /→frontend:3000"; got != want {
				t.Errorf("rules = %s, want %s", got, want)
			}
			if data, ok := out["httproute-https-redirect.yaml"]; ok {
				rd := strict[gatewayv1.HTTPRoute](t, "redirect", data)
				f := rd.Spec.Rules[0].Filters[0]
				if *rd.Spec.ParentRefs[0].SectionName != "http" || f.Type != gatewayv1.HTTPRouteFilterRequestRedirect ||
					*f.RequestRedirect.Scheme != "https" || *f.RequestRedirect.StatusCode != 301 {
					t.Errorf("redirect route = %s", data)
				}
			}
		})
	}
}

// On EKS, host under an https URL is enough for the HTTPS listener: the
// AWS Load Balancer Controller discovers the ACM certificate for the
// listener's hostname; certificateArn pins one in the LoadBalancerConfiguration.
func TestEKSGatewayCertificate(t *testing.T) {
	const arn = "      certificateArn: arn:aws:acm:eu-west-1:123456789012:certificate/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d\n"
	for _, tc := range []struct {
		name      string
		edit      func(string) string
		listeners string
		pinned    bool
	}{
		{"certificateArn", nil, "http https", true},
		{"discovery", func(s string) string { return strings.Replace(s, arn, "", 1) }, "http https", false},
		{"http URL", func(s string) string {
			return strings.Replace(strings.Replace(s, arn, "", 1), "url: https://", "url: http://", 1)
		}, "http", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := load(t, "gateway", tc.edit)
			res, err := compile.CompileWithHash(st, "0123456789", "eks")
			if err != nil {
				t.Fatal(err)
			}
			gw := strict[gatewayv1.Gateway](t, "gateway.yaml", res.File("overlays/eks/gateway.yaml"))
			var ls []string
			for _, l := range gw.Spec.Listeners {
				ls = append(ls, string(l.Name))
			}
			if got := strings.Join(ls, " "); got != tc.listeners {
				t.Errorf("listeners = %s, want %s", got, tc.listeners)
			}
			lbc := string(res.File("overlays/eks/loadbalancerconfiguration.yaml"))
			if pinned := strings.Contains(lbc, "defaultCertificate:"); pinned != tc.pinned {
				t.Errorf("certificate pinned = %v, want %v:\n%s", pinned, tc.pinned, lbc)
			}
		})
	}
}
