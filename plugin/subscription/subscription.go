// Package subscription holds the "kubectl kymamesh subscription" commands.
package subscription

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/output"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
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
