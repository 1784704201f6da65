// Package overlays embeds one CUE file per platform: the settings of an
// environment on it, its registration in #Platforms, and what it adds over
// the bases (docs/architecture.md).
package overlays

import "embed"

// FS holds one CUE file per platform.
//
//go:embed *.cue
var FS embed.FS
