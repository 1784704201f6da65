package spec_test

import (
	"strings"
	"testing"

	"github.com/authstack/authstack/internal/spec"
)

// The TLS rule and the platform fields of #9, each mistake with its exact
// line (docs/platforms.md#the-tls-rule).
func TestTLSRule(t *testing.T) {
	schema, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	// doc is a stack whose environment stands on line 12, column 5.
	doc := func(url, env string) string {
		return `apiVersion: authstack.dev/v1alpha1
kind: AuthStack
metadata: {name: shop}
spec:
  auth:
    url: ` + url + `
    secret: {name: auth, key: legacy, versionsKey: versions}
  database: {url: {name: db, key: url}}
  components:
    web: {image: web:1, port: 3000, expose: /}
  targets:
    ` + env + "\n"
	}
	const (
		https = "https://shop.example.com"
		arn   = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c"
		noTLS = " (spec.auth.url) is https but environment %s terminates no TLS, so browsers would drop Better Auth's Secure cookies; "
	)
	tests := []struct {
		name, url, env string
		// want is every error line, warn every warning line.
		want, warn string
	}{
		{name: "eks certificate", url: https, env: "eks: {certificateArn: " + arn + "}"},
		{name: "eks host: ACM discovery", url: https, env: "eks: {host: shop.example.com}"},
		{name: "gke managed certificate", url: https, env: "gke: {host: shop.example.com}"},
		{name: "gke own certificate", url: https, env: "gke: {tlsSecretName: shop-tls}"},
		// The Ingress's Key Vault integration (a Gateway's needs clientId: docs/gateway.md).
		{name: "aks Key Vault", url: https, env: "aks: {host: shop.example.com, keyVaultCertificateUri: https://kv1.vault.azure.net/certificates/shop, routing: ingress}"},
		{name: "minikube own certificate", url: https, env: "minikube: {host: shop.example.com, tlsSecretName: shop-tls, ingressClassName: traefik}"},
		{name: "minikube over http", url: "http://shop.local", env: "minikube: {host: shop.local}"},
		{name: "eks host over http", url: "http://shop.example.com", env: "eks: {host: shop.example.com}"},
		{name: "eks auto mode, group, pod identity", url: https, env: "eks: {host: shop.example.com, autoMode: true, groupName: acme-public, podIdentity: true, ingressClassName: alb-auto}"},
		{name: "eks without TLS", url: https, env: "eks: {}",
			want: "stack.yaml:12:5: spec.targets.eks: the URL https://shop.example.com" + strings.Replace(noTLS, "%s", "eks", 1) + "add host or certificateArn to spec.targets.eks, or use an http:// url"},
		{name: "gke without TLS", url: https, env: "gke: {staticIpName: shop-ip}",
			want: "stack.yaml:12:5: spec.targets.gke: the URL https://shop.example.com" + strings.Replace(noTLS, "%s", "gke", 1) + "add host or tlsSecretName to spec.targets.gke, or use an http:// url"},
		{name: "aks without TLS", url: https + "/app", env: "aks: {host: shop.example.com}",
			want: "stack.yaml:12:5: spec.targets.aks: the URL https://shop.example.com/app" + strings.Replace(noTLS, "%s", "aks", 1) + "add keyVaultCertificateUri, gatewayRef or tlsSecretName to spec.targets.aks, or use an http:// url"}, // AKS routes with a Gateway by default

		{name: "minikube without TLS", url: https, env: "minikube: {}",
			want: "stack.yaml:12:5: spec.targets.minikube: the URL https://shop.example.com" + strings.Replace(noTLS, "%s", "minikube", 1) + "add tlsSecretName to spec.targets.minikube, or use an http:// url"},
		{name: "a named environment", url: https, env: "prod: {platform: gke, staticIpName: shop-ip}",
			want: "stack.yaml:12:5: spec.targets.prod: the URL https://shop.example.com" + strings.Replace(noTLS, "%s", "prod", 1) + "add host or tlsSecretName to spec.targets.prod, or use an http:// url"},
		{name: "two environments on one platform", url: https, env: "prod: {platform: eks, certificateArn: " + arn + "}\n    staging: {platform: eks}",
			want: "stack.yaml:13:5: spec.targets.staging: the URL https://shop.example.com" + strings.Replace(noTLS, "%s", "staging", 1) + "add host or certificateArn to spec.targets.staging, or use an http:// url"},
		{name: "TLS under an http URL", url: "http://shop.example.com", env: "eks: {certificateArn: " + arn + "}",
			warn: "stack.yaml:12:11: spec.targets.eks.certificateArn: TLS is configured but the URL http://shop.example.com (spec.auth.url) is http: Better Auth would issue links and cookies for plain HTTP; use an https:// url, or remove certificateArn"},
		{name: "host is not the URL's", url: https, env: "gke: {host: www.example.com}",
			want: `stack.yaml:12:11: spec.targets.gke.host: "www.example.com" is not the host of the URL https://shop.example.com (spec.auth.url); allowed: shop.example.com`},
		{name: "certificate Secret without host", url: https, env: "minikube: {tlsSecretName: shop-tls}",
			want: "stack.yaml:12:16: spec.targets.minikube.tlsSecretName: tlsSecretName needs host, the name the certificate is served for; add host: shop.example.com"},
		{name: "IRSA and Pod Identity", url: https, env: "eks: {host: shop.example.com, roleArn: \"arn:aws:iam::123456789012:role/shop\", podIdentity: true}",
			want: "stack.yaml:12:83: spec.targets.eks.podIdentity: podIdentity and roleArn exclude each other; remove one"},
		{name: "two certificates", url: https, env: "aks: {host: shop.example.com, keyVaultCertificateUri: https://kv1.vault.azure.net/certificates/shop, tlsSecretName: shop-tls, routing: ingress}",
			want: "stack.yaml:12:35: spec.targets.aks.keyVaultCertificateUri: keyVaultCertificateUri and tlsSecretName exclude each other; remove one"},
		{name: "minikube class", url: "http://shop.local", env: "minikube: {ingressClassName: haproxy}",
			want: `stack.yaml:12:34: spec.targets.minikube.ingressClassName: must be one of nginx, traefik (got "haproxy")`},
		{name: "eks class", url: https, env: "eks: {host: shop.example.com, ingressClassName: alb_public}",
			want: `stack.yaml:12:53: spec.targets.eks.ingressClassName: must be an IngressClass name (DNS-1123 subdomain: lower-case letters, digits, '-' and '.', at most 253 characters) (got "alb_public")`},
		{name: "eks group", url: https, env: "eks: {host: shop.example.com, groupName: -public}",
			want: `stack.yaml:12:46: spec.targets.eks.groupName: must be an ALB group name: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit, at most 63 characters (got "-public")`},
		{name: "eks auto mode", url: https, env: "eks: {host: shop.example.com, autoMode: yes}",
			want: `stack.yaml:12:45: spec.targets.eks.autoMode: must be true or false (got "yes")`},
		{name: "Key Vault URI", url: https, env: "aks: {host: shop.example.com, keyVaultCertificateUri: https://example.com/shop}",
			want: `stack.yaml:12:59: spec.targets.aks.keyVaultCertificateUri: must be a Key Vault certificate URI (https://<vault>.vault.azure.net/certificates/<name>) (got "https://example.com/shop")`},
		{name: "TLS Secret name", url: https, env: "gke: {tlsSecretName: Shop_TLS}",
			want: `stack.yaml:12:26: spec.targets.gke.tlsSecretName: must be a Secret name (DNS-1123 subdomain: lower-case letters, digits, '-' and '.', at most 253 characters) (got "Shop_TLS")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expectLines(t, schema, doc(tt.url, tt.env), tt.want, tt.warn)
		})
	}
}
