// Package channel holds the "kubectl kymamesh channel" commands.
package channel

import (
	"strconv"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/output"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

type client = wiring.Client[*knapi.Channel, *knapi.ChannelList]

// Kind describes Channels for the shared list, describe and delete commands.
func Kind() cmdutil.Kind[*knapi.Channel, *knapi.ChannelList] {
	return cmdutil.Kind[*knapi.Channel, *knapi.ChannelList]{
		Singular: "channel", Plural: "channels", Resource: "channel.messaging.knative.dev",
		Client: func(f cmdutil.Factory, ns string) (client, error) {
			c, err := f.Messaging()
			if err != nil {
				return nil, err
			}
			return c.Channels(ns), nil
		},
		Items:       func(l *knapi.ChannelList) []*knapi.Channel { return cmdutil.Pointers(l.Items) },
		Columns:     []string{"type", "url"},
		WideColumns: []string{"subscribers"},
		Row: func(c *knapi.Channel, _ bool) []string {
			return []string{channelType(c), addressURL(c), subscriberCount(c)}
		},
		Fields: func(c *knapi.Channel) []output.Field {
			return []output.Field{
				{Name: "Type", Value: channelType(c)},
				{Name: "Address", Value: addressURL(c)},
				{Name: "Subscribers", Value: subscriberCount(c)},
			}
		},
	}
}

func channelType(c *knapi.Channel) string {
	if c.Spec.ChannelTemplate == nil {
		return ""
	}
	return c.Spec.ChannelTemplate.Kind + " (" + c.Spec.ChannelTemplate.APIVersion + ")"
}

func addressURL(c *knapi.Channel) string {
	if c.Status.Address == nil || c.Status.Address.URL == nil {
		return ""
	}
	return c.Status.Address.URL.String()
}

// subscriberCount renders the subscribers the channel reports and how many of
// them are ready, e.g. "2 (1 ready)". A Channel's own spec.subscribers stays
// empty: Knative writes them to the backing channel and reports them in status.
func subscriberCount(c *knapi.Channel) string {
	ready := 0
	for _, s := range c.Status.Subscribers {
		if s.Ready == "True" {
			ready++
		}
	}
	return strconv.Itoa(len(c.Status.Subscribers)) + " (" + strconv.Itoa(ready) + " ready)"
}

// NewCmd returns the "channel" command group.
func NewCmd(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	cmd := &cobra.Command{Use: "channel", Short: "Manage Knative Channels"}
	cmd.AddCommand(cmdutil.NewCmdCreate(f, s, Kind(), &createSpec{}, newCmdCreate()),
		cmdutil.NewCmdList(f, s, Kind()), cmdutil.NewCmdDescribe(f, s, Kind()), cmdutil.NewCmdDelete(f, s, Kind()))
	return cmd
}

// createSpec is what "channel create" knows: the channel's type.
