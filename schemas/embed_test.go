package schemas

import (
	"regexp"
	"testing"
)

func TestPattern(t *testing.T) {
	p, err := Pattern("SQLIdentifier")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(p)
	for s, want := range map[string]bool{"jwks": true, "_jwks_2": true, "1jwks": false, `jwks"; --`: false, "": false} {
		if re.MatchString(s) != want {
			t.Errorf("%q matches %s: %v, want %v", s, p, !want, want)
		}
	}
	if _, err := Pattern("Component"); err == nil {
		t.Error("#Component is no pattern, want an error")
	}
	if _, err := Pattern("Nothing"); err == nil {
		t.Error("no #Nothing, want an error")
	}
}
