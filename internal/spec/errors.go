package spec

import (
	"fmt"
	"maps"
	"slices"
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

// Diagnostics is a list of problems with fields, one line each: errors,
// and warnings (FieldError.Warning), which do not stop compilation. It is an
// error so that a list of errors can be returned as one.
type Diagnostics []*FieldError

func (es Diagnostics) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

func (es Diagnostics) errorsOnly() Diagnostics {
	var out Diagnostics
	for _, e := range es {
		if !e.Warning {
			out = append(out, e)
		}
	}
	return out
}

// unique drops repeated lines: a mistake is reported once.
func (es Diagnostics) unique() Diagnostics {
	seen := map[string]bool{}
	var out Diagnostics
	for _, e := range es {
		if line := e.Error(); !seen[line] {
			seen[line] = true
			out = append(out, e)
		}
	}
	return out
}

func (es Diagnostics) sort() {
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

// checks are the rules that span fields; they run on the document beside
// the schema's own checks, so that one run reports every mistake.
var checks = []func(s *Schema, file string, doc cue.Value) Diagnostics{
	checkEnv,
	checkExpose,
}

// stackChecks are the rules that need the whole accepted spec, with its
// defaults: they run once the schema and the checks above accept it.
var stackChecks = []func(file string, doc cue.Value, st *Stack) Diagnostics{
	checkRotation,
	checkMigrate,
	checkReplicas,
	checkPatches,
	checkEnvironments,
	checkRouting,
}

// checkRotation keeps the two secret keys apart, allows reencrypt only with
// versioned secrets, and warns that a single secret cannot rotate without
// breaking JWTs.
func checkRotation(file string, doc cue.Value, st *Stack) Diagnostics {
	s, purge := st.Spec.Auth.Secret, st.Spec.Auth.JWKS.Purge
	at := func(p string) token.Position { return pathPos(file, doc, strings.Split(p, ".")) }
	switch {
	case s.VersionsKey != "" && s.VersionsKey == s.Key:
		const p = "spec.auth.secret.versionsKey"
		return Diagnostics{{Pos: at(p), Path: p,
			Msg: fmt.Sprintf("%q is also spec.auth.secret.key; allowed: another key of Secret %q, holding BETTER_AUTH_SECRETS", s.VersionsKey, s.Name)}}
	case s.VersionsKey == "" && purge == "reencrypt":
		const p = "spec.auth.jwks.purge"
		return Diagnostics{{Pos: at(p), Path: p,
			Msg: "reencrypt without spec.auth.secret.versionsKey; allowed: undecryptable, all, none, or set spec.auth.secret.versionsKey"}}
	case s.VersionsKey == "":
		const p = "spec.auth.secret"
		return Diagnostics{{Pos: at(p), Path: p, Warning: true,
			Msg: "a single BETTER_AUTH_SECRET: rotating it breaks JWT signing on new pods during the rollout and the purge invalidates every issued JWT; set spec.auth.secret.versionsKey to rotate without failures (docs/rotation.md)"}}
	}
	return nil
}

// checkMigrate requires the migration's component to exist.
func checkMigrate(file string, doc cue.Value, st *Stack) Diagnostics {
	m := st.Spec.Auth.Migrate
	if m == nil {
		return nil
	}
	if _, ok := st.Spec.Components[m.Component]; ok {
		return nil
	}
	p := []string{"spec", "auth", "migrate", "component"}
	return Diagnostics{{Pos: pathPos(file, doc, p), Path: strings.Join(p, "."),
		Msg: fmt.Sprintf("%q is not a component; allowed: %s", m.Component, strings.Join(slices.Sorted(maps.Keys(st.Spec.Components)), ", "))}}
}

// components calls f for each component of the document, in file order.
func components(doc cue.Value, f func(name string, c cue.Value)) {
	it, err := doc.LookupPath(cue.ParsePath("spec.components")).Fields()
	if err != nil {
		return
	}
	for it.Next() {
		f(it.Selector().Unquoted(), it.Value())
	}
}

// trustedOriginsEnv is where Better Auth reads trusted origins from.
const trustedOriginsEnv = "BETTER_AUTH_TRUSTED_ORIGINS"

// checkEnv refuses the environment variables that authstack sets itself
// (#ReservedEnv in the schema, and BETTER_AUTH_TRUSTED_ORIGINS when the
// spec has trusted origins) and warns about NEXT_PUBLIC_* ones.
func checkEnv(s *Schema, file string, doc cue.Value) Diagnostics {
	reserved := s.root.LookupPath(cue.MakePath(cue.Def("ReservedEnv")))
	// BETTER_AUTH_TRUSTED_ORIGINS is authstack's only where the spec sets
	// trusted origins, so that specs which set it themselves stay valid.
	origins := doc.LookupPath(cue.ParsePath("spec.auth.trustedOrigins")).Exists()
	environments(doc, func(_ string, e cue.Value) {
		origins = origins || e.LookupPath(cue.ParsePath("trustedOrigins")).Exists()
	})
	var errs Diagnostics
	components(doc, func(name string, c cue.Value) {
		it, err := c.LookupPath(cue.ParsePath("env")).Fields()
		if err != nil {
			return
		}
		for it.Next() {
			key := it.Selector().Unquoted()
			p := strings.Join([]string{"spec", "components", name, "env", key}, ".")
			pos := keyPos(file, it.Value())
			if key == trustedOriginsEnv && origins {
				errs = append(errs, &FieldError{Pos: pos, Path: p,
					Msg: fmt.Sprintf("%s is set by authstack from spec.auth.trustedOrigins and the environments' trustedOrigins; remove it from env", key)})
			} else if from, err := reserved.LookupPath(cue.MakePath(cue.Str(key))).String(); err == nil {
				errs = append(errs, &FieldError{Pos: pos, Path: p,
					Msg: fmt.Sprintf("%s is set by authstack from %s; remove it from env", key, from)})
			} else if strings.HasPrefix(key, "NEXT_PUBLIC_") {
				errs = append(errs, &FieldError{Pos: pos, Path: p, Warning: true,
					Msg: "NEXT_PUBLIC_* values are inlined into the Next.js bundle at build time; setting them at run time has no effect on client code"})
			}
		}
	})
	return errs
}

// checkExpose refuses a path that an earlier component already exposes:
// the Ingress would route it to one of them only.
func checkExpose(s *Schema, file string, doc cue.Value) Diagnostics {
	valid := s.root.LookupPath(cue.MakePath(cue.Def("IngressPath")))
	var errs Diagnostics
	first := map[string]string{}
	components(doc, func(name string, c cue.Value) {
		v := c.LookupPath(cue.ParsePath("expose"))
		path, err := v.String()
		if err != nil || !accepts(valid, v) {
			return // the schema reports a path that is no path
		}
		if other, ok := first[path]; ok {
			errs = append(errs, &FieldError{Pos: valuePos(file, v), Path: "spec.components." + name + ".expose",
				Msg: fmt.Sprintf("must be a path no other component exposes; %s exposes it (got %q)", other, path)})
			return
		}
		first[path] = name
	})
	return errs
}

// pathPos is the position of the field at p in the user's document, or of
// the document when the field is not there (a default).
func pathPos(file string, doc cue.Value, p []string) token.Position {
	sels := make([]cue.Selector, len(p))
	for i, name := range p {
		sels[i] = cue.Str(name)
	}
	if v := doc.LookupPath(cue.MakePath(sels...)); v.Exists() {
		return keyPos(file, v)
	}
	return keyPos(file, doc)
}
