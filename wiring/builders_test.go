package wiring

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update-golden", false, "rewrite the golden files under testdata/")

// golden compares obj, as YAML with apiVersion and kind, with testdata/NAME.golden.yaml.
func golden(t *testing.T, name string, obj runtime.Object) {
	t.Helper()
	compareGolden(t, name, []byte(goldenYAML(t, obj)))
}

// goldenYAML is obj as YAML with its apiVersion and kind.
func goldenYAML(t *testing.T, obj runtime.Object) string {
	t.Helper()
	kinds, _, err := NewScheme().ObjectKinds(obj)
	if err != nil {
		t.Fatal(err)
	}
	obj = obj.DeepCopyObject()
	obj.GetObjectKind().SetGroupVersionKind(kinds[0])
	got, err := yaml.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	return string(got)
}

// compareGolden compares got with testdata/NAME.golden.yaml, or rewrites that
// file under -update-golden.
func compareGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden.yaml")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./wiring -update-golden to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Fatalf("%s differs from the golden file (-want +got):\n%s", name, diff)
	}
}

func ptr[T any](v T) *T { return &v }

func TestBuildBroker(t *testing.T) {
	for name, spec := range map[string]BrokerSpec{
		"broker-minimal": {Name: "default", Namespace: "shop"},
		"broker-full": {Name: "orders", Namespace: "shop", Class: "MTChannelBasedBroker", Config: "cm:kafka-config:knative-eventing",
			Delivery: DeliveryOptions{DeadLetterSink: "svc:dead-letters", Retry: ptr[int32](3), BackoffPolicy: "exponential",
				BackoffDelay: "200ms", Timeout: "PT10S", RetryAfterMax: "1m"}},
	} {
		t.Run(name, func(t *testing.T) {
			b, err := BuildBroker(spec)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, name, b)
		})
	}
}

func TestBuildTrigger(t *testing.T) {
	for name, spec := range map[string]TriggerSpec{
		"trigger-exact": {Name: "orders", Namespace: "shop", Broker: "default", Sink: "ksvc:handler",
			Filter: []string{"type=order.created", "source=shop"}},
		"trigger-dialects": {Name: "eu", Namespace: "shop", Broker: "default", Sink: "svc:eu:billing",
			Prefix: []string{"type=order."}, Suffix: []string{"subject=.json"}, CESQL: []string{"region = 'eu'"},
			Delivery: DeliveryOptions{Retry: ptr[int32](0)}},
		"trigger-file": {Name: "audit", Namespace: "shop", Broker: "default", Sink: "http://audit.example.com/in",
			FiltersFile: []byte("- any:\n  - exact: {type: a}\n  - not: {prefix: {source: test-}}\n")},
		"trigger-ref-sink": {Name: "fwd", Namespace: "shop", Broker: "default", Sink: "Sequence:flows.knative.dev/v1:steps"},
	} {
		t.Run(name, func(t *testing.T) {
			tr, err := BuildTrigger(spec)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, name, tr)
		})
	}
}

func TestBuildChannelAndSubscription(t *testing.T) {
	for name, spec := range map[string]ChannelSpec{
		"channel-default": {Name: "shop", Namespace: "kyma-integration"},
		"channel-imc":     {Name: "shop", Namespace: "kyma-integration", Type: "imc"},
		"channel-gvk":     {Name: "shop", Namespace: "kyma-integration", Type: "messaging.knative.dev/v1beta1/KafkaChannel"},
	} {
		t.Run(name, func(t *testing.T) {
			c, err := BuildChannel(spec)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, name, c)
		})
	}
	for name, spec := range map[string]SubscriptionSpec{
		"subscription-kyma": {Name: "shop-orders", Namespace: "kyma-integration", Channel: "shop", Sink: "broker:default:orders"},
		"subscription-full": {Name: "audit", Namespace: "shop", Channel: "imc:events", Sink: "ksvc:audit", Reply: "channel:replies",
			Delivery: DeliveryOptions{DeadLetterSink: "http://dls.example.com/", BackoffPolicy: "linear"}},
	} {
		t.Run(name, func(t *testing.T) {
			s, err := BuildSubscription(spec)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, name, s)
		})
	}
}

func TestBuildEnable(t *testing.T) {
	objs, err := BuildEnable(EnableSpec{Namespace: "orders", Broker: "default", Class: DefaultBrokerClass, Channel: "kafka"})
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 2 {
		t.Fatalf("want a ConfigMap and a Broker, got %d objects", len(objs))
	}
	golden(t, "enable-configmap", objs[0])
	golden(t, "enable-broker", objs[1])

	objs, err = BuildEnable(EnableSpec{Namespace: "orders", Broker: "default", Class: DefaultBrokerClass})
	if err != nil || len(objs) != 1 {
		t.Fatalf("without --channel want only the Broker, got %d objects, %v", len(objs), err)
	}
}

// The whole Kyma provisioning of one application, adapter manifests included,
// in apply order.
func TestBuildWire(t *testing.T) {
	objs, err := BuildWire(WireSpec{
		Source:  HTTPSourceSpec{App: "commerce", Namespace: DefaultIntegrationNamespace, Image: "example.com/adapter:v1", Port: 8080},
		To:      "shop",
		Trigger: &TriggerSpec{Name: "orders", Sink: "ksvc:order-handler", Filter: []string{"type=order.created"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var docs []string
	for _, o := range objs {
		if u, ok := o.(*unstructured.Unstructured); ok {
			b, err := yaml.Marshal(u.Object)
			if err != nil {
				t.Fatal(err)
			}
			docs = append(docs, string(b))
			continue
		}
		docs = append(docs, goldenYAML(t, o))
	}
	compareGolden(t, "wire-full", []byte(strings.Join(docs, "---\n")))
}
