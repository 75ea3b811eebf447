package broker

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/flags"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// createSpec is what "broker create" knows: class, config and delivery.
type createSpec struct {
	spec     wiring.BrokerSpec
	delivery flags.Delivery
}

func newCmdCreate() *cobra.Command {
	return &cobra.Command{
		Use:   "create NAME",
		Short: "Create a Broker",
		Example: `  kubectl kymamesh broker create default -n demo --wait
  kubectl kymamesh broker create orders --class MTChannelBasedBroker --config ConfigMap:config-br-default-channel
  kubectl kymamesh broker create orders --dl-sink svc:dead-letters --retry 3 --dry-run=client -o yaml`,
	}
}

func (c *createSpec) AddFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&c.spec.Class, "class", "", "Broker class (eventing.knative.dev/broker.class); the cluster default if empty.")
	cmd.Flags().StringVar(&c.spec.Config, "config", "", "Broker configuration as KIND:NAME[:NAMESPACE], e.g. ConfigMap:config-br-default-channel.")
	c.delivery.AddFlags(cmd)
}

func (c *createSpec) Complete(cmd *cobra.Command, name, namespace string, _ io.Reader) error {
	c.spec.Name, c.spec.Namespace, c.spec.Delivery = name, namespace, c.delivery.Options(cmd)
	return nil
}

func (c *createSpec) Validate() error { return nil } // BuildBroker checks every field

func (c *createSpec) Build() (*knapi.Broker, error) { return wiring.BuildBroker(c.spec) }

// updateSpec is what "broker update" may change: the delivery (class and
// config are immutable in Knative).
type updateSpec struct {
	flags    flags.Delivery
	delivery wiring.DeliveryOptions
}

func newCmdUpdate() *cobra.Command {
	return &cobra.Command{
		Use:   "update NAME",
		Short: "Update a Broker's delivery settings (class and config are immutable)",
		Example: `  kubectl kymamesh broker update default --retry 5 --backoff-policy exponential --backoff-delay 200ms
  kubectl kymamesh broker update default --dl-sink svc:dead-letters`,
	}
}

func (u *updateSpec) AddFlags(cmd *cobra.Command) { u.flags.AddFlags(cmd) }

func (u *updateSpec) Complete(cmd *cobra.Command, _, _ string, _ io.Reader) error {
	u.delivery = u.flags.Options(cmd)
	return nil
}

// Validate applies the change to an empty Broker: every flag is checked.
func (u *updateSpec) Validate() error { return wiring.UpdateBroker(&knapi.Broker{}, u.delivery) }

func (u *updateSpec) Mutate(b *knapi.Broker) error { return wiring.UpdateBroker(b, u.delivery) }
