package trigger

import (
	"context"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	eventingv1 "knative.dev/eventing/pkg/apis/eventing/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// UpdateOptions are the inputs of "trigger update".
type UpdateOptions struct {
	specFlags
	Mutation *cmdutil.MutationFlags

	factory cmdutil.Factory
	genericiooptions.IOStreams
}

// NewCmdUpdate returns "trigger update NAME".
func NewCmdUpdate(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	o := &UpdateOptions{Mutation: cmdutil.NewMutationFlags("updated", true), factory: f, IOStreams: s}
	cmd := &cobra.Command{
		Use:   "update NAME",
		Short: "Update a Trigger's sink, filters or delivery (its broker is immutable)",
		Example: `  kubectl kymamesh trigger update orders --sink ksvc:order-handler-v2
  kubectl kymamesh trigger update orders --filter source=shop --filter type-
  kubectl kymamesh trigger update orders --filters-file filters.yaml`,
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
	cmd.Flags().StringVar(&o.spec.Broker, "broker", "", "Must name the Trigger's current broker if given (it cannot change).")
	o.add(cmd, true)
	o.Mutation.AddFlags(cmd)
	return cmd
}

// Complete fills the name and namespace and reads the filters file.
func (o *UpdateOptions) Complete(cmd *cobra.Command, args []string) error {
	o.spec.Name = args[0]
	if err := o.complete(cmd, o.In); err != nil {
		return err
	}
	var err error
	o.spec.Namespace, err = o.factory.Namespace()
	return err
}

// Validate checks the flags without touching the cluster, against an empty Trigger.
func (o *UpdateOptions) Validate() error {
	if err := o.Mutation.Validate(); err != nil {
		return err
	}
	if err := wiring.ValidateName("NAME", o.spec.Name); err != nil {
		return err
	}
	s := o.spec
	if s.Sink == "" && len(s.Filter)+len(s.Prefix)+len(s.Suffix)+len(s.FiltersFile) == 0 && s.CESQL == "" && s.Delivery.IsZero() {
		return wiring.Invalidf("", "nothing to update: give --sink, a filter flag or a delivery flag")
	}
	if len(s.Filter) > 0 && len(s.FiltersFile) > 0 {
		return wiring.Invalidf("--filters-file", "cannot be combined with --filter")
	}
	probe := &eventingv1.Trigger{Spec: eventingv1.TriggerSpec{Broker: s.Broker}}
	return wiring.UpdateTrigger(probe, s)
}

// Run reads the Trigger, changes it and writes it back.
func (o *UpdateOptions) Run(ctx context.Context) error {
	c, err := Kind().Client(o.factory, o.spec.Namespace)
	if err != nil {
		return err
	}
	t, err := wiring.Update(ctx, c, o.spec.Name, o.Mutation.DryRun, func(t *eventingv1.Trigger) error {
		return wiring.UpdateTrigger(t, o.spec)
	})
	if err != nil {
		return wiring.APIError(err, "update", "trigger", o.spec.Name, o.spec.Namespace)
	}
	warnFilterConflict(o.ErrOut, t)
	return cmdutil.Finish(ctx, o.Mutation, c, "trigger", t, o.Out, o.ErrOut)
}
