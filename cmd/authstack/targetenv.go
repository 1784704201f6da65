package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/authstack/authstack/internal/compile"
)

// addRenderTargetFromEnv gives render --target-from-env NAME: take the
// target from an environment variable. Argo CD's cmp-server runs a plugin's
// generate command without a shell, so the command cannot expand
// $ARGOCD_ENV_AUTHSTACK_TARGET itself; it passes the variable's name.
func addRenderTargetFromEnv(root *cobra.Command) {
	render := subcommand(root, "render")
	var names []string
	render.Flags().StringSliceVar(&names, "target-from-env", nil,
		"take the target from this environment variable when --target is not given (repeatable: the first one set wins)")
	render.PreRunE = func(cmd *cobra.Command, _ []string) error {
		if cmd.Flags().Changed("target") {
			return nil
		}
		if v := compile.ResolveTarget("", os.Getenv, names...); v != "" {
			return cmd.Flags().Set("target", v)
		}
		if len(names) > 0 {
			return usageError{fmt.Errorf("no target: none of %v is set in the environment", names)}
		}
		return nil
	}
}
