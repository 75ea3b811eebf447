package source

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/flags"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// DeleteOptions are the inputs of "source delete".
type DeleteOptions struct {
	appRef
	Mutation *flags.Mutation
	InUse    bool

	genericiooptions.IOStreams
}

func newCmdDelete(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	o := &DeleteOptions{Mutation: flags.NewMutation(""), IOStreams: s}
	cmd := &cobra.Command{
		Use:     "delete APP",
		Short:   "Delete an application's adapter and Channel",
		Example: "  kubectl kymamesh source delete shop",
		Args:    cmdutil.ExactArgs("APP"),
		RunE:    cmdutil.RunE(f, o),
	}
	o.addAppFlags(f, cmd)
	flags.AddDeleteInUse(cmd, &o.InUse)
	o.Mutation.AddFlags(cmd)
	return cmd
}

// Complete takes the application and the dry-run strategy and printer.
func (o *DeleteOptions) Complete(f cmdutil.Factory, _ *cobra.Command, args []string) error {
	o.setApp(f, args)
	return o.Mutation.Complete()
}

// Validate checks the flags, the application's name and the namespace.
func (o *DeleteOptions) Validate() error {
	if err := o.Mutation.Validate(); err != nil {
		return err
	}
	return o.validateApp()
}

// Run deletes the source's objects and reports each. Knowing what is the
// application's takes a look at the cluster, even for a dry run.
func (o *DeleteOptions) Run(ctx context.Context) error {
	return cmdutil.RunChangeSet(ctx, o.factory, o.Mutation, o.IOStreams, cmdutil.ChangeSet{
		Removal: true,
		Apply: func(ctx context.Context, m wiring.Mesh, dry wiring.DryRun) ([]wiring.Change, error) {
			return wiring.DeleteHTTPSource(ctx, m, o.app, o.Namespace, dry, wiring.DeleteOptions{InUse: o.InUse})
		},
		Check: func(changes []wiring.Change) error {
			switch {
			case len(changes) == 1 && changes[0].Op == wiring.OpKept:
				return fmt.Errorf("source %q in namespace %q is in use; nothing was deleted", o.app, o.Namespace)
			case len(changes) == 0:
				return fmt.Errorf("source %q not found in namespace %q", o.app, o.Namespace)
			}
			return nil
		},
	})
}
