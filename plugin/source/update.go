package source

import (
	"context"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/flags"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
)

// UpdateHTTPOptions are the inputs of "source update http".
type UpdateHTTPOptions struct {
	appRef
	Scale          flags.Scale
	ForceConflicts bool
	Mutation       *flags.Mutation

	genericiooptions.IOStreams
}

func newCmdUpdateHTTP(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	o := &UpdateHTTPOptions{Mutation: flags.NewMutation(flags.WaitReady), IOStreams: s}
	cmd := &cobra.Command{
		Use:   "http APP",
		Short: "Change how an application's adapter scales: replicas or autoscaler, CPU and memory (server-side apply)",
		Long: `Change how an application's adapter scales. Only the flags given change; the
rest of the adapter (image, port, Channel, Service) stays as it is. The
Deployment, its HorizontalPodAutoscaler and PodDisruptionBudget are applied as
'source create http' applies them: --replicas removes an autoscaler,
--autoscale takes the replicas over (they are handed over, not reset to 1), a
budget (maxUnavailable 1) is kept while more than one pod may run.`,
		Example: `  kubectl kymamesh source update http shop --replicas 3
  kubectl kymamesh source update http shop --autoscale 2:10 --autoscale-cpu 70 --cpu 250m:1
  kubectl kymamesh source update http shop --memory 64Mi:256Mi --dry-run=server -o yaml`,
		Args: cmdutil.ExactArgs("APP"),
		RunE: cmdutil.RunE(f, o),
	}
	o.addAppFlags(f, cmd)
	o.Scale.AddFlags(cmd)
	cmd.Flags().BoolVar(&o.ForceConflicts, "force-conflicts", false, "Take over scaling fields that someone else set since (server-side apply's conflicts), as kubectl apply --force-conflicts.")
	o.Mutation.AddFlags(cmd)
	return cmd
}

// Complete takes the application and the dry-run strategy and printer.
func (o *UpdateHTTPOptions) Complete(f cmdutil.Factory, _ *cobra.Command, args []string) error {
	o.setApp(f, args)
	return o.Mutation.Complete()
}

// Validate checks the flags before any request: at least one scaling flag,
// each value as create would check it.
func (o *UpdateHTTPOptions) Validate() error {
	if err := o.Mutation.Validate(); err != nil {
		return err
	}
	if err := o.validateApp(); err != nil {
		return err
	}
	if !o.Scale.Changed() {
		return invalid.Errorf("--replicas", "nothing to update: give --replicas, --autoscale, --autoscale-cpu, --cpu or --memory")
	}
	// Offline, over a source with an autoscaler (so that --autoscale-cpu
	// alone is checked as a value; that the source has one is Run's to see).
	return wiring.ValidateScale(o.Scale.Over(wiring.Scale{Autoscale: "1:1"}))
}

// Run reads the adapter's scaling, changes what the flags say and applies
// the Deployment, autoscaler and budget; then waits if asked.
func (o *UpdateHTTPOptions) Run(ctx context.Context) error {
	return cmdutil.RunChangeSet(ctx, o.factory, o.Mutation, o.IOStreams, cmdutil.ChangeSet{
		Removal: true, // reads the source even for a client dry run
		Apply: func(ctx context.Context, m wiring.Mesh, dry wiring.DryRun) ([]wiring.Change, error) {
			return wiring.UpdateHTTPSourceScale(ctx, m, o.app, o.Namespace, o.Scale.Over, dry, o.ForceConflicts)
		},
		Wait: func(ctx context.Context, m wiring.Mesh, _ []wiring.Change) error {
			return waitSource(ctx, m, o.IOStreams, o.app, o.Namespace, o.Mutation.WaitTimeout)
		},
	})
}
