package doctor_test

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
)

// Values Knative's own parser (knative.dev/eventing pkg/apis/config and
// messaging/config: YAML to JSON into its Go types) refuses, which doctor's
// walk of classes and templates passed over: each is a FAIL naming the
// ConfigMap and what Knative could not read.
func TestDoctorFailsDefaultsKnativeCannotParse(t *testing.T) {
	cm := func(name, key, value string) *corev1.ConfigMap {
		return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "knative-eventing"}, Data: map[string]string{key: value}}
	}
	served := []*metav1.APIResourceList{
		{GroupVersion: "eventing.knative.dev/v1", APIResources: []metav1.APIResource{{Name: "brokers", Kind: "Broker"}, {Name: "triggers", Kind: "Trigger"}}},
		{GroupVersion: "messaging.knative.dev/v1", APIResources: []metav1.APIResource{{Name: "inmemorychannels", Kind: "InMemoryChannel"}}},
		{GroupVersion: "sources.knative.dev/v1", APIResources: []metav1.APIResource{{Name: "sinkbindings", Kind: "SinkBinding"}}},
	}
	okBr := "clusterDefault:\n  brokerClass: MTChannelBasedBroker\n"
	okCh := "clusterDefault:\n  apiVersion: messaging.knative.dev/v1\n  kind: InMemoryChannel\n"
	for _, c := range []struct{ br, ch, want string }{
		{okBr + "namespaceDefaults:\n  shop: Kafka\n", okCh, "Knative cannot read config-br-defaults default-br-config (json: cannot unmarshal string into Go struct field Defaults.namespaceDefaults"},
		{okBr + "namespaceDefaults: [shop]\n", okCh, "Knative cannot read config-br-defaults default-br-config (json: cannot unmarshal array"},
		{okBr + "  delivery:\n    retry: three\n", okCh, "Knative cannot read config-br-defaults default-br-config (json: cannot unmarshal string into Go struct field DeliverySpec.clusterDefault.BrokerConfig.delivery.retry of type int32)"},
		{"clusterDefault: MTChannelBasedBroker\n", okCh, "Knative cannot read config-br-defaults default-br-config (json: cannot unmarshal string into Go struct field Defaults.clusterDefault"},
		{okBr, okCh + "namespaceDefaults:\n  shop: imc\n", "Knative cannot read default-ch-webhook default-ch-config (json: cannot unmarshal string into Go struct field ChannelDefaults.namespaceDefaults"},
		{okBr, "clusterDefault: imc\n", "Knative cannot read default-ch-webhook default-ch-config (json: cannot unmarshal string into Go struct field ChannelDefaults.clusterDefault"},
	} {
		f := cmdtest.NewFactory("shop", cm("config-br-defaults", "default-br-config", c.br), cm("default-ch-webhook", "default-ch-config", c.ch))
		f.Disc.Resources = served
		r := cmdtest.Run(t.Context(), f, "", "doctor")
		if !strings.Contains(r.Stdout, "FAIL  Knative defaults: "+c.want) || r.Code == 0 {
			t.Errorf("%q / %q: doctor lacks %q (or exited 0):\n%s", c.br, c.ch, c.want, r.Stdout)
		}
	}
	// Values Knative reads: no Knative defaults line at all.
	f := cmdtest.NewFactory("shop", cm("config-br-defaults", "default-br-config", okBr+"  delivery:\n    retry: 3\nnamespaceDefaults:\n  \"yes\":\n    brokerClass: MTChannelBasedBroker\n"),
		cm("default-ch-webhook", "default-ch-config", okCh))
	f.Disc.Resources = served
	if r := cmdtest.Run(t.Context(), f, "", "doctor"); strings.Contains(r.Stdout, "Knative defaults") {
		t.Errorf("doctor fails values Knative reads:\n%s", r.Stdout)
	}
}
