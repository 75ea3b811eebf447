package subscription

import (
	"context"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// CreateOptions are the inputs of "subscription create".
type CreateOptions struct {
	specFlags
	Mutation *cmdutil.MutationFlags

	factory cmdutil.Factory
	genericiooptions.IOStreams
}

// NewCmdCreate returns "subscription create NAME".
func NewCmdCreate(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	o := &CreateOptions{Mutation: cmdutil.NewMutationFlags("created", true), factory: f, IOStreams: s}
	cmd := &cobra.Command{
		Use:   "create NAME --channel CHANNEL --sink SINK",
		Short: "Create a Subscription from a Channel to a sink",
		Example: `  # the Kyma wiring: an application's channel to a namespace's broker
  kubectl kymamesh subscription create shop-to-orders -n kyma-integration --channel shop --sink broker:default:orders
  kubectl kymamesh subscription create audit --channel imc:events --sink ksvc:audit --reply channel:replies --wait`,
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
func (o *CreateOptions) Complete(cmd *cobra.Command, args []string) error {
	o.spec.Name = args[0]
	o.spec.Delivery = o.delivery.Options(cmd)
	var err error
	o.spec.Namespace, err = o.factory.Namespace()
	return err
}

// Validate checks the flags without touching the cluster.
func (o *CreateOptions) Validate() error {
	if err := o.Mutation.Validate(); err != nil {
		return err
	}
	_, err := wiring.BuildSubscription(o.spec)
	return err
}

// Run creates the Subscription, waits for it if asked, and prints it.
func (o *CreateOptions) Run(ctx context.Context) error {
	sub, err := wiring.BuildSubscription(o.spec)
	if err != nil {
		return err
	}
	if o.Mutation.DryRun == wiring.DryRunClient {
		return o.Mutation.Print(sub, o.Out)
	}
	c, err := Kind().Client(o.factory, o.spec.Namespace)
	if err != nil {
		return err
	}
	made, err := wiring.Create(ctx, c, sub, o.Mutation.DryRun)
	if err != nil {
		return wiring.APIError(err, "create", "subscription", sub.Name, sub.Namespace)
	}
	return cmdutil.Finish(ctx, o.Mutation, c, "subscription", made, o.Out, o.ErrOut)
}
