package trigger

import (
	"context"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	eventingv1 "knative.dev/eventing/pkg/apis/eventing/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// CreateOptions are the inputs of "trigger create".
type CreateOptions struct {
	specFlags
	Mutation *cmdutil.MutationFlags

	factory cmdutil.Factory
	genericiooptions.IOStreams
}

// NewCmdCreate returns "trigger create NAME".
func NewCmdCreate(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	o := &CreateOptions{Mutation: cmdutil.NewMutationFlags("created", true), factory: f, IOStreams: s}
	o.spec.Broker = "default"
	cmd := &cobra.Command{
		Use:   "create NAME --sink SINK",
		Short: "Create a Trigger that delivers a Broker's matching events to a sink",
		Example: `  kubectl kymamesh trigger create orders --broker default --filter type=order.created --sink ksvc:order-handler
  kubectl kymamesh trigger create eu-orders --filter-prefix type=order. --cesql "region = 'eu'" --sink svc:eu-orders
  kubectl kymamesh trigger create audit --filters-file filters.yaml --sink http://audit.example.com/ --wait`,
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
	cmd.Flags().StringVar(&o.spec.Broker, "broker", o.spec.Broker, "Broker the Trigger subscribes to.")
	o.add(cmd, false)
	o.Mutation.AddFlags(cmd)
	return cmd
}

// Complete fills the name and namespace and reads the filters file.
func (o *CreateOptions) Complete(cmd *cobra.Command, args []string) error {
	o.spec.Name = args[0]
	if err := o.complete(cmd, o.In); err != nil {
		return err
	}
	var err error
	o.spec.Namespace, err = o.factory.Namespace()
	return err
}

// Validate checks the flags without touching the cluster.
func (o *CreateOptions) Validate() error {
	if err := o.Mutation.Validate(); err != nil {
		return err
	}
	if len(o.spec.Filter) > 0 && len(o.spec.FiltersFile) > 0 {
		return wiring.Invalidf("--filters-file", "cannot be combined with --filter; put the exact filter into the file as an \"exact\" entry")
	}
	_, err := wiring.BuildTrigger(o.spec)
	return err
}

// Run creates the Trigger, waits for it if asked, and prints it.
func (o *CreateOptions) Run(ctx context.Context) error {
	t, err := wiring.BuildTrigger(o.spec)
	if err != nil {
		return err
	}
	warnFilterConflict(o.ErrOut, t)
	if o.Mutation.DryRun == wiring.DryRunClient {
		return o.Mutation.Print(t, o.Out)
	}
	c, err := Kind().Client(o.factory, o.spec.Namespace)
	if err != nil {
		return err
	}
	made, err := wiring.Create(ctx, c, t, o.Mutation.DryRun)
	if err != nil {
		return wiring.APIError(err, "create", "trigger", t.Name, t.Namespace)
	}
	return cmdutil.Finish(ctx, o.Mutation, c, "trigger", made, o.Out, o.ErrOut)
}

func warnFilterConflict(w interface{ Write([]byte) (int, error) }, t *eventingv1.Trigger) {
	if wiring.FilterConflict(t) {
		_, _ = w.Write([]byte("Warning: trigger \"" + t.Name + "\" has both spec.filter and spec.filters; Knative ignores spec.filter (--filter) when spec.filters is set\n"))
	}
}
