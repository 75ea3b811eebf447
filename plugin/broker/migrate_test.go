package broker_test

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
)

// meshForMigrate is a namespace's Broker with a Trigger, and what sends to
// it: the mesh's Subscription (from the integration namespace), a
// SinkBinding and an EventPolicy.
func meshForMigrate(extra ...runtime.Object) *cmdtest.Factory {
	brokerRef := &duckv1.KReference{APIVersion: "eventing.knative.dev/v1", Kind: "Broker", Name: "default", Namespace: "shop"}
	objs := []runtime.Object{
		&knapi.Broker{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: "shop",
			Annotations: map[string]string{wiring.BrokerClassAnnotation: "MTChannelBasedBroker"}},
			Spec: knapi.BrokerSpec{Config: &duckv1.KReference{APIVersion: "v1", Kind: "ConfigMap", Name: "config-br-default-channel", Namespace: "knative-eventing"}}},
		&knapi.Trigger{ObjectMeta: metav1.ObjectMeta{Name: "t1", Namespace: "shop"},
			Spec: knapi.TriggerSpec{Broker: "default", Filter: &knapi.TriggerFilter{Attributes: knapi.TriggerFilterAttributes{"type": "a"}},
				Subscriber: duckv1.Destination{Ref: &duckv1.KReference{APIVersion: "v1", Kind: "Service", Name: "h"}}}},
		&knapi.Subscription{ObjectMeta: metav1.ObjectMeta{Name: "shop-to-shop", Namespace: "kyma-integration"},
			Spec: knapi.SubscriptionSpec{Channel: duckv1.KReference{APIVersion: "messaging.knative.dev/v1", Kind: "Channel", Name: "shop"},
				Subscriber: &duckv1.Destination{Ref: brokerRef}}},
		&knapi.EventPolicy{ObjectMeta: metav1.ObjectMeta{Name: "shop-to-default", Namespace: "shop"},
			Spec: knapi.EventPolicySpec{To: []knapi.EventPolicySpecTo{{Ref: &knapi.EventPolicyToReference{APIVersion: "eventing.knative.dev/v1", Kind: "Broker", Name: "default"}}}}},
		&unstructured.Unstructured{Object: map[string]any{"apiVersion": "sources.knative.dev/v1", "kind": "SinkBinding",
			"metadata": map[string]any{"name": "crm", "namespace": "shop"},
			"spec":     map[string]any{"sink": map[string]any{"ref": map[string]any{"apiVersion": "eventing.knative.dev/v1", "kind": "Broker", "name": "default"}}}}},
	}
	f := cmdtest.NewFactory("shop", append(objs, extra...)...)
	f.Disc.Resources = []*metav1.APIResourceList{
		{GroupVersion: "messaging.knative.dev/v1", APIResources: []metav1.APIResource{{Name: "inmemorychannels", Kind: "InMemoryChannel"}}},
	}
	return f
}

// The plan names what moves and the steps; a client dry run prints it and
// writes nothing.
func TestMigratePlan(t *testing.T) {
	f := meshForMigrate()
	cmdtest.Expect(t, f, "broker migrate default --channel imc --dry-run", 0, ""+
		"Broker:     shop/default (start)\n"+
		"From:       class MTChannelBasedBroker, config ConfigMap:config-br-default-channel:knative-eventing\n"+
		"To:         class MTChannelBasedBroker, config ConfigMap:default-kymamesh-inmemorychannel:shop\n"+
		"Temporary:  broker default-migrating\n"+
		"Triggers:   trigger/t1\n"+
		"Senders:    subscription/shop-to-shop in namespace kyma-integration, sinkbinding/crm, eventpolicy/shop-to-default\n"+
		"Steps:\n"+
		"  1. create configmap default-kymamesh-inmemorychannel holding the channel template\n"+
		"  2. create broker default-migrating (class MTChannelBasedBroker, config ConfigMap:default-kymamesh-inmemorychannel:shop) and wait until it is Ready\n"+
		"  3. copy broker default's Triggers to broker default-migrating and wait until each is Ready\n"+
		"  4. repoint every sender from broker default to broker default-migrating and wait until each has taken it\n"+
		"  5. drain broker default: wait out its senders' retries (at least 2s)\n"+
		"  6. delete broker default's Triggers, then broker default\n"+
		"  7. create broker default (class MTChannelBasedBroker, config ConfigMap:default-kymamesh-inmemorychannel:shop), the Triggers under their own names and wait until it is Ready\n"+
		"  8. copy broker default-migrating's Triggers to broker default and wait until each is Ready\n"+
		"  9. repoint every sender from broker default-migrating to broker default and wait until each has taken it\n"+
		"  10. drain broker default-migrating: wait out its senders' retries (at least 2s)\n"+
		"  11. delete broker default-migrating's Triggers, then broker default-migrating\n"+
		"  12. clear broker default's migration mark\n", "")
	for _, a := range f.Dyn.Actions() {
		if v := a.GetVerb(); v != "get" && v != "list" {
			t.Errorf("a client dry run sent %s %s", v, a.GetResource().Resource)
		}
	}
	r := cmdtest.Run(t.Context(), f, "", "broker", "migrate", "default", "--class", "Kafka", "--config", "ConfigMap:kafka-broker-config:knative-eventing", "--dry-run", "-o", "json")
	if r.Code != 2 || !strings.Contains(r.Stderr, `--class: "Kafka": the cluster does not serve this broker class`) {
		t.Fatalf("an unserved class: %+v", r)
	}
	r = cmdtest.Run(t.Context(), f, "", "broker", "migrate", "default", "--config", "cm:mine", "--dry-run", "-o", "json")
	for _, want := range []string{`"phase":"start"`, `"to":{"class":"MTChannelBasedBroker","config":"ConfigMap:mine:shop"}`, `"triggers":["trigger/t1"]`} {
		if r.Code != 0 || !strings.Contains(r.Stdout, want) {
			t.Fatalf("-o json lacks %s: %+v", want, r)
		}
	}
}

