package spec_test

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/authstack/authstack/internal/spec"
)

// minimal is a valid stack whose lines the cases below refer to by number.
const minimal = `apiVersion: authstack.dev/v1alpha1
kind: AuthStack
metadata:
  name: shop
spec:
  auth:
    url: http://shop.example.com
    secret:
      name: better-auth-secret
  database:
    url:
      name: pg
      key: url
  components:
    web:
      image: ghcr.io/acme/web:1
      port: 3000
      env:
        A: "1"
  targets:
    minikube: {}
`

// edit returns minimal with line n (1-based) replaced by lines.
func edit(n int, lines ...string) string { return editN(n, 1, lines...) }

// editN returns minimal with count lines from line n replaced by lines.
func editN(n, count int, lines ...string) string {
	all := strings.Split(minimal, "\n")
	out := append(append(append([]string{}, all[:n-1]...), lines...), all[n-1+count:]...)
	return strings.Join(out, "\n")
}

// internals are words of the decoders' own messages, and the schema's
// definitions, that must never reach the user.
var internals = regexp.MustCompile(`(^|[^.])yaml: |node kind|MapVariant|conflicting values|mismatched types|_\|_|panic|goroutine|` +
	`#(AuthStack|Spec|Component|Minikube|EKS|GKE|AKS|Label|Subdomain|SecretKey|SecretKeyRef|SQLIdentifier|Path|Quantity|Host)\b`)

// lineFormat is one mistake: file:line:col: [field.path: ]message.
var lineFormat = regexp.MustCompile(`^stack\.yaml:[0-9]+:[0-9]+: [^\n]+$`)

