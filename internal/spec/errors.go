package spec

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/token"
)

// FieldError is a problem with one field of a spec.
type FieldError struct {
	Pos token.Position
	// Path is the field's path, e.g. "spec.components.web.port".
	Path string
	Msg  string
	// Warning marks a problem that does not stop compilation.
	Warning bool
}

func (e *FieldError) Error() string {
	var b strings.Builder
	if e.Pos.Filename != "" {
		b.WriteString(e.Pos.Filename)
		if e.Pos.Line > 0 {
			fmt.Fprintf(&b, ":%d:%d", e.Pos.Line, e.Pos.Column)
		}
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is a list of field errors, one line each.
type Errors []*FieldError

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

func (es Errors) errorsOnly() Errors {
	var out Errors
	for _, e := range es {
		if !e.Warning {
			out = append(out, e)
		}
	}
	return out
}

func (es Errors) sort() {
	sort.SliceStable(es, func(i, j int) bool {
		a, b := es[i].Pos, es[j].Pos
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		return es[i].Path < es[j].Path
	})
}

// hints say what a field allows, by field path pattern ("*" is one element).
var hints = []struct{ pattern, hint string }{
	{"apiVersion", `must be "` + APIVersion + `"`},
	{"kind", `must be "` + Kind + `"`},
	{"metadata.name", "must be a DNS-1123 label of at most 41 characters (lowercase letters, digits and '-'), so that generated names such as <name>-jwks-purge-<hash> fit 63"},
	{"metadata.namespace", "must be a DNS-1123 label"},
	{"spec.namespace", "must be a DNS-1123 label starting with a letter, at most 63 characters"},
	{"spec.auth.url", "must be an absolute http:// or https:// URL"},
	{"spec.auth.secret.name", "must be a Secret name (DNS-1123 subdomain)"},
	{"spec.auth.secret.key", "must be a Secret key (letters, digits, '-', '_', '.')"},
	{"spec.auth.secret.versionsKey", "must be a Secret key (letters, digits, '-', '_', '.')"},
	{"spec.auth.secret.revision", "must be a non-empty string"},
	{"spec.auth.jwks.table", "must be a plain SQL identifier matching ^[A-Za-z_][A-Za-z0-9_]{0,62}$"},
	{"spec.auth.jwks.purge", "must be one of undecryptable, reencrypt, all, none"},
	{"spec.auth.jwks.image", "must be a non-empty image reference"},
	{"spec.auth.migrate.component", "must be the name of a component"},
	{"spec.auth.migrate.command", "must be a non-empty list of strings, the first non-empty"},
	{"spec.auth.migrate.command.*", "must be a string"},
	{"spec.database.dialect", "must be one of postgres, mysql"},
	{"spec.database.url.name", "must be a Secret name (DNS-1123 subdomain)"},
	{"spec.database.url.key", "must be a Secret key (letters, digits, '-', '_', '.')"},
	{"spec.components", "must name at least one component"},
	{"spec.components.*", "name must be a DNS-1035 label (lowercase letters, digits and '-', starting with a letter, at most 63 characters): it names the component's Service"},
	{"spec.components.*.image", "must be a non-empty image reference without spaces"},
	{"spec.components.*.port", "must be an integer from 1 to 65535"},
	{"spec.components.*.runtime", "must be one of node, python, go, other"},
	{"spec.components.*.health", "must be an HTTP path starting with '/'"},
	{"spec.components.*.expose", "must be a path starting with '/' that no other component exposes"},
	{"spec.components.*.replicas", "must be an integer ≥ 1"},
	{"spec.components.*.env.*", "name must be an environment variable name (letters, digits, '_', '-', '.', not starting with a digit) with a string value"},
	{"spec.components.*.resources.*.*", "must be a Kubernetes quantity such as 250m or 512Mi"},
	{"spec.components.*.runAsUser", "must be a non-root user id (≥ 1)"},
	{"spec.components.*.runAsGroup", "must be a non-root group id (≥ 1)"},
	{"spec.components.*.writablePaths", "must be a list of distinct absolute paths"},
	{"spec.components.*.writablePaths.*", "must be an absolute path"},
	{"spec.targets", "must name at least one of minikube, eks, gke, aks"},
	{"spec.targets.minikube.imagePullPolicy", "must be one of Never, IfNotPresent, Always"},
	{"spec.targets.*.host", "must be a DNS hostname such as shop.example.com"},
	{"spec.targets.eks.certificateArn", "must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)"},
	{"spec.targets.eks.roleArn", "must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)"},
	{"spec.targets.gke.staticIpName", "must be the name of a global static IP address (DNS-1035 label)"},
	{"spec.targets.gke.serviceAccount", "must be a Google service account email (<name>@<project>.iam.gserviceaccount.com)"},
	{"spec.targets.aks.clientId", "must be the client id (a GUID) of a user-assigned managed identity"},
}

func hintFor(p []string) string {
	field := strings.Join(p, ".")
	for _, h := range hints {
		if ok, _ := path.Match(strings.ReplaceAll(h.pattern, ".", "/"), strings.ReplaceAll(field, ".", "/")); ok {
			return h.hint
		}
	}
	return ""
}

// reservedEnv are set by authstack; a component may not override them.
var reservedEnv = map[string]string{
	"BETTER_AUTH_SECRET":  "spec.auth.secret",
	"BETTER_AUTH_SECRETS": "spec.auth.secret",
	"BETTER_AUTH_URL":     "spec.auth.url",
	"DATABASE_URL":        "spec.database.url",
}

// checks are the rules that span fields, run after the schema accepts a spec.
var checks = []func(file string, v cue.Value, st *Stack) Errors{
	checkEnv,
	checkRotation,
	checkMigrate,
}

// checkRotation keeps the two secret keys apart, allows reencrypt only with
// versioned secrets, and warns that a single secret cannot rotate without
// breaking JWTs.
func checkRotation(file string, v cue.Value, st *Stack) Errors {
	s, purge := st.Spec.Auth.Secret, st.Spec.Auth.JWKS.Purge
	at := func(p string) token.Position { return position(file, v, strings.Split(p, ".")) }
	switch {
	case s.VersionsKey != "" && s.VersionsKey == s.Key:
		const p = "spec.auth.secret.versionsKey"
		return Errors{{Pos: at(p), Path: p,
			Msg: fmt.Sprintf("%q is also spec.auth.secret.key; allowed: another key of Secret %q, holding BETTER_AUTH_SECRETS", s.VersionsKey, s.Name)}}
	case s.VersionsKey == "" && purge == "reencrypt":
		const p = "spec.auth.jwks.purge"
		return Errors{{Pos: at(p), Path: p,
			Msg: "reencrypt without spec.auth.secret.versionsKey; allowed: undecryptable, all, none, or set spec.auth.secret.versionsKey"}}
	case s.VersionsKey == "":
		const p = "spec.auth.secret"
		return Errors{{Pos: at(p), Path: p, Warning: true,
			Msg: "a single BETTER_AUTH_SECRET: rotating it breaks JWT signing on new pods during the rollout and the purge invalidates every issued JWT; set spec.auth.secret.versionsKey to rotate without failures (docs/rotation.md)"}}
	}
	return nil
}

// checkMigrate requires the migration's component to exist.
func checkMigrate(file string, v cue.Value, st *Stack) Errors {
	m := st.Spec.Auth.Migrate
	if m == nil {
		return nil
	}
	if _, ok := st.Spec.Components[m.Component]; ok {
		return nil
	}
	p := []string{"spec", "auth", "migrate", "component"}
	return Errors{{Pos: position(file, v, p), Path: strings.Join(p, "."),
		Msg: fmt.Sprintf("%q is not a component; allowed: %s", m.Component, strings.Join(sortedKeys(st.Spec.Components), ", "))}}
}

func checkEnv(file string, v cue.Value, st *Stack) Errors {
	var errs Errors
	for _, name := range sortedKeys(st.Spec.Components) {
		for _, key := range sortedKeys(st.Spec.Components[name].Env) {
			p := []string{"spec", "components", name, "env", key}
			switch {
			case reservedEnv[key] != "":
				errs = append(errs, &FieldError{Pos: position(file, v, p), Path: strings.Join(p, "."),
					Msg: fmt.Sprintf("%s is set by authstack from %s; remove it from env", key, reservedEnv[key])})
			case strings.HasPrefix(key, "NEXT_PUBLIC_"):
				errs = append(errs, &FieldError{Pos: position(file, v, p), Path: strings.Join(p, "."), Warning: true,
					Msg: "NEXT_PUBLIC_* values are inlined into the Next.js bundle at build time; setting them at run time has no effect on client code"})
			}
		}
	}
	return errs
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
