package namespace

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/output"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/flags"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
)

// EnableOptions are the inputs of "enable ns".
type EnableOptions struct {
	Spec     wiring.EnableSpec
	Mutation *flags.Mutation
	Delivery flags.Delivery
	// Defaults is --namespace-defaults: with a class, channel, config or
	// delivery given, also write the namespace's entries in Knative's defaults.
	Defaults bool

	factory cmdutil.Factory
	genericiooptions.IOStreams
}

func newCmdEnableNamespace(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	o := &EnableOptions{Mutation: flags.NewMutation(flags.WaitReady), factory: f, IOStreams: s}
	o.Spec.Broker, o.Spec.Class = "default", wiring.DefaultBrokerClass
	cmd := &cobra.Command{
		Use:     "ns NAME",
		Aliases: []string{"namespace"},
		Short:   "Give a namespace its Broker so that it can receive events (idempotent)",
		Example: `  kubectl kymamesh enable ns orders --wait
  kubectl kymamesh enable ns orders --channel kafka --injection-label
  kubectl kymamesh enable ns orders --class Kafka --config ConfigMap:kafka-broker-config:knative-eventing --retry 5
  kubectl kymamesh enable ns orders --dry-run=client -o yaml`,
		Args: cmdutil.ExactArgs("NAME"),
		RunE: cmdutil.RunE(f, o),
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Spec.Broker, "broker", o.Spec.Broker, "Name of the namespace's Broker.")
	fl.StringVar(&o.Spec.Class, "class", o.Spec.Class, "Broker class.")
	flags.AddChannelType(cmd, "channel", &o.Spec.Channel, "Channel behind the Broker: imc, kafka or GROUP/VERSION/KIND (kept in a ConfigMap in the namespace); the cluster default if empty.")
	fl.StringVar(&o.Spec.Config, "config", "", "The Broker's config, KIND:NAME[:NAMESPACE] as kn's --broker-config (e.g. a Kafka Broker's ConfigMap); instead of --channel.")
	o.Delivery.AddFlags(cmd)
	fl.BoolVar(&o.Defaults, "namespace-defaults", true, "With --class, --channel, --config or a delivery flag, also write the namespace's entries in Knative's defaults "+
		"(config-br-defaults, default-ch-webhook in knative-eventing), so that every Broker and Channel made later in the namespace gets them; disable ns removes them.")
	cmd.ValidArgsFunction = cmdutil.CompleteNamespaces(f)
	fl.BoolVar(&o.Spec.InjectionLabel, "injection-label", false, "Also label the namespace eventing.knative.dev/injection=enabled.")
	fl.BoolVar(&o.Spec.CreateNamespace, "create-namespace", false, "Create the namespace if it does not exist.")
	o.Mutation.AddFlags(cmd)
	return cmd
}

// Complete takes the namespace, the delivery flags and the dry-run strategy and printer.
func (o *EnableOptions) Complete(_ cmdutil.Factory, cmd *cobra.Command, args []string) error {
	o.Spec.Namespace = args[0]
	o.Spec.Delivery = o.Delivery.Options(cmd)
	o.Spec.NamespaceDefaults = o.Defaults && (cmd.Flags().Changed("class") || o.Spec.Channel != "" || o.Spec.Config != "" || !o.Spec.Delivery.IsZero())
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

// Run enables the namespace, reports each object and waits for its Broker if asked.
func (o *EnableOptions) Run(ctx context.Context) error {
	return cmdutil.RunChangeSet(ctx, o.factory, o.Mutation, o.IOStreams, cmdutil.ChangeSet{
		Apply: func(ctx context.Context, m wiring.Mesh, dry wiring.DryRun) ([]wiring.Change, error) {
			changes, err := wiring.Enable(ctx, m, o.Spec, dry)
			return notOurs(changes), err
		},
		Wait: func(ctx context.Context, m wiring.Mesh, changes []wiring.Change) error {
			c := m.Eventing.Brokers(o.Spec.Namespace)
			for _, ch := range changes {
				if b, ok := ch.Object.(*knapi.Broker); ok {
					if last, err := wiring.WaitReady[*knapi.Broker, *knapi.BrokerList](ctx, c, "broker", b, o.Mutation.WaitTimeout); err != nil {
						_ = output.NotReadyConditions(o.ErrOut, wiring.Conditions(last))
						return err
					}
					fmt.Fprintf(o.ErrOut, "broker %q in namespace %q is ready\n", b.Name, b.Namespace)
				}
			}
			return nil
		},
	})
}
