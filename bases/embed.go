// Package bases embeds the CUE templates of the objects every target shares.
package bases

import "embed"

// FS holds the templates' CUE files.
//
//go:embed *.cue
var FS embed.FS
