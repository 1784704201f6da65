package compile

import (
	"fmt"
	"slices"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/token"

	"github.com/authstack/authstack/internal/spec"
)

// CheckTargets fails, with a field error on spec.targets, unless the stack
// has every one of targets, which name environments (keys of spec.targets).
// Compile calls it, so the CLI and the KRM function refuse a missing
// environment alike.
func CheckTargets(st *spec.Stack, targets []string) error {
	var errs spec.Diagnostics
	for _, t := range targets {
		if slices.Contains(st.Targets(), t) {
			continue
		}
		has := "none"
		if len(st.Targets()) > 0 {
			has = strings.Join(st.Targets(), ", ")
		}
		errs = append(errs, &spec.FieldError{
			Pos:  targetsPos(st),
			Path: "spec.targets",
			Msg:  fmt.Sprintf("has no environment %q (it has %s); add it to spec.targets or pick one of those", t, has),
		})
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// targetsPos is where the spec's targets are, in the spec's own file.
func targetsPos(st *spec.Stack) token.Position {
	for _, p := range []string{"spec.targets", "spec", ""} {
		v := st.Value
		if p != "" {
			v = v.LookupPath(cue.ParsePath(p))
		}
		if pos := v.Pos(); v.Exists() && pos.IsValid() && pos.Filename() == st.File {
			return pos.Position()
		}
	}
	return token.Position{Filename: st.File}
}
