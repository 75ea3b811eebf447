// Package namespace holds "kubectl kymamesh enable ns" and "disable ns", which
// make a namespace part of the mesh and take it out again.
package namespace

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/flags"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// NewCmdEnable returns the "enable" group with its "ns" command.
func NewCmdEnable(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	cmd := &cobra.Command{Use: "enable", Short: "Make a namespace part of the eventing mesh"}
	cmdutil.NamespaceFrom(cmd, "the namespace is the NAME argument")
	cmd.AddCommand(newCmdEnableNamespace(f, s))
	return cmd
}

// NewCmdDisable returns the "disable" group with its "ns" command.
func NewCmdDisable(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	cmd := &cobra.Command{Use: "disable", Short: "Take a namespace out of the eventing mesh"}
	cmdutil.NamespaceFrom(cmd, "the namespace is the NAME argument")
	cmd.AddCommand(newCmdDisableNamespace(f, s))
	return cmd
}

// EnableOptions are the inputs of "enable ns".
type EnableOptions struct {
	Spec     wiring.EnableSpec
	Mutation *flags.Mutation

	factory cmdutil.Factory
	genericiooptions.IOStreams
}

func newCmdEnableNamespace(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	o := &EnableOptions{Mutation: flags.NewMutation("created", true), factory: f, IOStreams: s}
	o.Spec.Broker, o.Spec.Class = "default", wiring.DefaultBrokerClass
	cmd := &cobra.Command{
		Use:     "ns NAME",
		Aliases: []string{"namespace"},
		Short:   "Give a namespace its Broker so that it can receive events (idempotent)",
		Example: `  kubectl kymamesh enable ns orders --wait
  kubectl kymamesh enable ns orders --channel kafka --injection-label
  kubectl kymamesh enable ns orders --dry-run=client -o yaml`,
		Args: cmdutil.ExactArgs("NAME"),
		RunE: cmdutil.RunE(f, o),
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Spec.Broker, "broker", o.Spec.Broker, "Name of the namespace's Broker.")
	fl.StringVar(&o.Spec.Class, "class", o.Spec.Class, "Broker class.")
	flags.AddChannelType(cmd, "channel", &o.Spec.Channel, "Channel behind the Broker: imc, kafka or GROUP/VERSION/KIND (kept in a ConfigMap in the namespace); the cluster default if empty.")
	cmd.ValidArgsFunction = cmdutil.CompleteNamespaces(f)
	fl.BoolVar(&o.Spec.InjectionLabel, "injection-label", false, "Also label the namespace eventing.knative.dev/injection=enabled.")
	fl.BoolVar(&o.Spec.CreateNamespace, "create-namespace", false, "Create the namespace if it does not exist.")
	o.Mutation.AddFlags(cmd)
	return cmd
}

// Complete takes the namespace and the dry-run strategy and printer.
func (o *EnableOptions) Complete(_ cmdutil.Factory, _ *cobra.Command, args []string) error {
	o.Spec.Namespace = args[0]
	return o.Mutation.Complete()
}

// Validate checks the flags without touching the cluster.
func (o *EnableOptions) Validate() error {
	if err := o.Mutation.Validate(); err != nil {
		return err
	}
	_, err := wiring.BuildEnable(o.Spec)
	return err
}

// Run enables the namespace, waits for its Broker if asked and reports each object.
func (o *EnableOptions) Run(ctx context.Context) error {
	m, err := cmdutil.Mesh(o.factory, o.Mutation.Strategy)
	if err != nil {
		return err
	}
	changes, err := wiring.Enable(ctx, m, o.Spec, o.Mutation.Strategy)
	if perr := report(o.IOStreams, o.Mutation, changes); perr != nil && err == nil {
		err = perr
	}
	if err != nil {
		return err
	}
	if o.Mutation.Wait {
		c := m.Eventing.Brokers(o.Spec.Namespace)
		for _, ch := range changes {
			if b, ok := ch.Object.(*knapi.Broker); ok {
				if last, err := wiring.WaitReady[*knapi.Broker, *knapi.BrokerList](ctx, c, "broker", b, o.Mutation.WaitTimeout); err != nil {
					cmdutil.PrintConditions(o.ErrOut, last)
					return err
				}
				fmt.Fprintf(o.ErrOut, "broker %q in namespace %q is ready\n", b.Name, b.Namespace)
			}
		}
	}
	return nil
}

// DisableOptions are the inputs of "disable ns".
type DisableOptions struct {
	Namespace string
	InUse     bool
	Mutation  *flags.Mutation

	factory cmdutil.Factory
	genericiooptions.IOStreams
}

func newCmdDisableNamespace(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	o := &DisableOptions{Mutation: flags.NewMutation("deleted", false), factory: f, IOStreams: s}
	cmd := &cobra.Command{
		Use:     "ns NAME",
		Aliases: []string{"namespace"},
		Short:   "Remove exactly what 'enable ns' created in a namespace",
		Example: `  kubectl kymamesh disable ns orders
  kubectl kymamesh disable ns orders --dry-run=server`,
		Args: cmdutil.ExactArgs("NAME"),
		RunE: cmdutil.RunE(f, o),
	}
	cmd.ValidArgsFunction = cmdutil.CompleteNamespaces(f)
	flags.AddDeleteInUse(cmd, &o.InUse)
	o.Mutation.AddFlags(cmd)
	return cmd
}

// Complete takes the namespace and the dry-run strategy and printer.
func (o *DisableOptions) Complete(_ cmdutil.Factory, _ *cobra.Command, args []string) error {
	o.Namespace = args[0]
	return o.Mutation.Complete()
}

// Validate checks the name and the flags.
func (o *DisableOptions) Validate() error {
	if err := o.Mutation.Validate(); err != nil {
		return err
	}
	return wiring.ValidateNamespaceName("NAME", o.Namespace)
}

// Run disables the namespace and reports each object removed or changed.
func (o *DisableOptions) Run(ctx context.Context) error {
	// Knowing what enable created takes a look at the cluster, even for a dry run.
	m, err := cmdutil.Mesh(o.factory, wiring.DryRunNone)
	if err != nil {
		return err
	}
	changes, err := wiring.Disable(ctx, m, o.Namespace, o.Mutation.Strategy, wiring.DeleteOptions{InUse: o.InUse})
	if perr := report(o.IOStreams, o.Mutation, changes); perr != nil && err == nil {
		err = perr
	}
	if err == nil && len(changes) == 0 {
		fmt.Fprintf(o.ErrOut, "namespace %q has nothing that 'enable ns' created\n", o.Namespace)
	}
	return err
}

// report prints each change; an existing Broker the plugin did not create is
// called out, since disable will leave it alone.
func report(s genericiooptions.IOStreams, m *flags.Mutation, changes []wiring.Change) error {
	for i, c := range changes {
		if *m.PrintFlags.OutputFormat == "" && c.Op == wiring.OpUnchanged && !wiring.IsManaged(c.Object) {
			if _, isNS := c.Object.(*corev1.Namespace); !isNS {
				changes[i].Op += " (exists, not managed by kubectl-kymamesh)"
			}
		}
	}
	return m.PrintChanges(s.Out, s.ErrOut, changes)
}
