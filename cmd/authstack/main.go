// Command authstack compiles an AuthStack spec into kustomize bases and
// overlays. Run with no command it is a KRM function: a ResourceList on
// standard input, the result on standard output.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/authstack/authstack/internal/compile"
	"github.com/authstack/authstack/internal/gctune"
	"github.com/authstack/authstack/internal/krm"
	"github.com/authstack/authstack/internal/redact"
	buildinfo "github.com/authstack/authstack/internal/version"
)

// version and commit are set at build time with
// -ldflags "-X main.version=… -X main.commit=…"; empty, they come from the
// build info that Go records.
var version, commit string

// usageError marks bad command lines: they exit 2, other errors 1.
type usageError struct{ error }

func main() {
	tuneGC()
	buildinfo.Set(version, commit)
	// Everything printed to stderr is masked with the input's secrets, and a
	// crash is one line: the last lines of defence.
	stderr := redact.Writer(os.Stderr, redact.Process)
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintln(stderr, "error: authstack failed on this input (an internal error: please report it with the input)")
			os.Exit(1)
		}
	}()
	root := newRootCommand(embedded())
	root.SetErr(stderr)
	cmd, err := root.ExecuteC()
	var ue usageError
	switch {
	case err == nil:
	case errors.As(err, &ue):
		if cmd == nil {
			cmd = root
		}
		// The help of the command that was misused, e.g. authstack build.
		fmt.Fprintf(stderr, "error: %v\nRun '%s --help' for usage.\n", err, cmd.CommandPath())
		os.Exit(2)
	default:
		fmt.Fprintln(stderr, err)
		os.Exit(1)
	}
}

// tuneGC lets the heap grow 5× between collections while it is small, and
// less as it nears 32 MiB (internal/gctune): a run lives for tens of
// milliseconds, and at Go's default a render spends a third of its CPU
// time collecting garbage that exiting frees anyway. GOGC in the
// environment wins.
func tuneGC() { gctune.Start() }

// newRootCommand returns authstack's commands, which compile with src.
func newRootCommand(src *sources) *cobra.Command {
	var target string
	root := &cobra.Command{
		Use:   "authstack",
		Short: "Compile an AuthStack spec into kustomize bases and overlays",
		Long: `authstack compiles one AuthStack spec (a web app using Better Auth: frontend,
backend API, PostgreSQL) into kustomize bases/ and overlays/ for the
platforms ` + src.platformList("and") + `.

Run with no command, it is a KRM function (kpt, kustomize): it reads a
ResourceList on standard input. Without --target it emits the tree as files of
the package; with --target (or AUTHSTACK_TARGET in the environment, for
container runtimes, which pass no arguments) it emits that target's final
manifests, with every other input object passed through.`,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f, ok := cmd.InOrStdin().(*os.File); ok && term.IsTerminal(int(f.Fd())) {
				return usageError{errors.New("no command given and standard input is a terminal: pass a ResourceList on standard input, or use a command")}
			}
			in, err := io.ReadAll(cmd.InOrStdin())
			if err != nil {
				return fmt.Errorf("read ResourceList: %w", err)
			}
			// Container runtimes pass no args (kustomize `container:`, kpt
			// `image:`), only an environment.
			target := compile.ResolveTarget(target, os.Getenv, compile.TargetEnv)
			// krm.Run, like fn.Run and unlike fn.Execute, accepts a ResourceList
			// without a functionConfig, as kpt sends to a function declared without one.
			schema, err := src.schema()
			if err != nil {
				return err
			}
			out, err := krm.RunWith(schema, target, cmd.ErrOrStderr(), in)
			if _, werr := cmd.OutOrStdout().Write(out); werr != nil {
				return werr
			}
			return err
		},
	}
	root.Flags().StringVar(&target, "target", "", "emit this environment's final manifests (a key of spec.targets) instead of the tree (default $"+compile.TargetEnv+")")
	root.Version = buildinfo.Version()
	// The template is plain text: the same lines as `authstack version`.
	root.SetVersionTemplate(versionText())
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newSchemaCommand(src), newInitCommand(src)) // editors
	defer addGitOpsFlags(root, src)                             // once build and render are added
	root.AddCommand(newBuildCommand(src), newRenderCommand(src), newVetCommand(src), newJWKSPurgeCommand(), newVersionCommand())
	// cobra adds these when it runs; added now, their argument errors are
	// usage errors like everyone's.
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	wrapAllArgs(root)
	return root
}

// wrapAllArgs makes the argument errors of cmd and its subcommands (an
// unknown command is one: `authstack bogus`) usage errors.
func wrapAllArgs(cmd *cobra.Command) {
	if !cmd.Runnable() { // e.g. completion: its arguments are checked too
		cmd.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
	}
	if cmd.Name() == "help" && cmd.Args == nil {
		cmd.Args = helpTopic
	}
	cmd.Args = wrapArgs(cmd.Args)
	for _, c := range cmd.Commands() {
		wrapAllArgs(c)
	}
}

// helpTopic accepts `help` alone or followed by a command.
func helpTopic(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	found, rest, err := cmd.Root().Find(args)
	if err != nil || len(rest) > 0 || found == cmd.Root() {
		return fmt.Errorf("unknown help topic %q", strings.Join(args, " "))
	}
	return nil
}

// wrapArgs makes argument errors usage errors.
func wrapArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	if check == nil {
		check = cobra.NoArgs
	}
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, the commit and the default purge image",
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := io.WriteString(cmd.OutOrStdout(), versionText())
			return err
		},
	}
}

// versionText is what `version` and `--version` print.
func versionText() string {
	return fmt.Sprintf("authstack %s\ncommit: %s\npurge image: %s\n", buildinfo.Version(), buildinfo.Commit(), buildinfo.DefaultImage())
}
