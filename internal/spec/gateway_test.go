package spec_test

import (
	"os"
	"strings"
	"testing"

	"github.com/authstack/authstack/internal/spec"
)

// The Gateway API settings of an environment (docs/gateway.md): each
// mistake is one line with its position, as for the rest of the spec.
func TestGatewayRoutingErrors(t *testing.T) {
	const file = "../../examples/gateway/stack.yaml" // every gateway setting, valid
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	schema, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := schema.Stacks("stack.yaml", data); err != nil {
		t.Fatalf("the example is refused: %v", err)
	}
	tests := []struct{ name, old, new, want string }{
		{"routing unknown", "    eks:\n      routing: gateway", "    eks:\n      routing: gw",
			"stack.yaml:40:16: spec.targets.eks.routing: must be one of ingress, gateway (got \"gw\")"},
		{"routing on AKS", "    aks:\n", "    aks:\n      routing: istio\n",
			"stack.yaml:61:16: spec.targets.aks.routing: must be one of gateway, ingress (got \"istio\")"},
		{"GKE class", "gatewayClassName: gke-l7-rilb", "gatewayClassName: gke-l7-gxlb-mc",
			"stack.yaml:54:25: spec.targets.gke-internal.gatewayClassName: must be one of gke-l7-global-external-managed, gke-l7-regional-external-managed, gke-l7-rilb (got \"gke-l7-gxlb-mc\")"},
		{"AKS class", "    aks:\n", "    aks:\n      gatewayClassName: webapprouting.kubernetes.azure.com\n",
			"stack.yaml:61:25: spec.targets.aks.gatewayClassName: must be one of approuting-istio, istio (got \"webapprouting.kubernetes.azure.com\")"},
		{"EKS class", "    eks:\n", "    eks:\n      gatewayClassName: ALB\n",
			"stack.yaml:40:25: spec.targets.eks.gatewayClassName: must be lower case (got \"ALB\")"},
		{"gatewayRef name", "        name: shared\n", "        name: Shared_GW\n",
			"stack.yaml:69:15: spec.targets.aks-shared.gatewayRef.name: must be the name of a Gateway (DNS-1123 subdomain: lower-case letters, digits, '-' and '.', at most 253 characters) (got \"Shared_GW\")"},
		{"gatewayRef without name", "        name: shared\n", "",
			"stack.yaml:68:7: spec.targets.aks-shared.gatewayRef.name: required field is missing"},
		{"gatewayRef unknown field", "        namespace: gateways", "        namespace: gateways\n        sectionName: https",
			"stack.yaml:71:9: spec.targets.aks-shared.gatewayRef.sectionName: unknown field \"sectionName\"; allowed: name, namespace"},
		{"gatewayRef namespace", "        namespace: gateways", "        namespace: 9gateways",
			"stack.yaml:70:20: spec.targets.aks-shared.gatewayRef.namespace: must be a namespace name (DNS-1123 label) (got \"9gateways\")"},
		{"certificateMap name", "certificateMap: portal-certs", "certificateMap: portal_certs",
			"stack.yaml:48:23: spec.targets.gke.certificateMap: must be the name of a Certificate Manager certificate map (DNS-1035 label) (got \"portal_certs\")"},
		{"tlsSecretName name", "      tlsSecretName: portal-tls\n    # AWS", "      tlsSecretName: Portal.TLS\n    # AWS",
			"stack.yaml:37:22: spec.targets.minikube.tlsSecretName: must be lower case (got \"Portal.TLS\")"},
		{"keyVaultCertificateUri", "https://portal-kv.vault.azure.net/certificates/portal", "https://portal-kv.vault.azure.net/secrets/portal",
			"stack.yaml:63:31: spec.targets.aks.keyVaultCertificateUri: must be a Key Vault certificate URI (https://<vault>.vault.azure.net/certificates/<name>) (got \"https://portal-kv.vault.azure.net/secrets/portal\")"},
		{"certificateMap with ingress", "    gke:\n      routing: gateway\n", "    gke:\n      routing: ingress\n",
			"stack.yaml:48:7: spec.targets.gke.certificateMap: certificateMap applies only to routing: gateway (routing is ingress); set routing: gateway, or remove certificateMap"},
		{"gatewayRef with ingress", "      platform: aks\n", "      platform: aks\n      routing: ingress\n",
			"stack.yaml:69:7: spec.targets.aks-shared.gatewayRef: gatewayRef applies only to routing: gateway (routing is ingress); set routing: gateway, or remove gatewayRef"},
		{"Key Vault without clientId", "      clientId: 2b7c0e4d-9a1f-4c3e-8b5d-6f7a8b9c0d1e\n", "",
			"stack.yaml:62:7: spec.targets.aks.keyVaultCertificateUri: keyVaultCertificateUri with routing: gateway needs clientId, the managed identity that reads the certificate from Key Vault; add clientId"},
		{"certificateMap and tlsSecretName", "      certificateMap: portal-certs\n", "      certificateMap: portal-certs\n      tlsSecretName: portal-tls\n",
			"stack.yaml:48:7: spec.targets.gke.certificateMap: certificateMap and tlsSecretName exclude each other with routing: gateway (GKE refuses the certmap annotation beside certificateRefs); remove one"},
		// GKE's managed certificate (host) serves an Ingress only.
		{"GKE host alone under https", "      certificateMap: portal-certs\n", "",
			"stack.yaml:46:7: spec.targets.gke.routing: gateway gives the URL https://portal.example.com no certificate: the Gateway's HTTPS listener takes it from certificateMap or tlsSecretName; add one, name an existing Gateway with gatewayRef, or use routing: ingress"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(string(data), tt.old) {
				t.Fatalf("the example has no %q", tt.old)
			}
			_, err := schema.Stacks("stack.yaml", []byte(strings.Replace(string(data), tt.old, tt.new, 1)))
			if err == nil {
				t.Fatalf("no error, want\n%s", tt.want)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}
