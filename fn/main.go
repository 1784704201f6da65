// Command authstack compiles an AuthStack spec into kustomize bases and
// overlays. Run with no command it is a KRM function: a ResourceList on
// standard input, the result on standard output.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/authstack/authstack/internal/krm"
	"github.com/authstack/authstack/internal/redact"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = ""

// usageError marks bad command lines: they exit 2, other errors 1.
type usageError struct{ error }

func main() {
	tuneGC()
	// Everything printed to stderr is masked with the input's secrets, and a
	// crash is one line: the last lines of defence.
	stderr := redact.Writer(os.Stderr, redact.Process)
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintln(stderr, "error: authstack failed on this input (an internal error: please report it with the input)")
			os.Exit(1)
		}
	}()
	root := newRootCommand()
	root.SetErr(stderr)
	err := root.Execute()
	var ue usageError
	switch {
	case err == nil:
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "error: %v\nRun '%s --help' for usage.\n", err, root.CommandPath())
		os.Exit(2)
	default:
		fmt.Fprintln(stderr, err)
		os.Exit(1)
	}
}

// tuneGC lets the heap grow 5× between collections instead of 2×: a run
// lives for tens of milliseconds, and at Go's default a render spends a
// third of its CPU time collecting garbage that exiting frees anyway. The
// reference stack's render still peaks below 40 MiB. GOGC in the
// environment wins.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
}

func newRootCommand() *cobra.Command {
	var target string
	root := &cobra.Command{
		Use:   "authstack",
		Short: "Compile an AuthStack spec into kustomize bases and overlays",
		Long: `authstack compiles one AuthStack spec (a web app using Better Auth: frontend,
backend API, PostgreSQL) into kustomize bases/ and overlays/ for minikube,
EKS, GKE and AKS.

Run with no command, it is a KRM function (kpt, kustomize): it reads a
ResourceList on standard input. Without --target it emits the tree as files of
the package; with --target it emits that target's final manifests.`,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if term.IsTerminal(int(os.Stdin.Fd())) {
				return usageError{errors.New("no command given and standard input is a terminal: pass a ResourceList on standard input, or use a command")}
			}
			in, err := io.ReadAll(os.Stdin)
			if err != nil {
				return fmt.Errorf("read ResourceList: %w", err)
			}
			// krm.Run, like fn.Run and unlike fn.Execute, accepts a ResourceList
			// without a functionConfig, as kpt sends to a function declared without one.
			out, err := krm.Run(target, os.Stderr, in)
			if _, werr := os.Stdout.Write(out); werr != nil {
				return werr
			}
			return err
		},
	}
	root.Flags().StringVar(&target, "target", "", "emit this target's final manifests (minikube, eks, gke, aks) instead of the tree")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newBuildCommand(), newRenderCommand(), newVetCommand(), newJWKSPurgeCommand(), newVersionCommand())
	for _, c := range root.Commands() {
		c.Args = wrapArgs(c.Args)
	}
	return root
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
		Short: "Print the version",
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), "authstack", buildVersion())
			return err
		},
	}
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}
