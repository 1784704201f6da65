// Package overlays embeds one CUE file per target: what that platform adds
// over the bases.
package overlays

import "embed"

// FS holds one CUE file per target.
//
//go:embed *.cue
var FS embed.FS
