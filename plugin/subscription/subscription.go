// Package subscription holds the "kubectl kymamesh subscription" commands.
package subscription

import (
	"io"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/output"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/flags"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

type client = wiring.Client[*knapi.Subscription, *knapi.SubscriptionList]

// Kind describes Subscriptions for the shared list, describe and delete commands.
func Kind() cmdutil.Kind[*knapi.Subscription, *knapi.SubscriptionList] {
	return cmdutil.Kind[*knapi.Subscription, *knapi.SubscriptionList]{
		Singular: "subscription", Plural: "subscriptions", Resource: "subscription.messaging.knative.dev",
		Client: func(f cmdutil.Factory, ns string) (client, error) {
			c, err := f.Messaging()
			if err != nil {
				return nil, err
			}
			return c.Subscriptions(ns), nil
		},
		Items:       func(l *knapi.SubscriptionList) []*knapi.Subscription { return cmdutil.Pointers(l.Items) },
		Columns:     []string{"channel", "sink"},
		WideColumns: []string{"reply", "dead-letter-sink"},
		Row: func(s *knapi.Subscription, _ bool) []string {
			return []string{channelRef(s), wiring.SinkString(s.Spec.Subscriber, s.Namespace), wiring.SinkString(s.Spec.Reply, s.Namespace), deadLetter(s)}
		},
		Fields: func(s *knapi.Subscription) []output.Field {
			uri := ""
			if s.Status.PhysicalSubscription.SubscriberURI != nil {
				uri = s.Status.PhysicalSubscription.SubscriberURI.String()
			}
			return []output.Field{
				{Name: "Channel", Value: channelRef(s)},
				{Name: "Sink", Value: wiring.SinkString(s.Spec.Subscriber, s.Namespace)},
				{Name: "Subscriber URI", Value: uri},
				{Name: "Reply", Value: wiring.SinkString(s.Spec.Reply, s.Namespace)},
				{Name: "Dead letter sink", Value: deadLetter(s)},
			}
		},
	}
}

func channelRef(s *knapi.Subscription) string {
	return s.Spec.Channel.Kind + ":" + s.Spec.Channel.Name
}

func deadLetter(s *knapi.Subscription) string {
	if s.Spec.Delivery == nil {
		return ""
	}
	return wiring.SinkString(s.Spec.Delivery.DeadLetterSink, s.Namespace)
}

// NewCmd returns the "subscription" command group.
func NewCmd(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	cmd := &cobra.Command{Use: "subscription", Aliases: []string{"sub"}, Short: "Manage Knative Subscriptions (a Channel's deliveries to a sink)"}
	cmd.AddCommand(cmdutil.NewCmdCreate(f, s, Kind(), &createSpec{}, newCmdCreate()), cmdutil.NewCmdUpdate(f, s, Kind(), &updateSpec{}, newCmdUpdate()),
		cmdutil.NewCmdList(f, s, Kind()), cmdutil.NewCmdDescribe(f, s, Kind()), cmdutil.NewCmdDelete(f, s, Kind()))
	return cmd
}

// specFlags are the flags create and update share.
// spec is what "subscription create" and "update" know: channel, sink,
// reply and delivery.
type spec struct {
	spec     wiring.SubscriptionSpec
	delivery flags.Delivery
}

func (f *spec) AddFlags(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.spec.Channel, "channel", "", "Channel to subscribe to: NAME, channel:NAME, imc:NAME or GROUP/VERSION/KIND:NAME.")
	fl.StringVar(&f.spec.Sink, "sink", "", "Where events go (sink syntax, e.g. broker:default:shop or ksvc:handler).")
	fl.StringVar(&f.spec.Reply, "reply", "", "Where the sink's replies go (sink syntax).")
	f.delivery.AddFlags(cmd)
}

func (f *spec) Complete(cmd *cobra.Command, name, namespace string, _ io.Reader) error {
	f.spec.Name, f.spec.Namespace, f.spec.Delivery = name, namespace, f.delivery.Options(cmd)
	return nil
}

// createSpec builds a new Subscription.
type createSpec struct{ spec }

func (c *createSpec) Validate() error { return nil } // BuildSubscription checks every field

func (c *createSpec) Build() (*knapi.Subscription, error) {
	return wiring.BuildSubscription(c.spec.spec)
}

// updateSpec changes an existing one (its channel is immutable).
type updateSpec struct{ spec }

// Validate applies the change to an empty Subscription: every flag is checked.
// Whether --channel names the current channel is only known in Run.
func (u *updateSpec) Validate() error {
	if u.spec.spec.Channel != "" {
		_, err := wiring.ParseChannelRef("--channel", u.spec.spec.Channel)
		return err
	}
	return wiring.UpdateSubscription(&knapi.Subscription{}, u.spec.spec)
}

func (u *updateSpec) Mutate(s *knapi.Subscription) error {
	return wiring.UpdateSubscription(s, u.spec.spec)
}

func newCmdCreate() *cobra.Command {
	return &cobra.Command{
		Use:   "create NAME --channel CHANNEL --sink SINK",
		Short: "Create a Subscription from a Channel to a sink",
		Example: `  # the Kyma wiring: an application's channel to a namespace's broker
  kubectl kymamesh subscription create shop-to-orders -n kyma-integration --channel shop --sink broker:default:orders
  kubectl kymamesh subscription create audit --channel imc:events --sink ksvc:audit --reply channel:replies --wait`,
	}
}

func newCmdUpdate() *cobra.Command {
	return &cobra.Command{
		Use:   "update NAME",
		Short: "Update a Subscription's sink, reply or delivery (its channel is immutable)",
		Example: `  kubectl kymamesh subscription update shop-to-orders --sink broker:default:orders-v2
  kubectl kymamesh subscription update audit --retry 5 --dl-sink svc:dead-letters`,
	}
}
