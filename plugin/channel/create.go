package channel

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/flags"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
)

type createSpec struct{ spec wiring.ChannelSpec }

func newCmdCreate() *cobra.Command {
	return &cobra.Command{
		Use:   "create NAME",
		Short: "Create a Channel",
		Example: `  kubectl kymamesh channel create orders --type imc --wait
  kubectl kymamesh channel create orders --type messaging.knative.dev/v1beta1/KafkaChannel -o yaml --dry-run=client`,
	}
}

func (c *createSpec) AddFlags(cmd *cobra.Command) {
	flags.AddChannelType(cmd, "type", &c.spec.Type, "Channel implementation: imc, kafka, GROUP/VERSION/KIND or GROUP:VERSION:KIND; the cluster default if empty.")
}

func (c *createSpec) Complete(_ *cobra.Command, name, namespace string, _ io.Reader) error {
	c.spec.Name, c.spec.Namespace = name, namespace
	return nil
}

func (c *createSpec) Validate() error { return nil } // BuildChannel checks every field

func (c *createSpec) Build() (*knapi.Channel, error) { return wiring.BuildChannel(c.spec) }
