package broker

import (
	"context"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// CreateOptions are the inputs of "broker create".
type CreateOptions struct {
	Spec     wiring.BrokerSpec
	Delivery cmdutil.DeliveryFlags
	Mutation *cmdutil.MutationFlags

	factory cmdutil.Factory
	genericiooptions.IOStreams
}

// NewCmdCreate returns "broker create NAME".
func NewCmdCreate(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	o := &CreateOptions{Mutation: cmdutil.NewMutationFlags("created", true), factory: f, IOStreams: s}
	cmd := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a Broker",
		Example: `  kubectl kymamesh broker create default -n demo --wait
  kubectl kymamesh broker create orders --class MTChannelBasedBroker --config ConfigMap:config-br-default-channel
  kubectl kymamesh broker create orders --dl-sink svc:dead-letters --retry 3 --dry-run=client -o yaml`,
		Args: cmdutil.ExactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Complete(cmd, args); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(cmd.Context())
		},
	}
	cmd.Flags().StringVar(&o.Spec.Class, "class", "", "Broker class (eventing.knative.dev/broker.class); the cluster default if empty.")
	cmd.Flags().StringVar(&o.Spec.Config, "config", "", "Broker configuration as KIND:NAME[:NAMESPACE], e.g. ConfigMap:config-br-default-channel.")
	o.Delivery.AddFlags(cmd)
	o.Mutation.AddFlags(cmd)
	return cmd
}

// Complete fills the name, namespace and delivery options.
func (o *CreateOptions) Complete(cmd *cobra.Command, args []string) error {
	o.Spec.Name = args[0]
	o.Spec.Delivery = o.Delivery.Options(cmd)
	ns, err := o.factory.Namespace()
	o.Spec.Namespace = ns
	return err
}

// Validate checks the flags without touching the cluster.
func (o *CreateOptions) Validate() error {
	if err := o.Mutation.Validate(); err != nil {
		return err
	}
	_, err := wiring.BuildBroker(o.Spec)
	return err
}

// Run creates the Broker, waits for it if asked, and prints it.
func (o *CreateOptions) Run(ctx context.Context) error {
	b, err := wiring.BuildBroker(o.Spec)
	if err != nil {
		return err
	}
	if o.Mutation.DryRun == wiring.DryRunClient {
		return o.Mutation.Print(b, o.Out)
	}
	c, err := Kind().Client(o.factory, o.Spec.Namespace)
	if err != nil {
		return err
	}
	made, err := wiring.Create(ctx, c, b, o.Mutation.DryRun)
	if err != nil {
		return wiring.APIError(err, "create", "broker", b.Name, b.Namespace)
	}
	return cmdutil.Finish(ctx, o.Mutation, c, "broker", made, o.Out, o.ErrOut)
}
