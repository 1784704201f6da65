package main

import (
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/spf13/cobra"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"

	"github.com/authstack/authstack/internal/compile"
	"github.com/authstack/authstack/internal/gctune"
	"github.com/authstack/authstack/internal/input"
	"github.com/authstack/authstack/internal/passthrough"
	"github.com/authstack/authstack/internal/spec"
	"github.com/authstack/authstack/internal/tree"
)

// addFilenameFlag adds kubectl's -f/--filename.
func addFilenameFlag(cmd *cobra.Command, files *[]string) {
	cmd.Flags().StringSliceVarP(files, "filename", "f", nil,
		"spec and secret files, directories of them, or - for standard input (repeatable)")
}

// read loads the inputs, validated with src's schema.
func read(cmd *cobra.Command, src *sources, files []string) (*input.Input, error) {
	if len(files) == 0 {
		return nil, usageError{errors.New("no input: pass -f FILE")}
	}
	schema, err := src.schema()
	if err != nil {
		return nil, err
	}
	return input.ReadWith(schema, files, cmd.InOrStdin())
}

// run reads files and runs the pipeline over them with the choices of
// opts (compile.Run applies every rule), prints the warnings and returns the
// errors.
func run(cmd *cobra.Command, src *sources, files []string, opts compile.Input) (*compile.Output, error) {
	in, err := read(cmd, src, files)
	if err != nil {
		return nil, err
	}
	opts.Stacks, opts.Objects = in.Stacks, in.Objects
	out := compile.Run(opts)
	var errs []error
	for _, d := range out.Diagnostics {
		if d.Severity == compile.Warning {
			printWarning(cmd.ErrOrStderr(), d)
			continue
		}
		errs = append(errs, cliError(d))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// printWarning prints a warning in the CLI's form: a field's position, or
// the file of the object it is about.
func printWarning(w io.Writer, d compile.Diagnostic) {
	var fieldErrs spec.Diagnostics
	switch {
	case errors.As(d.Err, &fieldErrs):
		for _, e := range fieldErrs {
			fmt.Fprintf(w, "warning: %v\n", e)
		}
	case d.Object != nil:
		fmt.Fprintf(w, "warning: %s: %v\n", d.Object.GetAnnotations()[kioutil.PathAnnotation], d.Err)
	default:
		fmt.Fprintf(w, "warning: %v\n", d.Err)
	}
}

// cliError is an error diagnostic as the CLI prints it: field errors carry
// their file, other errors about a stack get the stack's file.
func cliError(d compile.Diagnostic) error {
	var fieldErrs spec.Diagnostics
	if errors.As(d.Err, &fieldErrs) || d.Stack == nil {
		return d.Err
	}
	return fmt.Errorf("%s: %w", d.Stack.File, d.Err)
}

// compileOne compiles the only AuthStack of the inputs, for all its targets.
func compileOne(cmd *cobra.Command, src *sources, files []string) (*compile.Compiled, error) {
	out, err := run(cmd, src, files, compile.Input{Single: true})
	if err != nil {
		return nil, err
	}
	return &out.Compiled[0], nil
}

func newBuildCommand(src *sources) *cobra.Command {
	var files []string
	var out string
	cmd := &cobra.Command{
		Use:   "build -f FILE... -o DIR",
		Short: "Write the kustomize tree (bases/ and overlays/) to a directory",
		Long: `Write the kustomize tree of an AuthStack to DIR: DIR/bases and
DIR/overlays/<env> for each environment <env> (a key of spec.targets), ready
for 'kustomize build DIR/overlays/<env>'.
authstack replaces or removes only the files it generated (recorded in
DIR/.authstack/generated.yaml); your own files there are never touched, and
a generated path taken by one of them is an error. The switch from the old
tree to the new one is all or nothing, and on error DIR is unchanged.`,
		Example: `  authstack build -f stack.yaml -f better-auth-secret.yaml -o deploy`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return usageError{errors.New("no output directory: pass -o DIR")}
			}
			gctune.SetTarget(gctune.BuildTarget)
			// Complete a build that was interrupted, even if this one fails.
			if err := tree.Recover(out); err != nil {
				return err
			}
			res, err := compileOne(cmd, src, files)
			if err != nil {
				return err
			}
			st := res.Stack
			if err := res.Tree.Write(out); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: wrote %d files to %s (targets: %s; auth secret hash %s from %s)\n",
				st.Metadata.Name, len(res.Tree.Paths()), out, strings.Join(st.Targets(), ", "), res.SecretHash, res.SecretSource)
			return nil
		},
	}
	addFilenameFlag(cmd, &files)
	cmd.Flags().StringVarP(&out, "output", "o", "", "directory to write bases/ and overlays/ into")
	return cmd
}

func newRenderCommand(src *sources) *cobra.Command {
	var files []string
	var target string
	cmd := &cobra.Command{
		Use:   "render -f FILE... --target NAME",
		Short: "Print one environment's final manifests",
		Long: `Print the final manifests of one environment: the same bytes as
'kustomize build DIR/overlays/NAME' of the tree that 'authstack build' writes,
with every input object that is not an AuthStack (Secret, SealedSecret,
ExternalSecret…) passed through unchanged, as authstack does as a kustomize
transformer. A plain Secret gets a warning: it belongs in a secret manager.`,
		Example: `  authstack render -f stack.yaml -f better-auth-secret.yaml --target eks | kubectl apply -f -`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if target == "" {
				return usageError{errors.New("no target: pass --target NAME")}
			}
			out, err := run(cmd, src, files, compile.Input{Single: true, Target: target, PassThrough: true})
			if err != nil {
				return err
			}
			objects, err := passthrough.Stream(out.PassThrough)
			if err != nil {
				return err
			}
			manifests, err := out.Compiled[0].Tree.RenderWith(path.Join("overlays", target), objects)
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(manifests)
			return err
		},
	}
	addFilenameFlag(cmd, &files)
	cmd.Flags().StringVar(&target, "target", "", "the environment to render: a key of spec.targets, on platform "+src.platformList("or"))
	return cmd
}

func newVetCommand(src *sources) *cobra.Command {
	var files []string
	cmd := &cobra.Command{
		Use:     "vet -f FILE...",
		Short:   "Validate AuthStack specs without writing anything",
		Example: `  authstack vet -f stack.yaml`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out, err := run(cmd, src, files, compile.Input{ValidateOnly: true})
			if err != nil {
				return err
			}
			for _, st := range out.Stacks {
				fmt.Fprintf(cmd.OutOrStdout(), "%s: %s is valid (targets: %s)\n", st.File, st.Metadata.Name, strings.Join(st.Targets(), ", "))
			}
			return nil
		},
	}
	addFilenameFlag(cmd, &files)
	return cmd
}
