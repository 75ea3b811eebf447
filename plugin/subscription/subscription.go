// Package subscription holds the "kubectl kymamesh subscription" commands.
package subscription

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	messagingv1 "knative.dev/eventing/pkg/apis/messaging/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/output"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

type client = wiring.Client[*messagingv1.Subscription, *messagingv1.SubscriptionList]

// Kind describes Subscriptions for the shared list, describe and delete commands.
func Kind() cmdutil.Kind[*messagingv1.Subscription, *messagingv1.SubscriptionList] {
	return cmdutil.Kind[*messagingv1.Subscription, *messagingv1.SubscriptionList]{
		Singular: "subscription", Plural: "subscriptions", Resource: "subscription.messaging.knative.dev",
		Client: func(f cmdutil.Factory, ns string) (client, error) {
			c, err := f.Messaging()
			if err != nil {
				return nil, err
			}
			return c.Subscriptions(ns), nil
		},
		Items: func(l *messagingv1.SubscriptionList) []*messagingv1.Subscription {
			out := make([]*messagingv1.Subscription, len(l.Items))
			for i := range l.Items {
				out[i] = &l.Items[i]
			}
			return out
		},
		Columns:     []string{"channel", "sink"},
		WideColumns: []string{"reply", "dead-letter-sink"},
		Row: func(s *messagingv1.Subscription, _ bool) []string {
			return []string{channelRef(s), wiring.SinkString(s.Spec.Subscriber, s.Namespace), wiring.SinkString(s.Spec.Reply, s.Namespace), deadLetter(s)}
		},
		Fields: func(s *messagingv1.Subscription) []output.Field {
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

func channelRef(s *messagingv1.Subscription) string {
	return s.Spec.Channel.Kind + ":" + s.Spec.Channel.Name
}

func deadLetter(s *messagingv1.Subscription) string {
	if s.Spec.Delivery == nil {
		return ""
	}
	return wiring.SinkString(s.Spec.Delivery.DeadLetterSink, s.Namespace)
}

// NewCmd returns the "subscription" command group.
func NewCmd(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	cmd := &cobra.Command{Use: "subscription", Aliases: []string{"sub"}, Short: "Manage Knative Subscriptions (a Channel's deliveries to a sink)"}
	cmd.AddCommand(NewCmdCreate(f, s), NewCmdUpdate(f, s),
		cmdutil.NewCmdList(f, s, Kind()), cmdutil.NewCmdDescribe(f, s, Kind()), cmdutil.NewCmdDelete(f, s, Kind()))
	return cmd
}

// specFlags are the flags create and update share.
type specFlags struct {
	spec     wiring.SubscriptionSpec
	delivery cmdutil.DeliveryFlags
}

func (f *specFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.spec.Channel, "channel", "", "Channel to subscribe to: NAME, channel:NAME, imc:NAME or GROUP/VERSION/KIND:NAME.")
	fl.StringVar(&f.spec.Sink, "sink", "", "Where events go (sink syntax, e.g. broker:default:shop or ksvc:handler).")
	fl.StringVar(&f.spec.Reply, "reply", "", "Where the sink's replies go (sink syntax).")
	f.delivery.AddFlags(cmd)
}