// The YAML layer's rules, one case each; every case fails on the code
// before this layer (a crash, a wrong line, a misleading or missing error).
func TestYAMLRules(t *testing.T) {
	schema, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, doc string
		// want is the whole error, "" when the stack is valid; a "*"
		// matches any text, where the schema layer words the message.
		want string
	}{
		// 1. Crashes.
		{"CR-only line ends", strings.ReplaceAll(minimal, "\n", "\r"), ""},
		{"CR-only line ends in a nested block", strings.ReplaceAll(edit(17, "      port: 0"), "\n", "\r"),
			"stack.yaml:17:13: spec.components.web.port: must be an integer from 1 to 65535 (got 0)"},
		{"CRLF line ends", strings.ReplaceAll(minimal, "\n", "\r\n"), ""},
		{"a list as the document", "- op: add\n  path: /x\n- x\n",
			"stack.yaml:1:1: found a list as a YAML document, allowed: a mapping (a Kubernetes object or an AuthStack)"},
		// 3. Numbers CUE cannot hold: the validator gets them as strings
		// and says what the field allows.
		{"port .nan", edit(17, "      port: .nan"),
			"stack.yaml:17:13: spec.components.web.port: *.nan*"},
		{"port .inf", edit(17, "      port: .inf"),
			"stack.yaml:17:13: spec.components.web.port: *.inf*"},
		{"port -.Inf", edit(17, "      port: -.Inf"),
			"stack.yaml:17:13: spec.components.web.port: *-.Inf*"},
		{"port beyond 64 bits", edit(17, "      port: 99999999999999999999"),
			"stack.yaml:17:13: spec.components.web.port: *99999999999999999999*"},
		// 4. Duplicate keys.
		{"duplicate port", edit(17, "      port: 8080", "      port: 9090"),
			`stack.yaml:18:7: spec.components.web.port: duplicate key "port" (first at line 17)`},
		{"two spec blocks", minimal + "spec:\n  components: {}\n",
			`stack.yaml:22:1: spec: duplicate key "spec" (first at line 5)`},
		{"duplicate key in a Secret", minimal + "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  k: a\n  k: b\n",
			`stack.yaml:29:3: stringData.k: duplicate key "k" (first at line 28)`},
		{"a List item that is not an object", minimal + "---\napiVersion: v1\nkind: List\nitems:\n- x\n",
			"stack.yaml:26:3: items.0: found a string, allowed: a mapping"},
		{"metadata that is not a mapping", minimal + "---\napiVersion: v1\nkind: Secret\nmetadata: [1]\n",
			"stack.yaml:25:11: metadata: found a list, allowed: a mapping"},
		{"a key with a line break", edit(17, `      "port\n": 3000`),
			`stack.yaml:17:7: spec.components.web: found the key "port\n" with a control character, allowed: field names`},
		// 5. Syntax errors at the line of the problem, with no internals.
		{"mis-indented key", edit(17, "     port: 3000"),
			"stack.yaml:17:6: invalid YAML: found a line indented differently from the keys before it, allowed: keys aligned with their siblings"},
		{"over-indented key", edit(17, "       port: 3000"),
			`stack.yaml:17:8: invalid YAML: found an unexpected ':', allowed: a key aligned with its siblings; quote a value that contains ": "`},
		{"tab indentation", edit(17, "\t\tport: 3000"),
			"stack.yaml:17:3: invalid YAML: found a tab in the indentation, allowed: spaces only"},
		{"unclosed quote", minimal + `x: "abc` + "\n",
			"stack.yaml:22:1: invalid YAML: found a quoted value or a [ ] or { } that is never closed, allowed: closed quotes and brackets"},
		{"unclosed list", edit(17, "      port: [1, 2", "      runtime: node"),
			"stack.yaml:17:7: invalid YAML: found a [ ] list that is not closed or lacks a ',', allowed: [a, b]"},
		// 6. A merge key at the wrong level.
		{"merge key at the wrong level", edit(14, "  components:", "    <<: &common {runtime: node, replicas: 2}"),
			`stack.yaml:15:5: spec.components: the merge key "<<" puts runtime, replicas directly under spec.components, where they are not fields of this level; allowed: a merge whose keys belong here (move it into the mapping those keys belong to)`},
		{"kind merged in by a wrapper", "x-base: &base\n  apiVersion: authstack.dev/v1alpha1\n  kind: AuthStack\n<<: *base\n" + strings.SplitN(minimal, "\n", 3)[2],
			`stack.yaml:1:1: x-base: unknown field*`},
		{"merge key at the right level", edit(15, "    web:", "      <<: {runtime: node, replicas: 2}"), ""},
		// 7. Null.
		{"minikube: (null)", edit(21, "    minikube:"), ""},
		{"env: (empty)", editN(18, 2, "      env:", "      resources:", "        requests:", "      writablePaths:"), ""},
		{"spec: null", strings.Join(strings.Split(minimal, "\n")[:4], "\n") + "\nspec: null\n",
			"stack.yaml:5:7: spec: found null, allowed: a mapping (the field is required)"},
		{"targets: (nothing)", editN(20, 2, "  targets:"),
			"stack.yaml:20:11: spec.targets: found null, allowed: a mapping (the field is required)"},
		{"targets: null", editN(20, 2, "  targets: ~"),
			"stack.yaml:20:12: spec.targets: found null, allowed: a mapping (the field is required)"},
		{"components: (null)", editN(14, 6, "  components:"),
			"stack.yaml:14:*: spec.components: *"},
		{"spec: a number", strings.Join(strings.Split(minimal, "\n")[:4], "\n") + "\nspec: 0\n",
			"stack.yaml:5:7: spec: found a number, allowed: a mapping"},
		{"env: a list", editN(18, 2, "      env: [A]"),
			"stack.yaml:18:12: spec.components.web.env: found a list, allowed: a mapping"},
		{"port: a mapping", edit(17, "      port: {a: 1}"),
			"stack.yaml:17:13: spec.components.web.port: found a mapping, allowed: a single value"},
		// 8. Limits.
		{"env value over 64 KiB", edit(19, "        A: "+strings.Repeat("x", spec.MaxValueBytes+1)),
			fmt.Sprintf("stack.yaml:19:12: spec.components.web.env.A: found a value of %d bytes, allowed: at most %d (64 KiB)", spec.MaxValueBytes+1, spec.MaxValueBytes)},
		{"too many components", editN(15, 5, components(spec.MaxComponents+1)),
			fmt.Sprintf("stack.yaml:15:5: spec.components: found %d components, allowed: at most %d per stack", spec.MaxComponents+1, spec.MaxComponents)},
		{"too many documents", minimal + strings.Repeat("---\na: 1\n", spec.MaxDocuments),
			fmt.Sprintf("stack.yaml: found more than %d YAML documents, allowed: at most %[1]d per file", spec.MaxDocuments)},
		{"alias bomb", minimal + "x-a: &a [x, x, x, x, x, x, x, x, x, x]\nx-b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nx-c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nx-d: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n",
			fmt.Sprintf("stack.yaml:1:1: found aliases (*name) that add more than %d values when expanded, allowed: at most %[1]d", spec.MaxAliasNodes)},
		// Documents of other kinds never reach CUE: a complex key is
		// valid YAML that CUE's decoder rejects.
		{"complex key in another document", "[0]: x\n---\n" + minimal + "---\n? [a]\n: b\n", ""},
		{"file over 4 MiB", minimal + "# " + strings.Repeat("x", spec.MaxFileBytes),
			fmt.Sprintf("stack.yaml: found %d bytes, allowed: at most %d (4 MiB) per file", len(minimal)+2+spec.MaxFileBytes, spec.MaxFileBytes)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stacks, err := schema.Stacks("stack.yaml", []byte(tt.doc))
			if tt.want == "" {
				if err != nil {
					t.Fatalf("got error:\n%v\nwant none", err)
				}
				if len(stacks) != 1 {
					t.Fatalf("got %d stacks, want 1", len(stacks))
				}
				return
			}
			if err == nil {
				t.Fatalf("got no error, want %q", tt.want)
			}
			want := "^" + strings.ReplaceAll(regexp.QuoteMeta(tt.want), `\*`, ".*") + "$"
			if got := err.Error(); !regexp.MustCompile(want).MatchString(got) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
			if internals.MatchString(err.Error()) {
				t.Errorf("error shows a decoder's internals: %v", err)
			}
		})
	}
}

func components(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "    c%d: {image: x, port: 80}\n", i)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// A syntax error is reported at the line of the problem in a real file,
// whatever the block around it: every line of the reference stack, broken
// by one space of indentation too few, is reported at that very line.
func TestSyntaxErrorLine(t *testing.T) {
	schema, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(reference)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	tested := 0
	for i, l := range lines {
		indent := len(l) - len(strings.TrimLeft(l, " "))
		// Keys after the first of their block: dedenting one by a space
		// is a syntax error, not another valid document.
		if indent < 4 || !strings.Contains(l, ":") || i == 0 || len(lines[i-1])-len(strings.TrimLeft(lines[i-1], " ")) != indent {
			continue
		}
		broken := append(append(append([]string{}, lines[:i]...), l[1:]), lines[i+1:]...)
		_, err := schema.Stacks("stack.yaml", []byte(strings.Join(broken, "\n")))
		if err == nil {
			t.Errorf("line %d dedented: no error", i+1)
			continue
		}
		want := fmt.Sprintf("stack.yaml:%d:%d: invalid YAML: ", i+1, indent)
		if !strings.HasPrefix(err.Error(), want) || !lineFormat.MatchString(err.Error()) {
			t.Errorf("line %d dedented: got %q, want it to start with %q", i+1, err, want)
		}
		tested++
	}
	if tested < 10 {
		t.Fatalf("only %d lines tested", tested)
	}
}
