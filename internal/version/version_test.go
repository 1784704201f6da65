package version

import "testing"

func TestImage(t *testing.T) {
	for _, tc := range []struct{ version, image string }{
		{"v0.2.0", Repository + ":v0.2.0"},
		{"v1.10.3-rc.1", Repository + ":v1.10.3-rc.1"},
		{"(devel)", Repository + ":dev"},
		{"", Repository + ":dev"},
		{"devel", Repository + ":dev"},
		{"473a970-dirty", Repository + ":dev"},     // git describe without tags
		{"v0.2.0-3-g473a970", Repository + ":dev"}, // git describe past a tag: matches semver, but no release made it
		{"v0.2.0-dirty", Repository + ":dev"},      // git describe --dirty on a tag
		{"v0.2.0+dirty", Repository + ":dev"},      // go build in a modified checkout
		{"v0.0.0-20261130024819-473a970abcde", Repository + ":dev"},
		{"v0.2.1-0.20261130024819-473a970abcde", Repository + ":dev"},
		{"v0.3.0-rc.1.0.20261130024819-473a970abcde", Repository + ":dev"},
		{"0.2.0", Repository + ":dev"}, // goreleaser's .Version lacks the v: the image tag has it
	} {
		if got := Image(tc.version); got != tc.image {
			t.Errorf("Image(%q) = %q, want %q", tc.version, got, tc.image)
		}
	}
}

func TestSetWins(t *testing.T) {
	defer Set("", "")
	Set("v0.4.0", "0123abc")
	if Version() != "v0.4.0" || Commit() != "0123abc" || DefaultImage() != Repository+":v0.4.0" {
		t.Errorf("after Set: %s %s %s", Version(), Commit(), DefaultImage())
	}
	Set("", "")
	if DefaultImage() != Repository+":dev" {
		t.Errorf("a test binary is a development build, got %s", DefaultImage())
	}
}