// Refusals: one line, nothing made.
func TestMigrateRefusals(t *testing.T) {
	f := meshForMigrate()
	for _, tc := range []struct{ args, want string }{
		{"broker migrate nosuch --channel imc", `error: broker "nosuch" does not exist in namespace "shop"`},
		{"broker migrate default --config ConfigMap:config-br-default-channel:knative-eventing",
			`error: nothing to change: broker "default" in namespace "shop" already has class MTChannelBasedBroker, config ConfigMap:config-br-default-channel:knative-eventing`},
		{"broker migrate default --rollback", `error: no migration of broker "default" in namespace "shop" is in progress: nothing to roll back`},
		{"broker migrate default --channel example.com/v1/NatsChannel", `error: --channel: the cluster does not serve channel kind NatsChannel (example.com/v1)`},
	} {
		r := cmdtest.Run(t.Context(), f, "", cmdtest.SplitArgs(tc.args)...)
		if r.Code == 0 || r.Stdout != "" || !strings.HasPrefix(r.Stderr, tc.want) || strings.Count(r.Stderr, "\n") != 1 {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want one line %q", tc.args, r.Code, r.Stdout, r.Stderr, tc.want)
		}
	}
	for _, a := range f.Dyn.Actions() {
		if v := a.GetVerb(); v != "get" && v != "list" {
			t.Errorf("a refusal sent %s %s", v, a.GetResource().Resource)
		}
	}
}

// A migration under way is continued, and rolled back only while the old
// Broker is whole.
func TestMigrateInProgress(t *testing.T) {
	tmp := &knapi.Broker{ObjectMeta: metav1.ObjectMeta{Name: "default-migrating", Namespace: "shop", Annotations: map[string]string{
		wiring.BrokerClassAnnotation: "MTChannelBasedBroker", wiring.MigrateForAnnotation: "default",
		wiring.MigrateFromAnnotation: `{"class":"MTChannelBasedBroker","config":"ConfigMap:config-br-default-channel:knative-eventing"}`}},
		Spec: knapi.BrokerSpec{Config: &duckv1.KReference{APIVersion: "v1", Kind: "ConfigMap", Name: "mine", Namespace: "shop"}}}
	f := meshForMigrate(tmp)
	r := cmdtest.Run(t.Context(), f, "", "broker", "migrate", "default", "--config", "cm:mine", "--dry-run")
	if r.Code != 0 || !strings.Contains(r.Stdout, "(first-hop)") || !strings.Contains(r.Stdout, "To:         class MTChannelBasedBroker, config ConfigMap:mine:shop") {
		t.Fatalf("continuing: %+v", r)
	}
	cmdtest.Expect(t, f, "broker migrate default --config cm:other --dry-run", 1, "",
		`error: a migration of broker "default" in namespace "shop" to class MTChannelBasedBroker, config ConfigMap:mine:shop is in progress: re-run it with the flags that started it, or give --rollback`+"\n")
	r = cmdtest.Run(t.Context(), f, "", "broker", "migrate", "default", "--rollback", "--dry-run")
	if r.Code != 0 || !strings.Contains(r.Stdout, "(rollback)") || !strings.Contains(r.Stdout, "repoint every sender from broker default-migrating to broker default") ||
		strings.Contains(r.Stdout, "create broker") {
		t.Fatalf("rollback plan: %+v", r)
	}
	// Once the old Broker's removal began, or it is gone, there is nothing to roll back to.
	c := f.EventingClient().Brokers("shop")
	b, err := c.Get(t.Context(), "default", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b.Annotations[wiring.MigrateStepAnnotation] = "removing"
	if _, err := c.Update(t.Context(), b, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	r = cmdtest.Run(t.Context(), f, "", "broker", "migrate", "default", "--rollback")
	if r.Code != 1 || !strings.Contains(r.Stderr, "cannot be rolled back: its removal has begun") {
		t.Fatalf("rollback after removal began: %+v", r)
	}
	if err := c.Delete(t.Context(), "default", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	r = cmdtest.Run(t.Context(), f, "", "broker", "migrate", "default", "--rollback")
	if r.Code != 1 || !strings.Contains(r.Stderr, "its old Broker is gone (the migration is in its second hop)") {
		t.Fatalf("rollback in the second hop: %+v", r)
	}
	r = cmdtest.Run(t.Context(), f, "", "broker", "migrate", "default", "--config", "cm:mine", "--dry-run")
	if r.Code != 0 || !strings.Contains(r.Stdout, "(back-hop)") || !strings.Contains(r.Stdout, "create broker default (") {
		t.Fatalf("the second hop's plan: %+v", r)
	}
}
