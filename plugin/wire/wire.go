// Package wire holds "kubectl kymamesh wire" and "unwire": the whole Kyma
// provisioning of an application into a namespace, and its removal.
package wire

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/source"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// Options are the inputs of "wire".
type Options struct {
	App, To, Broker string
	Source          source.Flags
	Trigger         string
	Filter          []string
	CESQL           string
	Sink            string
	CreateNamespace bool
	Mutation        *cmdutil.MutationFlags

	factory cmdutil.Factory
	genericiooptions.IOStreams
}

// NewCmdWire returns "wire APP --to NS".
func NewCmdWire(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	o := &Options{Mutation: cmdutil.NewMutationFlags(wiring.OpCreated, true), factory: f, IOStreams: s, Broker: "default"}
	cmd := &cobra.Command{
		Use:   "wire APP --to NAMESPACE",
		Short: "Wire an application into a namespace: adapter and Channel, the namespace's Broker, the Subscription between them",
		Long: `wire does the whole Kyma provisioning in dependency order: the application's HTTP
source adapter and Channel in the integration namespace (if missing), the user
namespace's Broker (as 'enable ns'), and a Subscription from the Channel to that
Broker, plus a Trigger when --trigger is given. Re-running it changes nothing;
'unwire APP --from NAMESPACE' removes exactly what it created.`,
		Example: `  kubectl kymamesh wire shop --to orders --wait
  kubectl kymamesh wire shop --to orders --trigger created --filter type=order.created --sink ksvc:handler
  kubectl kymamesh wire shop --to orders --dry-run=client -o yaml`,
		Args: cmdutil.ExactArgs("APP"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.App = args[0]
			spec, err := o.spec()
			if err != nil {
				return err
			}
			if err := o.Mutation.Validate(); err != nil {
				return err
			}
			if _, err := wiring.BuildWire(spec); err != nil {
				return err
			}
			return o.Run(cmd.Context(), spec)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.To, "to", "", "User namespace to deliver the application's events to (required).")
	fl.StringVar(&o.Broker, "broker", o.Broker, "Broker of the user namespace.")
	fl.StringVar(&o.Trigger, "trigger", "", "Also create a Trigger of this name in the user namespace.")
	fl.StringArrayVar(&o.Filter, "filter", nil, "The Trigger's exact attribute filter KEY=VALUE, repeatable.")
	fl.StringVar(&o.CESQL, "cesql", "", "The Trigger's CloudEvents SQL filter.")
	fl.StringVar(&o.Sink, "sink", "", "The Trigger's sink (sink syntax).")
	fl.BoolVar(&o.CreateNamespace, "create-namespace", false, "Create the user namespace if it does not exist (the integration namespace is always created when missing).")
	o.Source.AddFlags(cmd)
	o.Mutation.AddFlags(cmd)
	return cmd
}

func (o *Options) spec() (wiring.WireSpec, error) {
	if o.To == "" {
		return wiring.WireSpec{}, wiring.Invalidf("--to", "the user namespace is required")
	}
	spec := wiring.WireSpec{Source: o.Source.Spec(o.App), To: o.To, Broker: o.Broker, CreateNamespace: o.CreateNamespace}
	hasTrigger := len(o.Filter) > 0 || o.CESQL != "" || o.Sink != ""
	switch {
	case o.Trigger != "":
		spec.Trigger = &wiring.TriggerSpec{Name: o.Trigger, Sink: o.Sink, Filter: o.Filter, CESQL: o.CESQL}
	case hasTrigger:
		return spec, wiring.Invalidf("--trigger", "--filter, --cesql and --sink describe a trigger: name it with --trigger")
	}
	return spec, nil
}

// Run wires the application and reports each object.
func (o *Options) Run(ctx context.Context, spec wiring.WireSpec) error {
	m, err := cmdutil.Mesh(o.factory, o.Mutation.DryRun)
	if err != nil {
		return err
	}
	changes, err := wiring.Wire(ctx, m, spec, o.Mutation.DryRun)
	if perr := cmdutil.PrintChanges(o.Out, o.Mutation, changes); err == nil {
		err = perr
	}
	if err != nil || !o.Mutation.Wait {
		return err
	}
	if _, err := wiring.WaitSourceReady(ctx, m.Dynamic, spec.Source.App, spec.Source.Namespace, o.Mutation.WaitTimeout); err != nil {
		return err
	}
	sub, err := m.Messaging.Subscriptions(spec.Source.Namespace).Get(ctx, wiring.SubscriptionName(spec.Source.App, spec.To), metav1.GetOptions{})
	if err != nil {
		return wiring.APIError(err, "get", "subscription", wiring.SubscriptionName(spec.Source.App, spec.To), spec.Source.Namespace)
	}
	if last, err := wiring.WaitReady(ctx, m.Messaging.Subscriptions(spec.Source.Namespace), "subscription", sub, o.Mutation.WaitTimeout); err != nil {
		cmdutil.PrintConditions(o.ErrOut, last)
		return err
	}
	fmt.Fprintf(o.ErrOut, "application %q is wired to namespace %q\n", spec.Source.App, spec.To)
	return nil
}

// NewCmdUnwire returns "unwire APP --from NS".
func NewCmdUnwire(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	var from, integrationNS string
	m := cmdutil.NewMutationFlags(wiring.OpDeleted, false)
	cmd := &cobra.Command{
		Use:   "unwire APP --from NAMESPACE",
		Short: "Remove what 'wire' created for an application and a namespace",
		Long: `unwire deletes the Triggers and the Subscription that 'wire' created for the
application and namespace; then the application's source, if 'wire' created it and
no other namespace is wired to it; then the namespace's Broker, if 'wire' created
it and no other application is wired to it.`,
		Example: "  kubectl kymamesh unwire shop --from orders",
		Args:    cmdutil.ExactArgs("APP"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if from == "" {
				return wiring.Invalidf("--from", "the user namespace is required")
			}
			if err := m.Validate(); err != nil {
				return err
			}
			// Knowing what wire created takes a look at the cluster, even for a dry run.
			msh, err := cmdutil.Mesh(f, wiring.DryRunNone)
			if err != nil {
				return err
			}
			changes, err := wiring.Unwire(cmd.Context(), msh, args[0], integrationNS, from, m.DryRun)
			if perr := cmdutil.PrintChanges(s.Out, m, changes); err == nil {
				err = perr
			}
			if err == nil && len(changes) == 0 {
				fmt.Fprintf(s.ErrOut, "nothing to unwire: application %q is not wired to namespace %q\n", args[0], from)
			}
			return err
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "User namespace to unwire the application from (required).")
	cmd.Flags().StringVar(&integrationNS, "integration-namespace", wiring.DefaultIntegrationNamespace, "Namespace of the applications' adapters and channels.")
	m.AddFlags(cmd)
	return cmd
}
