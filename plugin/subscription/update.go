package subscription

import (
	"context"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	messagingv1 "knative.dev/eventing/pkg/apis/messaging/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// UpdateOptions are the inputs of "subscription update".
type UpdateOptions struct {
	specFlags
	Mutation *cmdutil.MutationFlags

	factory cmdutil.Factory
	genericiooptions.IOStreams
}

// NewCmdUpdate returns "subscription update NAME".
func NewCmdUpdate(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	o := &UpdateOptions{Mutation: cmdutil.NewMutationFlags("updated", true), factory: f, IOStreams: s}
	cmd := &cobra.Command{
		Use:   "update NAME",
		Short: "Update a Subscription's sink, reply or delivery (its channel is immutable)",
		Example: `  kubectl kymamesh subscription update shop-to-orders --sink broker:default:orders-v2
  kubectl kymamesh subscription update audit --retry 5 --dl-sink svc:dead-letters`,
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
	o.add(cmd)
	o.Mutation.AddFlags(cmd)
	return cmd
}

// Complete fills the name, namespace and delivery options.
func (o *UpdateOptions) Complete(cmd *cobra.Command, args []string) error {
	o.spec.Name = args[0]
	o.spec.Delivery = o.delivery.Options(cmd)
	var err error
	o.spec.Namespace, err = o.factory.Namespace()
	return err
}

// Validate checks the flags without touching the cluster.
func (o *UpdateOptions) Validate() error {
	if err := o.Mutation.Validate(); err != nil {
		return err
	}
	if err := wiring.ValidateName("NAME", o.spec.Name); err != nil {
		return err
	}
	// Whether --channel names the current channel is only known in Run.
	if o.spec.Channel != "" {
		if _, err := wiring.ParseChannelRef("--channel", o.spec.Channel); err != nil {
			return err
		}
		return nil
	}
	return wiring.UpdateSubscription(&messagingv1.Subscription{}, o.spec)
}

// Run reads the Subscription, changes it and writes it back.
func (o *UpdateOptions) Run(ctx context.Context) error {
	c, err := Kind().Client(o.factory, o.spec.Namespace)
	if err != nil {
		return err
	}
	sub, err := wiring.Update(ctx, c, o.spec.Name, o.Mutation.DryRun, func(s *messagingv1.Subscription) error {
		return wiring.UpdateSubscription(s, o.spec)
	})
	if err != nil {
		return wiring.APIError(err, "update", "subscription", o.spec.Name, o.spec.Namespace)
	}
	return cmdutil.Finish(ctx, o.Mutation, c, "subscription", sub, o.Out, o.ErrOut)
}
