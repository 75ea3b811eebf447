package wire

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/flags"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
)

// UnwireOptions are the inputs of "unwire".
type UnwireOptions struct {
	From, IntegrationNamespace string
	InUse                      bool
	Mutation                   *flags.Mutation

	app     string
	factory cmdutil.Factory
	genericiooptions.IOStreams
}

// NewCmdUnwire returns "unwire APP --from NS".
func NewCmdUnwire(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	o := &UnwireOptions{Mutation: flags.NewMutation(""), IOStreams: s}
	cmd := &cobra.Command{
		Use:   "unwire APP --from NAMESPACE",
		Short: "Remove what 'wire' created for an application and a namespace",
		Long: `unwire deletes the Triggers and the Subscription that 'wire' created for the
application and namespace; then the application's source, if 'wire' created it and
no other namespace is wired to it; then the namespace's Broker, if 'wire' created
it and no other application is wired to it; then the integration namespace, if the
plugin created it and nothing else is left in it. A Channel or Broker that
anything else still refers to, and a namespace that still holds anything, is
kept and named with what keeps it; --delete-in-use deletes Brokers and Channels
anyway.`,
		Example: "  kubectl kymamesh unwire shop --from orders",
		Args:    cmdutil.ExactArgs("APP"),
		RunE:    cmdutil.RunE(f, o),
	}
	cmdutil.NamespaceFrom(cmd, "the user namespace is --from, the applications' namespace --integration-namespace")
	cmd.Flags().StringVar(&o.From, "from", "", "User namespace to unwire the application from (required).")
	flags.AddIntegrationNamespace(cmd, &o.IntegrationNamespace)
	flags.AddDeleteInUse(cmd, &o.InUse)
	o.Mutation.AddFlags(cmd)
	cmd.ValidArgsFunction = cmdutil.CompleteApps(f)
	flags.Complete(cmd, "from", "namespaces")
	return cmd
}

// Complete takes the application and the dry-run strategy and printer.
func (o *UnwireOptions) Complete(f cmdutil.Factory, _ *cobra.Command, args []string) error {
	o.app, o.factory = args[0], f
	return o.Mutation.Complete()
}

// Validate checks the flags.
func (o *UnwireOptions) Validate() error {
	if o.From == "" {
		return invalid.Errorf("--from", "the user namespace is required")
	}
	if err := wiring.ValidateName("APP", o.app); err != nil {
		return err
	}
	for flag, ns := range map[string]string{"--from": o.From, "--integration-namespace": o.IntegrationNamespace} {
		if err := wiring.ValidateNamespaceName(flag, ns); err != nil {
			return err
		}
	}
	return o.Mutation.Validate()
}

// Run removes what wire created and reports each object. Knowing what wire
// created takes a look at the cluster, even for a dry run.
func (o *UnwireOptions) Run(ctx context.Context) error {
	return cmdutil.RunChangeSet(ctx, o.factory, o.Mutation, o.IOStreams, cmdutil.ChangeSet{
		Removal: true,
		Apply: func(ctx context.Context, m wiring.Mesh, dry wiring.DryRun) ([]wiring.Change, error) {
			return wiring.Unwire(ctx, m, o.app, o.IntegrationNamespace, o.From, dry, wiring.DeleteOptions{InUse: o.InUse})
		},
		Check: func(changes []wiring.Change) error {
			if len(changes) == 0 {
				fmt.Fprintf(o.ErrOut, "nothing to unwire: application %q is not wired to namespace %q\n", o.app, o.From)
			}
			return nil
		},
	})
}
