package spec

import "cuelang.org/go/cue"

// PlatformSettings returns the settings an environment on platform may
// have besides its platform, in the order its overlay file declares them
// (#Platforms.<platform>); nil for no such platform.
func (s *Schema) PlatformSettings(platform string) []string {
	v := s.root.LookupPath(cue.MakePath(cue.Def("Platforms"), cue.Str(platform)))
	if !v.Exists() {
		return nil
	}
	it, err := v.Fields(cue.Optional(true))
	if err != nil {
		return nil
	}
	var names []string
	for it.Next() {
		names = append(names, it.Selector().Unquoted())
	}
	return names
}
