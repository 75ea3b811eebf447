package broker

import (
	"context"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	eventingv1 "knative.dev/eventing/pkg/apis/eventing/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// UpdateOptions are the inputs of "broker update".
type UpdateOptions struct {
	Name, Namespace string
	Delivery        cmdutil.DeliveryFlags
	Mutation        *cmdutil.MutationFlags

	delivery wiring.DeliveryOptions
	factory  cmdutil.Factory
	genericiooptions.IOStreams
}

// NewCmdUpdate returns "broker update NAME".
func NewCmdUpdate(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	o := &UpdateOptions{Mutation: cmdutil.NewMutationFlags("updated", true), factory: f, IOStreams: s}
	cmd := &cobra.Command{
		Use:   "update NAME",
		Short: "Update a Broker's delivery settings (class and config are immutable)",
		Example: `  kubectl kymamesh broker update default --retry 5 --backoff-policy exponential --backoff-delay 200ms
  kubectl kymamesh broker update default --dl-sink svc:dead-letters`,
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
	o.Delivery.AddFlags(cmd)
	o.Mutation.AddFlags(cmd)
	return cmd
}

// Complete fills the name, namespace and delivery options.
func (o *UpdateOptions) Complete(cmd *cobra.Command, args []string) error {
	o.Name = args[0]
	o.delivery = o.Delivery.Options(cmd)
	var err error
	o.Namespace, err = o.factory.Namespace()
	return err
}

// Validate checks the flags without touching the cluster.
func (o *UpdateOptions) Validate() error {
	if err := o.Mutation.Validate(); err != nil {
		return err
	}
	if err := wiring.ValidateName("NAME", o.Name); err != nil {
		return err
	}
	return wiring.UpdateBroker(&eventingv1.Broker{}, o.delivery)
}

// Run reads the Broker, changes it and writes it back.
func (o *UpdateOptions) Run(ctx context.Context) error {
	c, err := Kind().Client(o.factory, o.Namespace)
	if err != nil {
		return err
	}
	b, err := wiring.Update(ctx, c, o.Name, o.Mutation.DryRun, func(b *eventingv1.Broker) error {
		return wiring.UpdateBroker(b, o.delivery)
	})
	if err != nil {
		return wiring.APIError(err, "update", "broker", o.Name, o.Namespace)
	}
	return cmdutil.Finish(ctx, o.Mutation, c, "broker", b, o.Out, o.ErrOut)
}
