// Package version holds the "kubectl kymamesh version" command.
package version

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/buildinfo"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/flags"
)

// Options are the inputs of "version".
type Options struct {
	Output *flags.Output
	genericiooptions.IOStreams
}

// NewCmd returns "version".
func NewCmd(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	o := &Options{IOStreams: s}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the plugin's version",
		Args:  cmdutil.NoArgs,
		RunE:  cmdutil.RunE(f, o),
	}
	o.Output = flags.DataOutput().WithHelp("Output format: json or yaml.")
	o.Output.AddFlags(cmd)
	return cmd
}

// Complete has nothing to set up: version needs no cluster.
func (o *Options) Complete(cmdutil.Factory, *cobra.Command, []string) error { return nil }

// Validate checks -o.
func (o *Options) Validate() error {
	if err := o.Output.Complete(); err != nil {
		return err
	}
	return nil
}

// Run prints the version.
func (o *Options) Run(context.Context) error {
	info := buildinfo.Get()
	if !o.Output.Human() {
		return o.Output.Data(o.Out, info)
	}
	_, err := fmt.Fprintf(o.Out, "kubectl-kymamesh %s (%s, %s)\n", info.Version, info.GoVersion, info.Platform)
	return err
}
