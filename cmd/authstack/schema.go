package main

import (
	"github.com/spf13/cobra"

	"github.com/authstack/authstack/internal/jsonschema"
)

func newSchemaCommand(src *sources) *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of the AuthStack spec, for editors",
		Long: `Print a JSON Schema (draft 2020-12) of the AuthStack spec, generated from
the CUE schema built into this binary: closed objects, enums, ranges,
patterns, defaults and descriptions. Editors with yaml-language-server use it
through the modeline that 'authstack init' writes. Constraints across fields
(two components exposing one path, reserved env names) are checked by
'authstack vet' only.`,
		Example: `  authstack schema > authstack.schema.json`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out, _, err := jsonschema.GenerateFS(src.fsys)
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(out)
			return err
		},
	}
}
