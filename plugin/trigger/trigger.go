// Package trigger holds the "kubectl kymamesh trigger" commands.
package trigger

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/output"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

type client = wiring.Client[*knapi.Trigger, *knapi.TriggerList]

// Kind describes Triggers for the shared list, describe and delete commands.
func Kind() cmdutil.Kind[*knapi.Trigger, *knapi.TriggerList] {
	return cmdutil.Kind[*knapi.Trigger, *knapi.TriggerList]{
		Singular: "trigger", Plural: "triggers", Resource: "trigger.eventing.knative.dev",
		Client: func(f cmdutil.Factory, ns string) (client, error) {
			c, err := f.Eventing()
			if err != nil {
				return nil, err
			}
			return c.Triggers(ns), nil
		},
		Items:       func(l *knapi.TriggerList) []*knapi.Trigger { return cmdutil.Pointers(l.Items) },
		Columns:     []string{"broker", "sink"},
		WideColumns: []string{"filter", "filters"},
		Row: func(t *knapi.Trigger, _ bool) []string {
			return []string{t.Spec.Broker, wiring.SinkString(&t.Spec.Subscriber, t.Namespace), attributes(t), filters(t)}
		},
		Fields: func(t *knapi.Trigger) []output.Field {
			uri := ""
			if t.Status.SubscriberURI != nil {
				uri = t.Status.SubscriberURI.String()
			}
			dls := ""
			if t.Spec.Delivery != nil {
				dls = wiring.SinkString(t.Spec.Delivery.DeadLetterSink, t.Namespace)
			}
			return []output.Field{
				{Name: "Broker", Value: t.Spec.Broker},
				{Name: "Sink", Value: wiring.SinkString(&t.Spec.Subscriber, t.Namespace)},
				{Name: "Subscriber URI", Value: uri},
				{Name: "Filter", Value: attributes(t)},
				{Name: "Filters", Value: filters(t)},
				{Name: "Dead letter sink", Value: dls},
			}
		},
	}
}

// attributes renders spec.filter.attributes as sorted k=v pairs.
func attributes(t *knapi.Trigger) string {
	if t.Spec.Filter == nil {
		return ""
	}
	kv := make([]string, 0, len(t.Spec.Filter.Attributes))
	for k, v := range t.Spec.Filter.Attributes {
		kv = append(kv, k+"="+v)
	}
	sort.Strings(kv)
	return strings.Join(kv, ",")
}

// filters renders spec.filters compactly as JSON, one line.
func filters(t *knapi.Trigger) string {
	if len(t.Spec.Filters) == 0 {
		return ""
	}
	b, _ := json.Marshal(t.Spec.Filters)
	return string(b)
}

// NewCmd returns the "trigger" command group.
func NewCmd(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	cmd := &cobra.Command{Use: "trigger", Short: "Manage Knative Triggers (a Broker's filtered subscriptions)"}
	cmd.AddCommand(cmdutil.NewCmdCreate(f, s, Kind(), &spec{}, newCmdCreate()), cmdutil.NewCmdUpdate(f, s, Kind(), &spec{update: true}, newCmdUpdate()),
		cmdutil.NewCmdList(f, s, Kind()), cmdutil.NewCmdDescribe(f, s, Kind()), cmdutil.NewCmdDelete(f, s, Kind()))
	return cmd
}
