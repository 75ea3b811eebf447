package policy

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/flags"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
)

func newCmdAllow() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "allow APP --to NAMESPACE",
		Short: "Let an application send to a namespace's Broker (an EventPolicy in that namespace)",
		Long: `allow creates an EventPolicy APP-to-BROKER in the namespace: the Broker takes
events from the application's Subscription (APP-to-NAMESPACE in the integration
namespace), which is what posts the application's events to it. Knative enforces
EventPolicies only with its authentication-oidc feature on; 'kubectl kymamesh
doctor' says whether it is.`,
		Example: "  kubectl kymamesh policy allow commerce --to shop\n  kubectl kymamesh policy list -n shop",
	}
	cmdutil.NamespaceFrom(cmd, "the namespace is --to")
	return cmd
}

// allowSpec is what "policy allow" knows beyond the shared create flags.
type allowSpec struct {
	spec wiring.PolicySpec
}

func (a *allowSpec) AddFlags(cmd *cobra.Command) {
	a.spec.Broker = "default"
	cmd.Flags().StringVar(&a.spec.Namespace, "to", "", "Namespace whose Broker the application may send to (required).")
	cmd.Flags().StringVar(&a.spec.Broker, "broker", a.spec.Broker, "The namespace's Broker.")
	flags.AddIntegrationNamespace(cmd, &a.spec.IntegrationNamespace)
	flags.Complete(cmd, "to", "namespaces")
}

// Complete takes the application; the namespace is --to, not -n.
func (a *allowSpec) Complete(_ *cobra.Command, app, _ string, _ io.Reader) error {
	a.spec.App = app
	return nil
}

func (a *allowSpec) Validate() error {
	if a.spec.Namespace == "" {
		return invalid.Errorf("--to", "the namespace is required")
	}
	return nil
}

func (a *allowSpec) Build() (*knapi.EventPolicy, error) { return wiring.BuildPolicy(a.spec) }

// Explain says how to turn on what Knative needs before it takes EventPolicies.
func (a *allowSpec) Explain(err error) error {
	if strings.Contains(err.Error(), "oidc-authentication feature not enabled") {
		return fmt.Errorf("EventPolicies are refused by Knative while its OIDC authentication is off; turn it on with: "+
			"kubectl -n knative-eventing patch configmap config-features -p '{\"data\":{\"authentication-oidc\":\"enabled\"}}' (%w)", err)
	}
	return nil
}
