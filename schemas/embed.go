// Package schemas embeds the CUE schema of the AuthStack spec.
package schemas

import "embed"

// FS holds the schema's CUE files.
//
//go:embed *.cue
var FS embed.FS
