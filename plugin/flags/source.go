package flags

import (
	"github.com/spf13/cobra"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/buildinfo"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// Source are the settings of an application's HTTP source, shared by
// "source create http" and "wire".
type Source struct {
	IntegrationNamespace string
	Image                string
	Channel              string
	Port                 int
	ForceConflicts       bool
	LegacyEvents         bool
}

// AddFlags registers the source flags.
func (f *Source) AddFlags(cmd *cobra.Command) {
	fl := cmd.Flags()
	AddIntegrationNamespace(cmd, &f.IntegrationNamespace)
	fl.StringVar(&f.Image, "image", DefaultImage(), "Adapter image.")
	fl.StringVar(&f.Channel, "channel", "", "Type of the application's Channel: imc, kafka or GROUP/VERSION/KIND; the cluster default if empty.")
	complete(cmd, "channel", channelTypes...)
	fl.IntVar(&f.Port, "port", 8080, "Port the adapter listens on (its Service's target port).")
	fl.BoolVar(&f.LegacyEvents, "legacy-events", false, "Also take Kyma's events API (POST /APP/v1/events), for applications written for Kyma.")
	fl.BoolVar(&f.ForceConflicts, "force-conflicts", false, "Take over source fields that someone else set since (server-side apply's conflicts), as kubectl apply --force-conflicts.")
}

// AddIntegrationNamespace registers --integration-namespace into dst.
func AddIntegrationNamespace(cmd *cobra.Command, dst *string) {
	cmd.Flags().StringVar(dst, "integration-namespace", wiring.DefaultIntegrationNamespace, "Namespace of the applications' adapters and channels.")
}

// Spec returns the source spec for app.
func (f *Source) Spec(app string) wiring.HTTPSourceSpec {
	return wiring.HTTPSourceSpec{App: app, Namespace: f.IntegrationNamespace, Image: f.Image, Channel: f.Channel, Port: f.Port, LegacyEvents: f.LegacyEvents}
}

// DefaultImage is the released adapter image of this plugin's version.
func DefaultImage() string {
	tag := buildinfo.Get().Version
	if tag == "dev" {
		tag = "latest"
	}
	return wiring.DefaultAdapterImage + ":" + tag
}
