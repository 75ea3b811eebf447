package source

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/output"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/flags"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
)

// ListOptions are the inputs of "source list".
type ListOptions struct {
	Namespace                string
	Output                   *flags.Output
	AllNamespaces, NoHeaders bool
	Selector                 string

	factory cmdutil.Factory
	genericiooptions.IOStreams
}

func newCmdList(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	o := &ListOptions{IOStreams: s}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the applications' sources",
		Example: "  kubectl kymamesh source list\n  kubectl kymamesh source list -A -o json",
		Args:    cmdutil.NoArgs,
		RunE:    cmdutil.RunE(f, o),
	}
	flags.AddIntegrationNamespace(cmd, &o.Namespace)
	o.Output = flags.DataOutput().WithHelp("Output format: json or yaml (the sources and their objects' readiness).")
	o.Output.AddFlags(cmd)
	cmdutil.AddListFlags(cmd, &o.AllNamespaces, &o.NoHeaders, &o.Selector)
	return cmd
}

// Complete keeps the factory; -A lists every namespace.
func (o *ListOptions) Complete(f cmdutil.Factory, _ *cobra.Command, _ []string) error {
	o.factory = f
	if o.AllNamespaces {
		o.Namespace = ""
	}
	return nil
}

// Validate checks -o, the selector and the namespace.
func (o *ListOptions) Validate() error {
	if err := o.Output.Complete(); err != nil {
		return err
	}
	if _, err := labels.Parse(o.Selector); err != nil {
		return invalid.Errorf("", "--selector: %w", err)
	}
	if o.AllNamespaces {
		return nil
	}
	return wiring.ValidateNamespaceName("--integration-namespace", o.Namespace)
}

// Run reads every source with one list per resource and prints them.
func (o *ListOptions) Run(ctx context.Context) error {
	dyn, err := o.factory.Dynamic()
	if err != nil {
		return err
	}
	sources, err := wiring.ListSourceStatuses(ctx, dyn, o.Namespace, o.Selector)
	if err != nil {
		return err
	}
	if !o.Output.Human() {
		return o.Output.Data(o.Out, map[string]any{"items": views(sources...)})
	}
	if len(sources) == 0 {
		where := fmt.Sprintf(" in namespace %q", o.Namespace)
		if o.AllNamespaces {
			where = ""
		}
		fmt.Fprintf(o.ErrOut, "No sources found%s.\n", where)
		return nil
	}
	headers := []string{"app", "ready", "channel", "sink"}
	if o.AllNamespaces {
		headers = append([]string{"namespace"}, headers...)
	}
	rows := make([][]string, 0, len(sources))
	for _, st := range sources {
		row := []string{st.App, readyWord(st), st.Object("Channel").Detail, st.Object("SinkBinding").Detail}
		if o.AllNamespaces {
			row = append([]string{st.Namespace}, row...)
		}
		rows = append(rows, row)
	}
	return output.Table(o.Out, headers, rows, o.NoHeaders)
}
