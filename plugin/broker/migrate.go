package broker

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
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
)

// MigrateOptions are the inputs of "broker migrate".
type MigrateOptions struct {
	Spec   wiring.MigrateSpec
	DryRun flags.DryRun
	Output *flags.Output
	// Image is the adapter image of the drain probe's receiver.
	Image string
	// Via is how the probe reaches the old Broker: port-forward or direct (as send).
	Via string

	factory cmdutil.Factory
	genericiooptions.IOStreams
}

func newCmdMigrate(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	o := &MigrateOptions{IOStreams: s, DryRun: flags.NewDryRun(true), Spec: wiring.MigrateSpec{Timeout: 5 * time.Minute},
		Output: flags.DataOutput().WithHelp("Output format: json or yaml (the plan; progress goes to stderr).")}
	cmd := &cobra.Command{
		Use:   "migrate NAME",
		Short: "Change a Broker's class or config without losing an event, keeping its name and its Triggers' names",
		Long: `migrate changes what Knative does not let change on a Broker, its class and
its config, without losing an event and without renaming anything. It moves
everything in two hops, NAME to a temporary Broker NAME-migrating with the new
configuration, then back to NAME made again with it; each hop creates the
target Broker, copies every Trigger to it (filters, delivery, subscriber,
labels and annotations) and waits until each is Ready, repoints every sender
(Subscriptions in any namespace, SinkBindings and sources, dead letter sinks,
EventPolicies), drains the old Broker and removes it with its Triggers.

The plan is printed first (-o json|yaml for scripts); --dry-run=client prints
only the plan. Progress is kept on the Brokers: a run that was stopped
(Ctrl-C, --timeout) continues where it stopped when run again with the same
flags. --rollback returns to the old configuration while the old Broker still
exists (before its removal began).`,
		Example: `  kubectl kymamesh broker migrate default -n shop --channel imc --dry-run
  kubectl kymamesh broker migrate default -n shop --config ConfigMap:my-channel-config -o json
  kubectl kymamesh broker migrate default -n shop --rollback`,
		Args: cmdutil.ExactArgs("NAME"),
		RunE: cmdutil.RunE(f, o),
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Spec.Class, "class", "", "The new broker class (eventing.knative.dev/broker.class).")
	flags.AddChannelType(cmd, "channel", &o.Spec.Channel, "The new channel kind: imc, kafka or GROUP/VERSION/KIND; the plugin keeps its template in a ConfigMap NAME-kymamesh-KIND.")
	fl.StringVar(&o.Spec.Config, "config", "", "The new broker config as KIND:NAME[:NAMESPACE], e.g. ConfigMap:my-channel-config.")
	fl.BoolVar(&o.Spec.Rollback, "rollback", false, "Return to the old configuration (while the old Broker still exists).")
	fl.DurationVar(&o.Spec.Timeout, "timeout", o.Spec.Timeout, "How long each wait may take (a Broker or Trigger Ready, a sender moved, a drain, a probe); a re-run continues.")
	fl.StringVar(&o.Spec.Probe, "probe", wiring.ProbeAuto, "When the drain probes the old Broker through a temporary receiver: auto (when its channel may answer before it delivers), always or never.")
	fl.StringVar(&o.Image, "image", flags.DefaultImage(), "Adapter image of the probe's temporary receiver (its receive mode, as tail's).")
	fl.StringVar(&o.Via, "via", "port-forward", "How the probe reaches the old Broker's address, as send: port-forward (to a ready pod behind its Service) or direct.")
	_ = cmd.RegisterFlagCompletionFunc("probe", cobra.FixedCompletions(wiring.ProbeModes, cobra.ShellCompDirectiveNoFileComp))
	flags.Complete(cmd, "via", "values", "port-forward", "direct")
	o.DryRun.AddFlag(cmd)
	o.Output.AddFlags(cmd)
	cmd.ValidArgsFunction = cmdutil.CompleteNames(f, Kind(), false)
	return cmd
}

// Complete reads the name and namespace.
func (o *MigrateOptions) Complete(f cmdutil.Factory, _ *cobra.Command, args []string) error {
	o.factory = f
	ns, err := f.Namespace()
	if err != nil {
		return err
	}
	o.Spec.Name, o.Spec.Namespace = args[0], ns
	return o.DryRun.Complete()
}

// Validate checks every flag before any request.
func (o *MigrateOptions) Validate() error {
	if err := o.Output.Complete(); err != nil {
		return err
	}
	if err := wiring.CheckImage("--image", o.Image); err != nil {
		return err
	}
	if o.Via != "port-forward" && o.Via != "direct" {
		return invalid.Errorf("--via", "%q: want port-forward or direct", o.Via)
	}
	if o.Spec.Rollback && o.DryRun.Strategy == wiring.DryRunServer {
		return invalid.Errorf("--dry-run", "server: a rollback's plan is all a dry run can show; use --dry-run=client")
	}
	return o.Spec.Validate()
}

// Run plans, prints the plan and, unless a client dry run, carries it out.
func (o *MigrateOptions) Run(ctx context.Context) error {
	m, err := cmdutil.Mesh(o.factory, wiring.DryRunNone) // a client dry run's factory refuses every write
	if err != nil {
		return err
	}
	plan, err := wiring.PlanMigration(ctx, m, o.Spec)
	if err != nil {
		return err
	}
	if o.Output.Human() {
		err = output.MigrationPlan(o.Out, plan)
	} else {
		err = o.Output.Data(o.Out, plan)
	}
	if err != nil || o.DryRun.Strategy == wiring.DryRunClient {
		return err
	}
	changes := o.Out
	if !o.Output.Human() {
		changes = o.ErrOut // stdout holds the plan only
	}
	start := time.Now()
	var perr error
	report := func(c wiring.Change) {
		if err := output.Changes(changes, o.ErrOut, nil, o.DryRun.Strategy.Suffix(), []wiring.Change{c}); err != nil && perr == nil {
			perr = err
		}
	}
	step := func(line string) { fmt.Fprintln(o.ErrOut, line) }
	o.Spec.Prober = &drainProbe{factory: o.factory, image: o.Image, direct: o.Via == "direct", errOut: o.ErrOut}
	if err := wiring.Migrate(ctx, m, o.Spec, plan, o.DryRun.Strategy, report, step); err != nil {
		return err
	}
	if perr != nil {
		return perr
	}
	if o.DryRun.Strategy == wiring.DryRunNone {
		what := "migrated to " + plan.To.String()
		if plan.Phase == wiring.PhaseRollback {
			what = "rolled back to " + plan.To.String()
		}
		fmt.Fprintf(o.ErrOut, "broker %s in namespace %s %s in %s\n", o.Spec.Name, o.Spec.Namespace, what, time.Since(start).Round(100*time.Millisecond))
	}
	return nil
}
