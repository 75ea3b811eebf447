package subscription

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/flags"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
)

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
