// Package completion holds "kubectl kymamesh completion SHELL": a completion
// script for the plugin binary, kubectl-kymamesh. (kubectl's own completion
// reaches the plugin through kubectl_complete-kymamesh, see the Makefile.)
package completion

import (
	"context"
	"io"
	"slices"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
)

// Binary is the name the scripts register for: the executable a shell runs.
const Binary = "kubectl-kymamesh"

// Shells are the shells a script can be written for.
var shells = []string{"bash", "zsh", "fish", "powershell"}

// Options are the inputs of "completion".
type Options struct {
	Shell string

	root *cobra.Command
	genericiooptions.IOStreams
}

// NewCmd returns "completion".
func NewCmd(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	o := &Options{IOStreams: s}
	return &cobra.Command{
		Use:       "completion SHELL",
		Short:     "Print a shell completion script for kubectl-kymamesh (bash, zsh, fish or powershell)",
		Example:   "  source <(kubectl kymamesh completion bash)\n  kubectl kymamesh completion zsh > \"${fpath[1]}/_kubectl-kymamesh\"",
		Args:      cmdutil.ExactArgs("SHELL"),
		ValidArgs: shells,
		RunE:      cmdutil.RunE(f, o),
	}
}

// Complete takes the shell and the command tree the script describes.
func (o *Options) Complete(_ cmdutil.Factory, cmd *cobra.Command, args []string) error {
	o.Shell, o.root = args[0], cmd.Root()
	return nil
}

// Validate checks the shell.
func (o *Options) Validate() error {
	if !slices.Contains(shells, o.Shell) {
		return invalid.Errorf("", "SHELL: %q: want bash, zsh, fish or powershell", o.Shell)
	}
	return nil
}

// Run writes the script. Cobra names a script after the root command, here
// "kymamesh" (what kubectl shows); the shell runs kubectl-kymamesh, so the
// root carries that name while the script is written.
func (o *Options) Run(context.Context) error {
	use := o.root.Use
	o.root.Use = Binary
	defer func() { o.root.Use = use }()
	gen := map[string]func(io.Writer) error{
		"bash":       func(w io.Writer) error { return o.root.GenBashCompletionV2(w, true) },
		"zsh":        o.root.GenZshCompletion,
		"fish":       func(w io.Writer) error { return o.root.GenFishCompletion(w, true) },
		"powershell": o.root.GenPowerShellCompletionWithDesc,
	}
	return gen[o.Shell](o.Out)
}
