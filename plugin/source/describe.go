package source

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/output"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/flags"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// DescribeOptions are the inputs of "source describe".
type DescribeOptions struct {
	appRef
	Output *flags.Output

	genericiooptions.IOStreams
}

func newCmdDescribe(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	o := &DescribeOptions{IOStreams: s}
	cmd := &cobra.Command{
		Use:     "describe APP",
		Short:   "Show an application's adapter Deployment, Service, Channel and SinkBinding with their readiness",
		Example: "  kubectl kymamesh source describe shop\n  kubectl kymamesh source describe shop -o yaml",
		Args:    cmdutil.ExactArgs("APP"),
		RunE:    cmdutil.RunE(f, o),
	}
	o.addAppFlags(f, cmd)
	o.Output = flags.DataOutput().WithHelp("Output format: json or yaml.")
	o.Output.AddFlags(cmd)
	return cmd
}

// Complete takes the application.
func (o *DescribeOptions) Complete(f cmdutil.Factory, _ *cobra.Command, args []string) error {
	o.setApp(f, args)
	return nil
}

// Validate checks the application's name, the namespace and -o.
func (o *DescribeOptions) Validate() error {
	if err := o.Output.Complete(); err != nil {
		return err
	}
	return o.validateApp()
}

// Run reads the source's objects and shows them.
func (o *DescribeOptions) Run(ctx context.Context) error {
	dyn, err := o.factory.Dynamic()
	if err != nil {
		return err
	}
	st, err := wiring.GetSourceStatus(ctx, dyn, o.app, o.Namespace)
	if err != nil {
		return err
	}
	if !st.Object("Deployment").Found {
		return fmt.Errorf("source %q not found in namespace %q", o.app, o.Namespace)
	}
	creds, err := wiring.GetCredentialsState(ctx, dyn, o.app, o.Namespace)
	if err != nil {
		return err
	}
	exp, err := wiring.GetExposure(ctx, dyn, o.app, o.Namespace)
	if err != nil {
		return err
	}
	if !o.Output.Human() {
		v := views(st)[0]
		v.Credentials, v.Exposure = &creds, exp
		return o.Output.Data(o.Out, v)
	}
	exposed := "no (in-cluster only; kubectl kymamesh source expose)"
	if exp != nil {
		exposed = exp.String()
	}
	fmt.Fprintf(o.Out, "Application:  %s\nNamespace:    %s\nReady:        %s\nTokens:       %s\nExposed:      %s\nObjects:\n", o.app, o.Namespace, readyWord(st), creds, exposed)
	return output.IndentedTable(o.Out, "  ", statusHeaders, statusRows(st))
}
