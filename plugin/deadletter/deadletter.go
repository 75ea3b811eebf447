// Package deadletter holds "kubectl kymamesh deadletter": a namespace's
// dead-letter store (enable, disable) and what it keeps (list, show, stats,
// replay, purge), reached through a port-forward to the store's API
// (docs/deadletter.md).
package deadletter

import (
	"context"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/flags"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// NewCmd returns "deadletter" and its commands.
func NewCmd(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "deadletter",
		Short: "Keep the events a Broker gives up on, list them and send them again",
		Long: `deadletter enable gives a namespace a dead-letter store (the adapter image in its
store mode, on a PersistentVolumeClaim) and points a Broker's delivery.deadLetterSink
at it; every event Knative gives up on is kept whole until it is replayed, purged or
past its retention. list, show, stats, replay and purge reach the store's API through
a port-forward to its pod, as tail reaches its receiver.`,
		Args: cmdutil.NoArgs,
	}
	cmd.AddCommand(newCmdEnable(f, s), newCmdDisable(f, s), newCmdList(f, s), newCmdShow(f, s),
		newCmdStats(f, s), newCmdReplay(f, s), newCmdPurge(f, s))
	return cmd
}

// EnableOptions are the inputs of "deadletter enable".
type EnableOptions struct {
	Spec           wiring.DeadLetterSpec
	ForceConflicts bool
	Mutation       *flags.Mutation

	factory cmdutil.Factory
	genericiooptions.IOStreams
}

func newCmdEnable(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	o := &EnableOptions{Mutation: flags.NewMutation(waitDeadLetter), IOStreams: s,
		Spec: wiring.DeadLetterSpec{Broker: "default", Retention: "7d"}}
	cmd := &cobra.Command{
		Use:   "enable",
		Short: "Give the namespace a dead-letter store and point the Broker's dead-letter sink at it (server-side apply, idempotent)",
		Long: `enable applies a dead-letter store in the namespace: a PersistentVolumeClaim, a
Deployment of the adapter image in its store mode and a Service, all named
kymamesh-deadletter and marked as the plugin's, and sets the Broker's
spec.delivery.deadLetterSink to the Service. A Broker with another dead-letter sink
stops it before anything is applied, naming that sink; --force-conflicts replaces it.
Each object is reported created, configured or unchanged.

An existing store keeps its claim's size unless --size is given: a smaller size is
refused (a claim cannot shrink), a larger one is a resize that only a StorageClass
with allowVolumeExpansion allows (refused otherwise), both before anything is applied.

Knative takes a while to use a new dead-letter sink: it makes each Trigger's
Subscription again, and until the new one is ready an event that fails is answered
5xx to its sender or not delivered to that Trigger. --wait waits until it is in effect,
and names a deleted Subscription that Knative's race left on the Broker's channel
(docs/deadletter.md); enabling the store before making the Triggers avoids that.`,
		Example: `  kubectl kymamesh deadletter enable -n shop --wait
  kubectl kymamesh deadletter enable -n shop --broker orders --size 5Gi --retention 30d
  kubectl kymamesh deadletter enable -n shop --dry-run=client -o yaml`,
		Args: cmdutil.NoArgs,
		RunE: cmdutil.RunE(f, o),
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Spec.Broker, "broker", o.Spec.Broker, "Broker whose dead-letter sink becomes the store.")
	fl.StringVar(&o.Spec.Size, "size", o.Spec.Size, "Size of the store's PersistentVolumeClaim (default 1Gi for a new one; an existing one keeps its size); the store takes events up to 90% of it, then answers 503.")
	fl.StringVar(&o.Spec.Retention, "retention", o.Spec.Retention, "Delete stored events older than this: days (7d) or a duration (36h); 0 keeps them until replayed or purged.")
	fl.StringVar(&o.Spec.Image, "image", flags.DefaultImage(), "Adapter image (its store mode is the store).")
	fl.BoolVar(&o.ForceConflicts, "force-conflicts", false, "Replace a dead-letter sink the Broker has, and take over fields someone else set since.")
	o.Mutation.AddFlags(cmd)
	flags.Complete(cmd, "broker", "brokers")
	return cmd
}

