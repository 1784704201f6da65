package spec

import (
	"fmt"
	"net/url"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/token"
)

// The rules of an environment's TLS and of exclusive platform fields read
// what they need from the platform's own definition, so that a platform
// declares them in its overlay file and no Go code names a platform:
//
//	certificateArn?: ... @tls()        a field that terminates TLS
//	tlsSecretName?:  ... @tls(host)    the same, and it needs host (spec.tls lists it)
//	host?:           ... @tls(https)   terminates TLS only under an https URL
//	                                   (certificate discovery, managed certificates)
//	podIdentity?:    ... @excludes(roleArn)
//
// Better Auth marks its cookies Secure and trusts only its own origin when
// its URL is https: such a URL served over plain HTTP breaks sign-in.

// envProblem is one mistake in an environment: field is the path below the
// environment ("" for the environment itself).
type envProblem struct {
	field   string
	msg     string
	warning bool
}

// tlsField is one field of a platform definition that carries @tls.
type tlsField struct {
	name string
	set  bool
	// needsHost: the field goes into the Ingress's spec.tls with the host.
	needsHost bool
	// httpsOnly: the field terminates TLS only when the URL is https.
	httpsOnly bool
}

// envTLS checks one environment e (the accepted value of
// spec.targets.<env>, with its platform's definition) against its effective
// URL, which comes from urlFrom ("spec.auth.url" or the environment's url).
func envTLS(env string, e cue.Value, effURL, urlFrom string) []envProblem {
	var fields []tlsField
	set := map[string]bool{}
	var excludes [][2]string
	it, err := e.Fields(cue.Optional(true))
	if err != nil {
		return nil
	}
	for it.Next() {
		name := it.Selector().Unquoted()
		v := it.Value()
		isSet := it.Selector().ConstraintType() != cue.OptionalConstraint && v.IsConcrete()
		if b, err := v.Bool(); err == nil && !b {
			isSet = false // podIdentity: false, autoMode: false
		}
		set[name] = isSet
		// A gateway-only field is no advice off routing: gateway; set, it
		// counts (internal/spec/gateway.go reports the misuse once).
		if a := v.Attribute("tls"); a.Err() == nil && (isSet || !gatewayOnly(e, v)) {
			arg, _ := a.String(0)
			fields = append(fields, tlsField{name: name, set: isSet, needsHost: arg == "host", httpsOnly: arg == "https"})
		}
		if a := v.Attribute("excludes"); a.Err() == nil && isSet {
			other, _ := a.String(0)
			excludes = append(excludes, [2]string{name, other})
		}
	}
	var probs []envProblem
	for _, x := range excludes {
		if set[x[1]] {
			probs = append(probs, envProblem{field: x[0], msg: fmt.Sprintf("%s and %s exclude each other; remove one", x[0], x[1])})
		}
	}
	return append(probs, tlsProblems(env, e, fields, effURL, urlFrom)...)
}

func tlsProblems(env string, e cue.Value, fields []tlsField, effURL, urlFrom string) []envProblem {
	u, err := url.Parse(effURL)
	if err != nil || u.Hostname() == "" {
		return nil // the schema reports a URL that is no URL
	}
	https := u.Scheme == "https"
	host, _ := e.LookupPath(cue.MakePath(cue.Str("host"))).String()
	var probs []envProblem
	if host != "" && !strings.EqualFold(host, u.Hostname()) {
		probs = append(probs, envProblem{field: "host",
			msg: fmt.Sprintf("%q is not the host of the URL %s (%s); allowed: %s", host, effURL, urlFrom, strings.ToLower(u.Hostname()))})
	}
	terminated := false
	var names []string
	for _, f := range fields {
		names = append(names, f.name)
		if !f.set {
			continue
		}
		if f.httpsOnly {
			terminated = terminated || https
			continue
		}
		terminated = true
		if f.needsHost && host == "" {
			probs = append(probs, envProblem{field: f.name,
				msg: fmt.Sprintf("%s needs host, the name the certificate is served for; add host: %s", f.name, strings.ToLower(u.Hostname()))})
		}
		if !https {
			probs = append(probs, envProblem{field: f.name, warning: true,
				msg: fmt.Sprintf("TLS is configured but the URL %s (%s) is http: Better Auth would issue links and cookies for plain HTTP; use an https:// url, or remove %s", effURL, urlFrom, f.name)})
		}
	}
	if https && !terminated {
		add := "use an http:// url"
		if len(names) > 0 {
			add = "add " + orList(names) + " to spec.targets." + env + ", or " + add
		}
		field := ""
		if urlFrom != "spec.auth.url" {
			field = "url"
		}
		probs = append(probs, envProblem{field: field,
			msg: fmt.Sprintf("the URL %s (%s) is https but environment %s terminates no TLS, so browsers would drop Better Auth's Secure cookies; %s", effURL, urlFrom, env, add)})
	}
	return probs
}

// orList joins names as "a", "a or b", "a, b or c".
func orList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// checkEnvironments runs envTLS on every environment of the accepted stack.
func checkEnvironments(file string, doc cue.Value, st *Stack) Diagnostics {
	authURL, _ := st.Value.LookupPath(cue.ParsePath("spec.auth.url")).String()
	it, err := st.Value.LookupPath(cue.ParsePath("spec.targets")).Fields()
	if err != nil {
		return nil
	}
	var errs Diagnostics
	for it.Next() {
		env := it.Selector().Unquoted()
		e := it.Value()
		effURL, urlFrom := authURL, "spec.auth.url"
		if u, err := e.LookupPath(cue.MakePath(cue.Str("url"))).String(); err == nil {
			effURL, urlFrom = u, "spec.targets."+env+".url"
		}
		for _, p := range envTLS(env, e, effURL, urlFrom) {
			path := []string{"spec", "targets", env}
			if p.field != "" {
				path = append(path, p.field)
			}
			errs = append(errs, &FieldError{Pos: nearestPos(file, doc, path), Path: strings.Join(path, "."), Msg: p.msg, Warning: p.warning})
		}
	}
	return errs
}

// nearestPos is the position of the field at p in the user's document, or
// of its nearest ancestor there (an environment whose field is missing).
func nearestPos(file string, doc cue.Value, p []string) token.Position {
	for n := len(p); n > 0; n-- {
		sels := make([]cue.Selector, n)
		for i, name := range p[:n] {
			sels[i] = cue.Str(name)
		}
		if v := doc.LookupPath(cue.MakePath(sels...)); v.Exists() {
			return keyPos(file, v)
		}
	}
	return keyPos(file, doc)
}
