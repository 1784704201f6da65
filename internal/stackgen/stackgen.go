// Package stackgen writes large inputs for benchmarks and scale tests: an
// AuthStack with N components shaped like the reference stack's, and a KRM
// ResourceList that carries such a stack among many unrelated objects.
package stackgen

import (
	"bytes"
	"fmt"
	"strings"
)

// Stack returns ref, an AuthStack spec as YAML (the reference stack,
// examples/shop/stack.yaml), with its components replaced by n generated
// ones. Everything else (auth, database, targets or environments) is kept
// as written, so the generated stack follows the reference stack's format.
// Component 0 is a Next.js frontend exposed at /; the others alternate
// between node frontends exposed at their own paths and python APIs that
// are not exposed, with health paths, replicas and env as in the reference.
func Stack(ref []byte, n int) ([]byte, error) {
	lines := strings.SplitAfter(string(ref), "\n")
	start := -1
	for i, l := range lines {
		if strings.TrimRight(l, "\r\n") == "  components:" {
			start = i
			break
		}
	}
	if start < 0 {
		return nil, fmt.Errorf("stackgen: no \"  components:\" line in the reference stack")
	}
	end := start + 1
	for end < len(lines) && (strings.HasPrefix(lines[end], "   ") || strings.TrimSpace(lines[end]) == "") {
		end++
	}
	var b bytes.Buffer
	b.WriteString(strings.Join(lines[:start+1], ""))
	for i := range n {
		b.WriteString(component(i))
	}
	b.WriteString(strings.Join(lines[end:], ""))
	return b.Bytes(), nil
}

// Name is the name of generated component i.
func Name(i int) string {
	if i == 0 {
		return "frontend"
	}
	return fmt.Sprintf("svc-%03d", i)
}

func component(i int) string {
	name := Name(i)
	switch {
	case i == 0:
		return fmt.Sprintf(`    %s:
      image: ghcr.io/acme/shop-frontend:1.4.2
      port: 3000
      runtime: node
      health: /api/health
      expose: /
      replicas: 2
      env:
        NEXT_PUBLIC_API_URL: http://%[2]s:8000
`, name, Name(1))
	case i%2 == 0:
		return fmt.Sprintf(`    %s:
      image: ghcr.io/acme/%[1]s:1.%d.0
      port: 3000
      runtime: node
      health: /api/health
      expose: /%[1]s
      replicas: 2
      env:
        API_URL: http://%[3]s:8000
        FEATURE_FLAGS: checkout,search
`, name, i, Name(i-1))
	default:
		return fmt.Sprintf(`    %s:
      image: ghcr.io/acme/%[1]s:2.%d.0
      port: 8000
      runtime: python
      health: /health
      env:
        LOG_LEVEL: info
`, name, i)
	}
}

// ResourceList returns a KRM ResourceList (as kpt sends it) whose items are
// the stack, the secret and n unrelated ConfigMaps of about 400 bytes each,
// every item with kpt's path and index annotations.
func ResourceList(stack, secret []byte, n int) []byte {
	var b bytes.Buffer
	b.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n")
	item(&b, stack, "stack.yaml")
	item(&b, secret, "better-auth-secret.yaml")
	for i := range n {
		fmt.Fprintf(&b, `- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: unrelated-%05[1]d
    namespace: other
    labels:
      app.kubernetes.io/name: unrelated
      app.kubernetes.io/part-of: something-else
    annotations:
      config.kubernetes.io/path: unrelated/cm-%05[1]d.yaml
      config.kubernetes.io/index: '0'
  data:
    LOG_LEVEL: debug
    FEATURE_FLAGS: checkout,search,recommendations
    ENDPOINT: https://api-%05[1]d.internal.example.com/v1
`, i)
	}
	return b.Bytes()
}

// item appends one YAML document as an item of the list, with kpt's path
// and index annotations; comments and document markers are dropped.
func item(b *bytes.Buffer, doc []byte, path string) {
	first := true
	for _, l := range strings.Split(string(doc), "\n") {
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") || l == "---" {
			continue
		}
		if first {
			b.WriteString("- " + l + "\n")
			first = false
		} else {
			b.WriteString("  " + l + "\n")
		}
		if l == "metadata:" {
			fmt.Fprintf(b, "    annotations:\n      config.kubernetes.io/path: %s\n      config.kubernetes.io/index: '0'\n", path)
		}
	}
}
