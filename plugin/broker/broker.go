// Package broker holds the "kubectl kymamesh broker" commands.
package broker

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/output"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

type client = wiring.Client[*knapi.Broker, *knapi.BrokerList]

// Kind describes Brokers for the shared list, describe and delete commands.
func Kind() cmdutil.Kind[*knapi.Broker, *knapi.BrokerList] {
	return cmdutil.Kind[*knapi.Broker, *knapi.BrokerList]{
		Singular: "broker", Plural: "brokers", Resource: "broker.eventing.knative.dev",
		Client: func(f cmdutil.Factory, ns string) (client, error) {
			c, err := f.Eventing()
			if err != nil {
				return nil, err
			}
			return c.Brokers(ns), nil
		},
		Items:       func(l *knapi.BrokerList) []*knapi.Broker { return cmdutil.Pointers(l.Items) },
		Columns:     []string{"url"},
		WideColumns: []string{"class", "dead-letter-sink"},
		Row: func(b *knapi.Broker, _ bool) []string {
			return []string{addressURL(b), b.Annotations[wiring.BrokerClassAnnotation], deadLetter(b)}
		},
		Fields: func(b *knapi.Broker) []output.Field {
			config := ""
			if b.Spec.Config != nil {
				config = b.Spec.Config.Kind + ":" + b.Spec.Config.Name
			}
			return []output.Field{
				{Name: "Class", Value: b.Annotations[wiring.BrokerClassAnnotation]},
				{Name: "Config", Value: config},
				{Name: "Address", Value: addressURL(b)},
				{Name: "Dead letter sink", Value: deadLetter(b)},
			}
		},
	}
}

func addressURL(b *knapi.Broker) string {
	if b.Status.Address == nil || b.Status.Address.URL == nil {
		return ""
	}
	return b.Status.Address.URL.String()
}

func deadLetter(b *knapi.Broker) string {
	if b.Spec.Delivery == nil {
		return ""
	}
	return wiring.SinkString(b.Spec.Delivery.DeadLetterSink, b.Namespace)
}

// NewCmd returns the "broker" command group.
func NewCmd(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	cmd := &cobra.Command{Use: "broker", Short: "Manage Knative Brokers"}
	cmd.AddCommand(cmdutil.NewCmdCreate(f, s, Kind(), &createSpec{}, newCmdCreate()), cmdutil.NewCmdUpdate(f, s, Kind(), &updateSpec{}, newCmdUpdate()),
		cmdutil.NewCmdList(f, s, Kind()), cmdutil.NewCmdDescribe(f, s, Kind()), cmdutil.NewCmdDelete(f, s, Kind()),
		newCmdMigrate(f, s))
	return cmd
}
