package source

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/output"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/flags"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// CreateHTTPOptions are the inputs of "source create http".
type CreateHTTPOptions struct {
	Source   flags.Source
	Mutation *flags.Mutation

	app     string
	factory cmdutil.Factory
	genericiooptions.IOStreams
}

func newCmdCreateHTTP(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	o := &CreateHTTPOptions{Mutation: flags.NewMutation(flags.WaitReady), IOStreams: s}
	cmd := &cobra.Command{
		Use:   "http APP",
		Short: "Deploy an application's HTTP source adapter and its Channel (server-side apply, idempotent)",
		Example: `  kubectl kymamesh source create http shop --wait
  kubectl kymamesh source create http shop --channel kafka --image registry.example.com/adapter:v1
  kubectl kymamesh source create http shop --dry-run=client -o yaml`,
		Args: cmdutil.ExactArgs("APP"),
		RunE: cmdutil.RunE(f, o),
	}
	o.Source.AddFlags(cmd)
	o.Mutation.AddFlags(cmd)
	return cmd
}

// Complete takes the application and the dry-run strategy and printer.
func (o *CreateHTTPOptions) Complete(f cmdutil.Factory, _ *cobra.Command, args []string) error {
	o.app, o.factory = args[0], f
	return o.Mutation.Complete()
}

// Validate checks the flags and the source's settings, building its objects
// as Run does.
func (o *CreateHTTPOptions) Validate() error {
	if err := o.Mutation.Validate(); err != nil {
		return err
	}
	// Every input, as Run builds it (pure): checked before any request.
	_, err := wiring.BuildHTTPSource(o.Source.Spec(o.app))
	return err
}

// Run builds the source's objects and applies them (creating the integration
// namespace if missing), then waits for the source if asked.
func (o *CreateHTTPOptions) Run(ctx context.Context) error {
	spec := o.Source.Spec(o.app)
	return cmdutil.RunChangeSet(ctx, o.factory, o.Mutation, o.IOStreams, cmdutil.ChangeSet{
		Apply: func(ctx context.Context, m wiring.Mesh, dry wiring.DryRun) ([]wiring.Change, error) {
			if m.Dynamic != nil {
				// A source wire made stays wire's, so that unwire still removes it.
				var err error
				if spec.Labels, err = wiring.SourceMarks(ctx, m.Dynamic, o.app, o.Source.IntegrationNamespace); err != nil {
					return nil, err
				}
			}
			objs, err := wiring.BuildHTTPSource(spec)
			if err != nil {
				return nil, err
			}
			return wiring.CreateHTTPSource(ctx, m, objs, o.Source.IntegrationNamespace, dry, o.Source.ForceConflicts)
		},
		Wait: func(ctx context.Context, m wiring.Mesh, _ []wiring.Change) error {
			return waitSource(ctx, m, o.IOStreams, o.app, o.Source.IntegrationNamespace, o.Mutation.WaitTimeout)
		},
	})
}

func waitSource(ctx context.Context, m wiring.Mesh, s genericiooptions.IOStreams, app, ns string, timeout time.Duration) error {
	st, err := wiring.WaitSourceReady(ctx, m.Dynamic, app, ns, timeout)
	if err != nil {
		_ = output.Table(s.ErrOut, statusHeaders, statusRows(st), false)
		return err
	}
	fmt.Fprintf(s.ErrOut, "source %q in namespace %q is ready\n", app, ns)
	return nil
}
