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

// ExposeOptions are the inputs of "source expose".
type ExposeOptions struct {
	Namespace string
	Expose    flags.Expose
	Mutation  *flags.Mutation

	spec    wiring.ExposeSpec
	factory cmdutil.Factory
	genericiooptions.IOStreams
}

func newCmdExpose(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	o := &ExposeOptions{Mutation: flags.NewMutation(""), IOStreams: s}
	cmd := &cobra.Command{
		Use:   "expose APP --host HOST",
		Short: "Give an application an endpoint outside the cluster: an Ingress or a Gateway API HTTPRoute to its adapter",
		Long: `expose routes https://HOST/APP/events (CloudEvents) and, with --legacy-events,
https://HOST/APP/v1/events (Kyma's events API) to the application's adapter: a
networking.k8s.io/v1 Ingress of the adapter's name in the integration namespace
(--ingress-class, default the cluster's default class; --tls-secret serves
HTTPS), or with --gateway NAMESPACE/NAME a Gateway API HTTPRoute attached to
that Gateway (TLS is then the Gateway listener's). An application must have a
token first (source token create), or --allow-anonymous. Running it again
changes the route; 'source unexpose' removes it, and so do 'source delete' and
'unwire'. An Ingress or HTTPRoute of that name that the plugin did not make is
left alone, and nothing is made.`,
		Example: `  kubectl kymamesh source token create shop > shop.token
  kubectl kymamesh source expose shop --host events.example.com --tls-secret events-tls
  kubectl kymamesh source expose shop --host events.example.com --gateway infra/public`,
		Args: cmdutil.ExactArgs("APP"),
		RunE: cmdutil.RunE(f, o),
	}
	flags.AddIntegrationNamespace(cmd, &o.Namespace)
	o.Expose.AddFlags(cmd, "host", "DNS name senders outside the cluster use (required).")
	o.Mutation.AddFlags(cmd)
	cmd.ValidArgsFunction = cmdutil.CompleteApps(f)
	return cmd
}

// Complete takes the application and the dry-run strategy and printer.
func (o *ExposeOptions) Complete(f cmdutil.Factory, _ *cobra.Command, args []string) error {
	o.factory = f
	o.spec = o.Expose.Spec(args[0], o.Namespace)
	return o.Mutation.Complete()
}

// Validate checks the flags without a cluster.
func (o *ExposeOptions) Validate() error {
	if err := o.Mutation.Validate(); err != nil {
		return err
	}
	return o.spec.Validate()
}

// Run checks the cluster and makes the route. Knowing whether the
// application has a token and the class or Gateway exists takes a look at
// the cluster, even for a client dry run.
func (o *ExposeOptions) Run(ctx context.Context) error {
	return cmdutil.RunChangeSet(ctx, o.factory, o.Mutation, o.IOStreams, cmdutil.ChangeSet{
		Removal: true,
		Apply: func(ctx context.Context, m wiring.Mesh, dry wiring.DryRun) ([]wiring.Change, error) {
			return wiring.Expose(ctx, m, o.spec, dry)
		},
	})
}

// UnexposeOptions are the inputs of "source unexpose".
type UnexposeOptions struct {
	appRef
	Mutation *flags.Mutation

	genericiooptions.IOStreams
}

func newCmdUnexpose(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	o := &UnexposeOptions{Mutation: flags.NewMutation(""), IOStreams: s}
	cmd := &cobra.Command{
		Use:     "unexpose APP",
		Short:   "Remove the Ingress or HTTPRoute that 'source expose' made for an application",
		Example: "  kubectl kymamesh source unexpose shop",
		Args:    cmdutil.ExactArgs("APP"),
		RunE:    cmdutil.RunE(f, o),
	}
	o.addAppFlags(f, cmd)
	o.Mutation.AddFlags(cmd)
	return cmd
}

// Complete takes the application and the dry-run strategy and printer.
func (o *UnexposeOptions) Complete(f cmdutil.Factory, _ *cobra.Command, args []string) error {
	o.setApp(f, args)
	return o.Mutation.Complete()
}

// Validate checks the flags, the application's name and the namespace.
func (o *UnexposeOptions) Validate() error {
	if err := o.Mutation.Validate(); err != nil {
		return err
	}
	return o.validateApp()
}

// Run deletes the route and reports it; none is no error, as kubectl
// delete --ignore-not-found, but it says so.
func (o *UnexposeOptions) Run(ctx context.Context) error {
	return cmdutil.RunChangeSet(ctx, o.factory, o.Mutation, o.IOStreams, cmdutil.ChangeSet{
		Removal: true,
		Apply: func(ctx context.Context, m wiring.Mesh, dry wiring.DryRun) ([]wiring.Change, error) {
			return wiring.Unexpose(ctx, m, o.app, o.Namespace, dry)
		},
		Check: func(changes []wiring.Change) error {
			if len(changes) == 0 {
				fmt.Fprintf(o.ErrOut, "application %q in namespace %q is not exposed\n", o.app, o.Namespace)
			}
			return nil
		},
	})
}
