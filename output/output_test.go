package output

import (
	"bytes"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"knative.dev/pkg/apis"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

func TestTableIsKubectlStyle(t *testing.T) {
	var b bytes.Buffer
	if err := Table(&b, []string{"name", "ready"}, [][]string{{"a-long-name", "True"}, {"b", ""}}, false); err != nil {
		t.Fatal(err)
	}
	want := "NAME          READY\na-long-name   True\nb\n"
	if b.String() != want {
		t.Fatalf("want %q, got %q", want, b.String())
	}
	b.Reset()
	_ = Table(&b, []string{"name"}, [][]string{{"x"}}, true)
	if b.String() != "x\n" {
		t.Fatalf("--no-headers: got %q", b.String())
	}
}

func TestDescribePutsReadyFirst(t *testing.T) {
	now := time.Now()
	conds := apis.Conditions{
		{Type: "Addressable", Status: corev1.ConditionTrue},
		{Type: apis.ConditionReady, Status: corev1.ConditionFalse, Reason: "NotFound", Message: "channel missing"},
	}
	var b bytes.Buffer
	if err := Describe(&b, []Field{{Name: "Name", Value: "b"}, {Name: "Dead letter sink"}}, conds, now); err != nil {
		t.Fatal(err)
	}
	want := "Name:              b\n" +
		"Dead letter sink:  <none>\n" +
		"Conditions:\n" +
		"  TYPE          STATUS   REASON     MESSAGE           AGE\n" +
		"  Ready         False    NotFound   channel missing   <unknown>\n" +
		"  Addressable   True                                  <unknown>\n"
	if b.String() != want {
		t.Fatalf("want\n%s\ngot\n%s", want, b.String())
	}
}

func TestMeshDotAndTree(t *testing.T) {
	st := wiring.MeshStatus{
		Apps: []wiring.AppStatus{{Name: "crm", Namespace: "kyma-integration", Adapter: wiring.Health{Ready: "True"}, Channel: wiring.Health{Ready: "True"},
			Sink: "http://crm-kn-channel/", Subscriptions: []wiring.SubscriptionStatus{{Name: "crm-to-shop", Health: wiring.Health{Ready: "True"}, To: "broker shop/default"}}}},
		Namespaces: []wiring.NamespaceStatus{{Name: "shop", Brokers: []wiring.BrokerStatus{{Name: "default", Health: wiring.Health{Ready: "True"},
			Persistence:    wiring.Persistence{Class: "MTChannelBasedBroker", Channel: "KafkaChannel", Config: "configmap shop/default-kymamesh-channel"},
			DeadLetterSink: "svc:kymamesh-deadletter",
			Triggers:       []wiring.TriggerStatus{{Name: "t", Health: wiring.Health{Ready: "False", Reason: "Nope"}, Filter: "type=a"}}}}}},
		Problems: []wiring.Problem{{Object: "trigger shop/t", What: "is not ready (Nope)", Fix: "kubectl kymamesh trigger describe t -n shop"}},
	}
	var dot bytes.Buffer
	if err := MeshDot(&dot, st); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"app/kyma-integration/crm" -> "channel/kyma-integration/crm" [label="adapter"];`,
		`"channel/kyma-integration/crm" -> "broker/shop/default" [label="crm-to-shop"];`,
		`"trigger/shop/t" [label="trigger t\ntype=a", color=red];`} {
		if !strings.Contains(dot.String(), want) {
			t.Errorf("dot lacks %s:\n%s", want, dot.String())
		}
	}
	var tree bytes.Buffer
	if err := MeshTree(&tree, st); err != nil {
		t.Fatal(err)
	}
	want := "Applications:\nkyma-integration/crm  adapter ok\n└── channel crm  ok  K_SINK http://crm-kn-channel/\n" +
		"    └── subscription crm-to-shop  ok  -> broker shop/default\nNamespaces:\nshop\n└── broker default  ok  MTChannelBasedBroker, KafkaChannel (configmap shop/default-kymamesh-channel)  dead letters -> svc:kymamesh-deadletter\n" +
		"    └── trigger t  NOT READY (Nope)  [type=a] -> <unresolved>\nBroken links (1):\n" +
		"  x trigger shop/t: is not ready (Nope)\n    fix: kubectl kymamesh trigger describe t -n shop\n"
	if tree.String() != want {
		t.Errorf("tree:\n%s\nwant:\n%s", tree.String(), want)
	}
}

// An adapter scaled past one pod, not all ready, or autoscaled shows its
// ready/desired replicas and the autoscaler's figures; one ready pod shows none.
func TestMeshTreeShowsScaling(t *testing.T) {
	app := func(name string, r *wiring.Replicas, hpa string) wiring.AppStatus {
		return wiring.AppStatus{Name: name, Namespace: "ki", Adapter: wiring.Health{Ready: "True"}, Channel: wiring.Health{Ready: "True"}, Replicas: r, Autoscaler: hpa}
	}
	st := wiring.MeshStatus{Apps: []wiring.AppStatus{
		app("one", &wiring.Replicas{Ready: 1, Desired: 1}, ""),
		app("three", &wiring.Replicas{Ready: 2, Desired: 3}, ""),
		app("auto", &wiring.Replicas{Ready: 2, Desired: 2}, "replicas 2 (desired 2, min 2, max 5), cpu 35%/80%"),
	}}
	var tree bytes.Buffer
	if err := MeshTree(&tree, st); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ki/one  adapter ok\n", "ki/three  adapter ok  replicas 2/3 ready\n",
		"ki/auto  adapter ok  replicas 2/2 ready  autoscaler: replicas 2 (desired 2, min 2, max 5), cpu 35%/80%\n"} {
		if !strings.Contains(tree.String(), want) {
			t.Errorf("tree lacks %q:\n%s", want, tree.String())
		}
	}
}