// Complete takes the namespace and the dry-run strategy and printer.
func (o *EnableOptions) Complete(f cmdutil.Factory, _ *cobra.Command, _ []string) error {
	o.factory = f
	ns, err := f.Namespace()
	if err != nil {
		return err
	}
	o.Spec.Namespace = ns
	return o.Mutation.Complete()
}

// Validate builds the store's objects as Run does: every input checked before any request.
func (o *EnableOptions) Validate() error {
	if err := o.Mutation.Validate(); err != nil {
		return err
	}
	_, err := wiring.BuildDeadLetterStore(o.Spec)
	return err
}

// Run applies the store and points the Broker at it.
func (o *EnableOptions) Run(ctx context.Context) error {
	return cmdutil.RunChangeSet(ctx, o.factory, o.Mutation, o.IOStreams, cmdutil.ChangeSet{
		Apply: func(ctx context.Context, m wiring.Mesh, dry wiring.DryRun) ([]wiring.Change, error) {
			return wiring.EnableDeadLetter(ctx, m, o.Spec, dry, o.ForceConflicts)
		},
		Wait: func(ctx context.Context, m wiring.Mesh, _ []wiring.Change) error {
			return wiring.WaitDeadLetter(ctx, m, o.Spec.Namespace, o.Spec.Broker, o.Mutation.WaitTimeout)
		},
	})
}

// waitDeadLetter is enable's --wait help.
const waitDeadLetter = "Wait until the store takes the Broker's dead letters: its Deployment available, the Broker and each of its Triggers " +
	"that takes the Broker's delivery Ready with the store as status.deadLetterSinkUri, and no subscriber on the Broker's channel " +
	"that no Subscription has (Knative's race, named with its fix); on timeout say what is missing and exit 1."

// DisableOptions are the inputs of "deadletter disable".
type DisableOptions struct {
	Broker     string
	DeleteData bool
	Mutation   *flags.Mutation

	namespace string
	factory   cmdutil.Factory
	genericiooptions.IOStreams
}

func newCmdDisable(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	o := &DisableOptions{Broker: "default", Mutation: flags.NewMutation(""), IOStreams: s}
	cmd := &cobra.Command{
		Use:   "disable",
		Short: "Undo deadletter enable: the Broker's dead-letter sink if it is still the store, the store's Deployment and Service",
		Long: `disable removes the Broker's spec.delivery.deadLetterSink if it still points at the
store (another sink is left as it is), then the store's Deployment and Service. The
PersistentVolumeClaim, and the events on it, is kept unless --delete-data. The store
is kept whole while another Broker of the namespace still sends to it.`,
		Example: `  kubectl kymamesh deadletter disable -n shop
  kubectl kymamesh deadletter disable -n shop --delete-data`,
		Args: cmdutil.NoArgs,
		RunE: cmdutil.RunE(f, o),
	}
	cmd.Flags().StringVar(&o.Broker, "broker", o.Broker, "Broker whose dead-letter sink was the store.")
	cmd.Flags().BoolVar(&o.DeleteData, "delete-data", false, "Delete the store's PersistentVolumeClaim too, and the events it holds.")
	o.Mutation.AddFlags(cmd)
	flags.Complete(cmd, "broker", "brokers")
	return cmd
}

// Complete takes the namespace and the dry-run strategy and printer.
func (o *DisableOptions) Complete(f cmdutil.Factory, _ *cobra.Command, _ []string) error {
	o.factory = f
	ns, err := f.Namespace()
	if err != nil {
		return err
	}
	o.namespace = ns
	return o.Mutation.Complete()
}

// Validate checks the flags.
func (o *DisableOptions) Validate() error {
	if err := o.Mutation.Validate(); err != nil {
		return err
	}
	return wiring.ValidateName("--broker", o.Broker)
}

// Run removes what enable made.
func (o *DisableOptions) Run(ctx context.Context) error {
	return cmdutil.RunChangeSet(ctx, o.factory, o.Mutation, o.IOStreams, cmdutil.ChangeSet{
		Removal: true,
		Apply: func(ctx context.Context, m wiring.Mesh, dry wiring.DryRun) ([]wiring.Change, error) {
			return wiring.DisableDeadLetter(ctx, m, o.namespace, o.Broker, dry, o.DeleteData)
		},
	})
}
