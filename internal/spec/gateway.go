package spec

import (
	"fmt"
	"net/url"
	"strings"

	"cuelang.org/go/cue"
)

// The rules of an environment's Gateway API routing (docs/gateway.md) read
// what they need from the platform's own definition, as the TLS rules do:
//
//	certificateMap?: ... @gateway()     a field that applies only to routing: gateway
//	#gatewayTLS: ["certificateMap", ...]  the fields that give the Gateway's
//	                                      HTTPS listener a certificate
//	#gatewayNeeds: keyVaultCertificateUri: {field: "clientId", why: "..."}
//	                                      with routing: gateway, a field that
//	                                      needs another
//	#gatewayExcludes: certificateMap: {field: "tlsSecretName", why: "..."}
//	                                      with routing: gateway, two fields
//	                                      that exclude each other
//
// checkRouting checks the Gateway API settings of every environment.
func checkRouting(file string, doc cue.Value, st *Stack) Diagnostics {
	var errs Diagnostics
	for _, env := range st.Targets() {
		e := st.Value.LookupPath(cue.MakePath(cue.Str("spec"), cue.Str("targets"), cue.Str(env)))
		routing, ok := stringValue(e.LookupPath(cue.MakePath(cue.Str("routing"))))
		if !ok {
			continue // a platform without routing
		}
		base := "spec.targets." + env + "."
		fail := func(field, msg string) {
			p := strings.Split(base+field, ".")
			errs = append(errs, &FieldError{Pos: pathPos(file, doc, p), Path: base + field, Msg: msg})
		}
		// As for the TLS rules: set is given in the spec or by a default.
		isSet := map[string]bool{}
		forFields(e, func(name string, v cue.Value, optional bool) {
			isSet[name] = !optional && v.IsConcrete()
		})
		set := func(field string) bool { return isSet[field] }
		if routing != "gateway" {
			forFields(e, func(name string, v cue.Value, _ bool) {
				if hasAttr(v, "gateway") && set(name) {
					fail(name, fmt.Sprintf("%s applies only to routing: gateway (routing is %s); set routing: gateway, or remove %s", name, routing, name))
				}
			})
			continue
		}
		pairs(e, "gatewayNeeds", func(name, other, why string) {
			if set(name) && !set(other) {
				fail(name, fmt.Sprintf("%s with routing: gateway needs %s, %s; add %s", name, other, why, other))
			}
		})
		pairs(e, "gatewayExcludes", func(name, other, why string) {
			if set(name) && set(other) {
				fail(name, fmt.Sprintf("%s and %s exclude each other with routing: gateway (%s); remove one", name, other, why))
			}
		})
		if set("gatewayRef") {
			continue // the shared Gateway's owner serves HTTPS
		}
		effURL, _ := e.LookupPath(cue.MakePath(cue.Str("url"))).String()
		if effURL == "" {
			effURL, _ = st.Value.LookupPath(cue.ParsePath("spec.auth.url")).String()
		}
		if u, err := url.Parse(effURL); err != nil || u.Scheme != "https" {
			continue
		}
		var certs []string
		served := false
		if l, err := e.LookupPath(cue.MakePath(cue.Def("gatewayTLS"))).List(); err == nil {
			for l.Next() {
				name, _ := l.Value().String()
				certs = append(certs, name)
				served = served || set(name)
			}
		}
		// Only where TLS is configured for the Ingress but not for the
		// Gateway: with none at all, the TLS rules already say so.
		tlsSet := false
		forFields(e, func(name string, v cue.Value, _ bool) {
			tlsSet = tlsSet || (hasAttr(v, "tls") && set(name))
		})
		if !served && tlsSet && len(certs) > 0 {
			fail("routing", fmt.Sprintf("gateway gives the URL %s no certificate: the Gateway's HTTPS listener takes it from %s; add one, name an existing Gateway with gatewayRef, or use routing: ingress",
				effURL, orWords(certs)))
		}
	}
	return errs
}

// pairs calls f for each entry name: {field: other, why: why} of the
// platform definition's #<def>.
func pairs(e cue.Value, def string, f func(name, other, why string)) {
	it, err := e.LookupPath(cue.MakePath(cue.Def(def))).Fields()
	if err != nil {
		return
	}
	for it.Next() {
		other, _ := it.Value().LookupPath(cue.MakePath(cue.Str("field"))).String()
		why, _ := it.Value().LookupPath(cue.MakePath(cue.Str("why"))).String()
		f(it.Selector().Unquoted(), other, why)
	}
}

// gatewayOnly reports whether v, a field of environment e, applies only to
// routing: gateway (@gateway()) while e routes otherwise: the TLS rules
// then leave it out (gatewayRef terminates TLS on a shared Gateway only).
func gatewayOnly(e, v cue.Value) bool {
	routing, _ := stringValue(e.LookupPath(cue.MakePath(cue.Str("routing"))))
	return hasAttr(v, "gateway") && routing != "gateway"
}

// hasAttr reports whether v carries the attribute @name(…).
func hasAttr(v cue.Value, name string) bool {
	a := v.Attribute(name)
	return a.Err() == nil
}

// stringValue is v's string, or its default's.
func stringValue(v cue.Value) (string, bool) {
	if d, ok := v.Default(); ok {
		v = d
	}
	s, err := v.String()
	return s, err == nil
}

// forFields calls f for each regular field of v, optional ones included
// (and said to be).
func forFields(v cue.Value, f func(name string, v cue.Value, optional bool)) {
	it, err := v.Fields(cue.Optional(true))
	if err != nil {
		return
	}
	for it.Next() {
		f(it.Selector().Unquoted(), it.Value(), it.Selector().ConstraintType() == cue.OptionalConstraint)
	}
}

// orWords is "a", "a or b", "a, b or c".
func orWords(s []string) string {
	if len(s) == 1 {
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}
