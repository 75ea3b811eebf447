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
	Scale                Scale
}

// Scale are the flags of an adapter's scaling, shared by "source create
// http", "source update http" and "wire".
type Scale struct {
	Replicas     int32
	CPU, Memory  string
	Autoscale    string
	AutoscaleCPU int32

	cmd *cobra.Command
}

// AddFlags registers the scaling flags.
func (f *Scale) AddFlags(cmd *cobra.Command) {
	f.cmd = cmd
	fl := cmd.Flags()
	fl.Int32Var(&f.Replicas, "replicas", 1, "Number of adapter pods (not with --autoscale). More than one adds a PodDisruptionBudget (maxUnavailable 1).")
	fl.StringVar(&f.CPU, "cpu", "", "The adapter's CPU as REQUEST[:LIMIT], one value for both (e.g. 250m:1 or 500m); GOMAXPROCS follows the limit. Default "+wiring.DefaultCPU+".")
	fl.StringVar(&f.Memory, "memory", "", "The adapter's memory as REQUEST[:LIMIT], one value for both (e.g. 64Mi:256Mi); GOMEMLIMIT follows the limit. Default "+wiring.DefaultMemory+".")
	fl.StringVar(&f.Autoscale, "autoscale", "", "Scale the adapter with a HorizontalPodAutoscaler between MIN:MAX pods (e.g. 2:10); needs a metrics API (metrics-server) in the cluster.")
	fl.Int32Var(&f.AutoscaleCPU, "autoscale-cpu", wiring.DefaultAutoscaleCPU, "The autoscaler's target average CPU utilization, in percent of the CPU request (with --autoscale).")
}

// Changed says whether any scaling flag was given.
func (f *Scale) Changed() bool {
	for _, n := range []string{"replicas", "cpu", "memory", "autoscale", "autoscale-cpu"} {
		if f.changed(n) {
			return true
		}
	}
	return false
}

func (f *Scale) changed(name string) bool { return f.cmd != nil && f.cmd.Flags().Changed(name) }

// Spec is the scaling the flags ask for.
func (f *Scale) Spec() wiring.Scale {
	s := wiring.Scale{CPU: f.CPU, Memory: f.Memory, Autoscale: f.Autoscale}
	if f.changed("replicas") || f.Autoscale == "" {
		r := f.Replicas
		s.Replicas = &r
	}
	if f.changed("autoscale-cpu") || f.Autoscale != "" {
		t := f.AutoscaleCPU
		s.AutoscaleCPU = &t
	}
	return s
}

// Over is cur (the adapter's scaling now) with what the flags change: a
// given --replicas replaces an autoscaler and --autoscale fixed replicas.
func (f *Scale) Over(cur wiring.Scale) wiring.Scale {
	s := cur
	if f.changed("cpu") {
		s.CPU = f.CPU
	}
	if f.changed("memory") {
		s.Memory = f.Memory
	}
	if f.changed("autoscale") {
		s.Autoscale, s.Replicas = f.Autoscale, nil
		if s.AutoscaleCPU == nil {
			t := int32(wiring.DefaultAutoscaleCPU)
			s.AutoscaleCPU = &t
		}
	}
	if f.changed("autoscale-cpu") {
		t := f.AutoscaleCPU
		s.AutoscaleCPU = &t
	}
	if f.changed("replicas") {
		r := f.Replicas
		s.Replicas = &r
		if !f.changed("autoscale") {
			s.Autoscale = ""
			if !f.changed("autoscale-cpu") {
				s.AutoscaleCPU = nil
			}
		}
	}
	return s
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
	f.Scale.AddFlags(cmd)
}

// AddIntegrationNamespace registers --integration-namespace into dst.
func AddIntegrationNamespace(cmd *cobra.Command, dst *string) {
	cmd.Flags().StringVar(dst, "integration-namespace", wiring.DefaultIntegrationNamespace, "Namespace of the applications' adapters and channels.")
}

// Spec returns the source spec for app.
func (f *Source) Spec(app string) wiring.HTTPSourceSpec {
	return wiring.HTTPSourceSpec{App: app, Namespace: f.IntegrationNamespace, Image: f.Image, Channel: f.Channel, Port: f.Port, LegacyEvents: f.LegacyEvents, Scale: f.Scale.Spec()}
}

// DefaultImage is the released adapter image of this plugin's version.
func DefaultImage() string {
	tag := buildinfo.Get().Version
	if tag == "dev" {
		tag = "latest"
	}
	return wiring.DefaultAdapterImage + ":" + tag
}
