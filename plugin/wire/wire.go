// Package wire holds "kubectl kymamesh wire" and "unwire": the whole Kyma
// provisioning of an application into a namespace, and its removal.
package wire

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/output"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/flags"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
)

// Options are the inputs of "wire".
type Options struct {
	To, Broker      string
	Source          flags.Source
	Trigger         string
	Filter          []string
	CESQL           []string
	Sink            string
	CreateNamespace bool
	Expose          flags.Expose
	Mutation        *flags.Mutation

	spec    wiring.WireSpec
	factory cmdutil.Factory
	genericiooptions.IOStreams
}

// NewCmdWire returns "wire APP --to NS".
func NewCmdWire(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	o := &Options{Mutation: flags.NewMutation(flags.WaitReady), IOStreams: s, Broker: "default"}
	cmd := &cobra.Command{
		Use:   "wire APP --to NAMESPACE",
		Short: "Wire an application into a namespace: adapter and Channel, the namespace's Broker, the Subscription between them",
		Long: `wire does the whole Kyma provisioning in dependency order: the application's HTTP
source adapter and Channel in the integration namespace, the user namespace's
Broker (as 'enable ns'), and a Subscription from the Channel to that Broker, plus
a Trigger when --trigger is given. Like 'kubectl apply', it makes the cluster
match: each object is reported created, configured or unchanged; a field another
tool set is a conflict until --force-conflicts; an object of its names that the
plugin did not make stops it before anything is applied. A source that 'source
create' made is used as it is. With --expose HOST it also exposes the
application outside the cluster, as 'source expose' (checked before anything
is made). 'unwire APP --from NAMESPACE' removes what it created.`,
		Example: `  kubectl kymamesh wire shop --to orders --wait
  kubectl kymamesh wire shop --to orders --trigger created --filter type=order.created --sink ksvc:handler
  kubectl kymamesh wire shop --to orders --dry-run=client -o yaml`,
		Args: cmdutil.ExactArgs("APP"),
		RunE: cmdutil.RunE(f, o),
	}
	cmdutil.NamespaceFrom(cmd, "the user namespace is --to, the applications' namespace --integration-namespace")
	fl := cmd.Flags()
	fl.StringVar(&o.To, "to", "", "User namespace to deliver the application's events to (required).")
	fl.StringVar(&o.Broker, "broker", o.Broker, "Broker of the user namespace.")
	fl.StringVar(&o.Trigger, "trigger", "", "Also create a Trigger of this name in the user namespace.")
	fl.StringArrayVar(&o.Filter, "filter", nil, "The Trigger's exact attribute filter KEY=VALUE, repeatable.")
	fl.StringArrayVar(&o.CESQL, "cesql", nil, "The Trigger's CloudEvents SQL filter, repeatable (an event must match all); with it, --filter goes to spec.filters too.")
	fl.StringVar(&o.Sink, "sink", "", "The Trigger's sink (sink syntax).")
	fl.BoolVar(&o.CreateNamespace, "create-namespace", false, "Create the user namespace if it does not exist (the integration namespace is always created when missing).")
	o.Source.AddFlags(cmd)
	o.Expose.AddFlags(cmd, "expose", "Also expose the application outside the cluster at this DNS name, as 'source expose --host' (the other flags are its).")
	o.Mutation.AddFlags(cmd)
	cmd.ValidArgsFunction = cmdutil.CompleteApps(f)
	flags.Complete(cmd, "to", "namespaces")
	return cmd
}

// Complete takes the application into the spec, and the dry-run strategy and printer.
func (o *Options) Complete(f cmdutil.Factory, _ *cobra.Command, args []string) error {
	o.factory = f
	o.spec = wiring.WireSpec{Source: o.Source.Spec(args[0]), To: o.To, Broker: o.Broker, CreateNamespace: o.CreateNamespace,
		ForceConflicts: o.Source.ForceConflicts}
	if o.Trigger != "" {
		o.spec.Trigger = &wiring.TriggerSpec{Name: o.Trigger, Sink: o.Sink, Filter: o.Filter, CESQL: o.CESQL}
	}
	return o.Mutation.Complete()
}

// Validate checks the flags and every object wire would make, without a cluster.
func (o *Options) Validate() error {
	if o.To == "" {
		return invalid.Errorf("--to", "the user namespace is required")
	}
	if o.Trigger == "" && (len(o.Filter) > 0 || len(o.CESQL) > 0 || o.Sink != "") {
		return invalid.Errorf("--trigger", "--filter, --cesql and --sink describe a trigger: name it with --trigger")
	}
	if err := o.Mutation.Validate(); err != nil {
		return err
	}
	if _, err := wiring.BuildWire(o.spec); err != nil {
		return err
	}
	if o.Expose.Host == "" {
		if o.Expose.Set() {
			return invalid.Errorf("--expose", "--path, --tls-secret, --ingress-class, --gateway and --allow-anonymous describe an exposure: give its host with --expose")
		}
		return nil
	}
	es := o.exposeSpec()
	return es.Validate()
}

func (o *Options) exposeSpec() wiring.ExposeSpec {
	s := o.Expose.Spec(o.spec.Source.App, o.spec.Source.Namespace)
	s.ForceConflicts = o.Source.ForceConflicts // wire's own --force-conflicts
	return s
}

// Run wires the application, reports each object and waits if asked.
func (o *Options) Run(ctx context.Context) error {
	spec := o.spec
	expose := o.Expose.Host != ""
	return cmdutil.RunChangeSet(ctx, o.factory, o.Mutation, o.IOStreams, cmdutil.ChangeSet{
		// --expose checks the cluster before anything is made (a token, the
		// class or Gateway), even for a client dry run.
		Removal: expose,
		Apply: func(ctx context.Context, m wiring.Mesh, dry wiring.DryRun) ([]wiring.Change, error) {
			if !expose {
				return wiring.Wire(ctx, m, spec, dry)
			}
			plan, err := wiring.PlanExpose(ctx, m, o.exposeSpec(), true)
			if err != nil {
				return nil, err
			}
			out, err := wiring.Wire(ctx, m, spec, dry)
			if err != nil {
				return out, err
			}
			more, err := plan.Apply(ctx, m, dry)
			return append(out, more...), err
		},
		Wait: func(ctx context.Context, m wiring.Mesh, _ []wiring.Change) error {
			if _, err := wiring.WaitSourceReady(ctx, m.Dynamic, spec.Source.App, spec.Source.Namespace, o.Mutation.WaitTimeout); err != nil {
				return err
			}
			name := wiring.SubscriptionName(spec.Source.App, spec.To)
			subs := m.Messaging.Subscriptions(spec.Source.Namespace)
			sub, err := subs.Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return wiring.APIError(err, "get", "subscription", name, spec.Source.Namespace)
			}
			if last, err := wiring.WaitReady(ctx, subs, "subscription", sub, o.Mutation.WaitTimeout); err != nil {
				_ = output.NotReadyConditions(o.ErrOut, wiring.Conditions(last))
				return wiring.ExplainNotReady(ctx, m.Dynamic, last, err)
			}
			fmt.Fprintf(o.ErrOut, "application %q is wired to namespace %q\n", spec.Source.App, spec.To)
			return nil
		},
	})
}
