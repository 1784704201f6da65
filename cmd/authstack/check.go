package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// addGitOpsFlags adds the flags that GitOps pipelines use to the build and
// render commands: build --check (CI keeping a committed tree current, for
// Flux) and render --target-from-env (Argo CD's plugin).
func addGitOpsFlags(root *cobra.Command) {
	addBuildCheck(root)
	addRenderTargetFromEnv(root)
}

// addBuildCheck gives the build command --check: compare the tree with DIR
// instead of writing it, for the CI step that keeps a committed, hydrated
// tree current (Flux deploys that tree: its kustomize-controller runs no
// plugins).
func addBuildCheck(root *cobra.Command) {
	build := subcommand(root, "build")
	var check bool
	build.Flags().BoolVar(&check, "check", false, "write nothing; exit 1 listing the files of DIR that are stale, missing or extra")
	build.Example += "\n  authstack build -f stack.yaml -f better-auth-secret.yaml -o deploy --check   # in CI"
	write := build.RunE
	build.RunE = func(cmd *cobra.Command, args []string) error {
		if !check {
			return write(cmd, args)
		}
		files, _ := cmd.Flags().GetStringSlice("filename")
		out, _ := cmd.Flags().GetString("output")
		if out == "" {
			return usageError{errors.New("no output directory: pass -o DIR")}
		}
		res, err := compileOne(cmd, files)
		if err != nil {
			return err
		}
		st := res.Stack
		changes, err := res.Tree.Diff(out)
		if err != nil {
			return err
		}
		if len(changes) == 0 {
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %s is current (%d files)\n", st.Metadata.Name, out, len(res.Tree.Paths()))
			return nil
		}
		lines := make([]string, len(changes))
		for i, c := range changes {
			lines[i] = fmt.Sprintf("%s: %s/%s", c.Kind, strings.TrimSuffix(out, "/"), c.Path)
		}
		return fmt.Errorf("%s\n%s: %d of the generated files in %s are out of date: run 'authstack build' without --check",
			strings.Join(lines, "\n"), st.Metadata.Name, len(changes), out)
	}
}

// subcommand returns root's command name, to which a file of its own adds a
// flag.
func subcommand(root *cobra.Command, name string) *cobra.Command {
	cmd, _, err := root.Find([]string{name})
	if err != nil || cmd.Name() != name {
		panic("authstack: no " + name + " command")
	}
	return cmd
}
