package namespace

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/flags"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// DisableOptions are the inputs of "disable ns".
type DisableOptions struct {
	Namespace string
	InUse     bool
	Mutation  *flags.Mutation

	factory cmdutil.Factory
	genericiooptions.IOStreams
}

func newCmdDisableNamespace(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	o := &DisableOptions{Mutation: flags.NewMutation(""), factory: f, IOStreams: s}
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
// Knowing what enable created takes a look at the cluster, even for a dry run.
func (o *DisableOptions) Run(ctx context.Context) error {
	return cmdutil.RunChangeSet(ctx, o.factory, o.Mutation, o.IOStreams, cmdutil.ChangeSet{
		Removal: true,
		Apply: func(ctx context.Context, m wiring.Mesh, dry wiring.DryRun) ([]wiring.Change, error) {
			changes, err := wiring.Disable(ctx, m, o.Namespace, dry, wiring.DeleteOptions{InUse: o.InUse})
			return notOurs(changes), err
		},
		Check: func(changes []wiring.Change) error {
			if len(changes) == 0 {
				fmt.Fprintf(o.ErrOut, "namespace %q has nothing that 'enable ns' created\n", o.Namespace)
			}
			return nil
		},
	})
}
