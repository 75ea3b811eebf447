package explain_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	eventingduckv1 "knative.dev/eventing/pkg/apis/duck/v1"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/typed"
)

// Without a cluster, explain answers "would this Trigger take this event"
// from the filters alone, with the clause that refuses it; --exit-code makes
// a refusal exit 3 for CI.
func TestExplainOffline(t *testing.T) {
	f := cmdtest.NewFactory("shop")
	f.NoCluster = true
	cmdtest.Expect(t, f, "explain --filter type=order.created --type order.created", 0, "the Trigger takes the event\n", "")
	cmdtest.Expect(t, f, "explain --cesql region='eu' --type order.created --ext region=us --exit-code", 3,
		"the Trigger does not take the event: filters[0].cesql: \"region='eu'\" is false for this event\n",
		"error: the Trigger does not take the event\n")
	cmdtest.Expect(t, f, "explain --filter type=a --filter-prefix source=erp --type a --source commerce", 0,
		"the Trigger does not take the event: filters[1].prefix.source: source \"commerce\" does not start with \"erp\"\n", "")
	r := cmdtest.Run(t.Context(), f, "", "explain", "--filter", "type=a", "--type", "b", "-o", "json")
	var v struct {
		Takes  bool
		Clause string
	}
	if err := json.Unmarshal([]byte(r.Stdout), &v); err != nil || v.Takes || v.Clause != "filter.attributes.type" {
		t.Fatalf("-o json: %+v %v", r, err)
	}
}

// An event from a file (what tail -o json prints) is taken as it is.
func TestExplainEventFromFile(t *testing.T) {
	f := cmdtest.NewFactory("shop")
	f.NoCluster = true
	file := filepath.Join(t.TempDir(), "ev.json")
	ev := `{"specversion":"1.0","id":"1","type":"order.created","source":"commerce","region":"eu","data":{"x":1}}`
	if err := os.WriteFile(file, []byte(ev), 0o600); err != nil {
		t.Fatal(err)
	}
	cmdtest.Expect(t, f, "explain --filter region=eu -f "+file, 0, "the Trigger takes the event\n", "")
	cmdtest.ExpectIn(t, f, ev, "explain --filter region=us -f -", 0, "the Trigger does not take the event: filter.attributes.region: region is \"eu\", not \"us\"\n", "")
}

func TestExplainBadInput(t *testing.T) {
	cmdtest.ExpectUsageErrors(t, 6, []cmdtest.BadInput{
		{Args: []string{"explain", "--to", "broker:default", "--type", "a", "--probe", "--via", "pigeon"}, Want: `--via: "pigeon": want port-forward or direct`},
		{Args: []string{"explain", "--to", "app:crm", "--type", "a", "--probe"}, Want: "--probe: sends the event to a Broker and watches its Triggers: give --to broker:NAME"},
		{Args: []string{"explain", "--filter", "type=a", "--type", "a", "--probe"}, Want: "--probe: sends the event to a Broker"},
		{Args: []string{"explain", "--to", "broker:default", "--type", "a", "--probe", "--probe-timeout", "0s"}, Want: "--probe-timeout: 0s and --probe-wait-timeout 2m0s: must be positive"},
		{Args: []string{"explain", "--to", "app:crm", "--type", "a", "--service-account", "sa"}, Want: "--service-account: an application's events reach a Broker under its Subscription's identity"},
		{Args: []string{"explain", "--filter", "type=a", "--type", "a", "--service-account", "sa"}, Want: "--service-account: is a sender at a Broker: give --to broker:NAME"},
		{Args: []string{"explain", "--to", "broker:default", "--type", "a", "--service-account", "a/b/c"}, Want: `--service-account: "a/b/c": want NAMESPACE/NAME`},
		{Args: []string{"explain", "--type", "a"}, Want: "--to: say what to ask"},
		{Args: []string{"explain", "--to", "broker:b", "--filter", "type=a", "--type", "a"}, Want: "--to: give either --to"},
		{Args: []string{"explain", "--to", "trigger:t", "--type", "a"}, Want: `--to: "trigger:t": want broker:NAME[:NAMESPACE]`},
		{Args: []string{"explain", "--to", "broker:Bad_Name", "--type", "a"}, Want: "--to"},
		{Args: []string{"explain", "--filter", "type=a"}, Want: "--type: an event type is required"},
		{Args: []string{"explain", "--filter", "type=a", "-f", "/nonexistent.json"}, Want: "--filename: /nonexistent.json: no such file or directory"},
		{Args: []string{"explain", "--filter", "type=a", "-f", "x.json", "--type", "a"}, Want: "--filename: the event is the file's: leave out --type"},
		{Args: []string{"explain", "--cesql", "type =", "--type", "a"}, Want: "--cesql"},
		{Args: []string{"explain", "--filter", "type=a", "--type", "a", "-o", "name"}, Want: `--output: "name": want json or yaml`},
	})
}

// With a cluster: each Trigger of the Broker, whether it takes the event, its
// subscriber and readiness, and the delivery that applies (the Broker's when
// the Trigger has none) as a timeline. Three requests.
func TestExplainBroker(t *testing.T) {
	ready := duckv1.Status{Conditions: duckv1.Conditions{{Type: apis.ConditionReady, Status: corev1.ConditionTrue}}}
	retry, linear, exp, delay := int32(2), eventingduckv1.BackoffPolicyLinear, eventingduckv1.BackoffPolicyExponential, "PT0.5S"
	b := &knapi.Broker{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: "shop"},
		Spec: knapi.BrokerSpec{Delivery: &eventingduckv1.DeliverySpec{Retry: &retry, BackoffPolicy: &exp, BackoffDelay: &delay}}}
	b.Status.Status = ready
	trigger := func(name string, filter map[string]string, d *eventingduckv1.DeliverySpec) *knapi.Trigger {
		tr := &knapi.Trigger{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop"}, Spec: knapi.TriggerSpec{Broker: "default",
			Filter: &knapi.TriggerFilter{Attributes: filter}, Subscriber: duckv1.Destination{Ref: &duckv1.KReference{Kind: "Service", APIVersion: "v1", Name: "h-" + name}},
			Delivery: d}}
		tr.Status.Status = ready
		return tr
	}
	dls := &duckv1.Destination{Ref: &duckv1.KReference{Kind: "Service", APIVersion: "v1", Name: "dls"}}
	other := trigger("z-other-broker", nil, nil)
	other.Spec.Broker = "b2"
	f := cmdtest.NewFactory("shop", b,
		trigger("created", map[string]string{"type": "order.created"}, nil),
		trigger("paid", map[string]string{"type": "order.paid"}, nil),
		trigger("all", nil, &eventingduckv1.DeliverySpec{Retry: &retry, BackoffPolicy: &linear, BackoffDelay: &delay, DeadLetterSink: dls}),
		other)
	cmdtest.Expect(t, f, "explain --to broker:default --type order.created", 0,
		"broker shop/default  ready True  2 of 3 Triggers take the event\n"+
			"TRIGGER   TAKES   READY   SUBSCRIBER      WHY / THEN\n"+
			"all       yes     True    svc:h-all       3 attempts over about 1.5s (the Trigger's), then to the dead-letter sink svc:dls\n"+
			"created   yes     True    svc:h-created   3 attempts over about 3s (the Broker's), then dropped: no dead-letter sink\n"+
			"paid      no      True    svc:h-paid      filter.attributes.type: type is \"order.created\", not \"order.paid\"\n", "")
	if n := len(f.Dyn.Actions()); n != 3 {
		t.Errorf("explain sent %d requests, want 3 (the Broker, config-features, its namespace's Triggers)", n)
	}
	cmdtest.Expect(t, f, "explain --to broker:nope --type a", 1, "", "error: broker \"nope\" not found in namespace \"shop\": brokers.eventing.knative.dev \"nope\" not found\n")
	b3 := &knapi.Broker{ObjectMeta: metav1.ObjectMeta{Name: "b3", Namespace: "shop"}}
	if _, err := f.EventingClient().Brokers("shop").Create(t.Context(), b3, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cmdtest.Expect(t, f, "explain --to broker:b3 --type x --exit-code", 3,
		"broker shop/b3  ready Unknown  0 of 0 Triggers take the event\nthe Broker has no Trigger: the event goes nowhere\n",
		"error: no Trigger of broker \"b3\" takes the event\n")
}

// From an application: its source's objects, each Subscription from its
// Channel and the Broker it reaches; the event is asked with the
// application's name as its source, as the adapter sends it.
func TestExplainApp(t *testing.T) {
	objs, err := wiring.BuildWire(wiring.WireSpec{Source: wiring.HTTPSourceSpec{App: "crm", Namespace: "kyma-integration", Port: 8080, Image: "example.com/adapter:1"}, To: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	bySource := &knapi.Trigger{ObjectMeta: metav1.ObjectMeta{Name: "from-crm", Namespace: "shop"}, Spec: knapi.TriggerSpec{Broker: "default",
		Filter: &knapi.TriggerFilter{Attributes: map[string]string{"source": "crm"}}, Subscriber: duckv1.Destination{Ref: &duckv1.KReference{Kind: "Service", APIVersion: "v1", Name: "h"}}}}
	f := cmdtest.NewFactory("shop", append(objs, bySource)...)
	cmdtest.Expect(t, f, "explain --to app:crm --type order.created --source elsewhere", 0,
		"application kyma-integration/crm: channel not ready, deployment not ready, service ready, sinkbinding not ready\n"+
			"the adapter sends the event with source \"crm\"\n"+
			"subscription crm-to-shop  ready Unknown  -> broker:default:shop\n"+
			"broker shop/default  ready Unknown  1 of 1 Triggers take the event\n"+
			"TRIGGER    TAKES   READY     SUBSCRIBER   WHY / THEN\n"+
			"from-crm   yes     Unknown   svc:h        1 attempt (no delivery settings), then dropped: no dead-letter sink\n", "")
	cmdtest.Expect(t, f, "explain --to app:nope --type a --exit-code", 3,
		"application kyma-integration/nope: not found here (no adapter, Service, Channel or SinkBinding of its name)\n"+
			"the adapter sends the event with source \"nope\"\nno Subscription from its Channel: the event goes nowhere\n",
		"error: no Trigger takes application \"nope\"'s event\n")
}

// With Knative's OIDC authentication on (config-features), explain says
// whether the EventPolicies applied to the Broker let the sender in: the
// ServiceAccount given, or for an application its Subscription's identity;
// without a sender, whom they let in.
func TestExplainOIDC(t *testing.T) {
	features := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "config-features", Namespace: "knative-eventing"},
		Data: map[string]string{"authentication-oidc": "enabled"}}
	aud := "eventing.knative.dev/broker/shop/default"
	b := &knapi.Broker{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: "shop"}}
	b.Status.Address = &duckv1.Addressable{Audience: &aud}
	b.Status.Policies = []eventingduckv1.AppliedEventPolicyRef{{APIVersion: "eventing.knative.dev/v1alpha1", Name: "crm-to-default"}}
	p := &knapi.EventPolicy{ObjectMeta: metav1.ObjectMeta{Name: "crm-to-default", Namespace: "shop"}}
	p.Status.From = []string{"system:serviceaccount:kyma-integration:crm-to-shop-oidc"}
	tr := &knapi.Trigger{ObjectMeta: metav1.ObjectMeta{Name: "all", Namespace: "shop"}, Spec: knapi.TriggerSpec{Broker: "default",
		Subscriber: duckv1.Destination{Ref: &duckv1.KReference{Kind: "Service", APIVersion: "v1", Name: "h"}}}}
	f := cmdtest.NewFactory("shop", features, b, p, tr)
	table := "TRIGGER   TAKES   READY     SUBSCRIBER   WHY / THEN\n" +
		"all       yes     Unknown   svc:h        1 attempt (no delivery settings), then dropped: no dead-letter sink\n"
	head := "broker shop/default  ready Unknown  1 of 1 Triggers take the event\n"
	tokenFor := "; a token must be for audience " + aud + " (else 401)\n"
	cmdtest.Expect(t, f, "explain --to broker:default --type a --service-account kyma-integration/crm-to-shop-oidc", 0,
		head+"oidc: sender let in: EventPolicy crm-to-default lets system:serviceaccount:kyma-integration:crm-to-shop-oidc in"+tokenFor+table, "")
	cmdtest.Expect(t, f, "explain --to broker:default --type a --service-account intruder", 0,
		head+"oidc: sender refused: no EventPolicy of the Broker (crm-to-default) names system:serviceaccount:shop:intruder (403)"+tokenFor+table, "")
	cmdtest.Expect(t, f, "explain --to broker:default --type a", 0,
		head+"oidc: sender unknown (give --service-account NS/NAME): EventPolicy crm-to-default let in system:serviceaccount:kyma-integration:crm-to-shop-oidc"+tokenFor+table, "")
	r := cmdtest.Run(t.Context(), f, "", "explain", "--to", "broker:default", "--type", "a", "--service-account", "intruder", "-o", "json")
	var x struct {
		Auth struct {
			OIDC     bool
			Sender   string
			Allowed  *bool
			Policies []string
			Audience string
		}
	}
	if err := json.Unmarshal([]byte(r.Stdout), &x); err != nil || !x.Auth.OIDC || x.Auth.Allowed == nil || *x.Auth.Allowed ||
		x.Auth.Sender != "system:serviceaccount:shop:intruder" || len(x.Auth.Policies) != 1 || x.Auth.Audience != aud {
		t.Errorf("-o json: %+v (%v) from %s", x, err, r.Stdout)
	}

	// A probe must present a token while OIDC is on: said before anything is made.
	cmdtest.Expect(t, f, "explain --to broker:default --type a --probe", 1, "",
		"error: --probe: Knative's OIDC authentication is on, so the probe must present a token: give --service-account NS/NAME (a sender the EventPolicies let in, or one they refuse, to probe that)\n")

	// OIDC off: nothing is said, unless a sender was named.
	features.Data["authentication-oidc"] = "disabled"
	off := cmdtest.NewFactory("shop", features, b, p, tr)
	cmdtest.Expect(t, off, "explain --to broker:default --type a", 0, head+table, "")
	cmdtest.Expect(t, off, "explain --to broker:default --type a --service-account intruder", 0,
		head+"oidc: sender let in: Knative's OIDC authentication is off: the Broker takes events without a token, from anyone\n"+table, "")
}

// From an application with OIDC on: the sender at the Broker is the
// Subscription's identity, as Knative made it.
func TestExplainAppOIDC(t *testing.T) {
	objs, err := wiring.BuildWire(wiring.WireSpec{Source: wiring.HTTPSourceSpec{App: "crm", Namespace: "kyma-integration", Port: 8080, Image: "example.com/adapter:1"}, To: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	features := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "config-features", Namespace: "knative-eventing"},
		Data: map[string]string{"authentication-oidc": "enabled", "default-authorization-mode": "allow-same-namespace"}}
	f := cmdtest.NewFactory("shop", append(objs, features)...)
	r := cmdtest.Run(t.Context(), f, "", "explain", "--to", "app:crm", "--type", "a")
	if r.Code != 0 || !strings.Contains(r.Stdout, `oidc: sender unknown (subscription crm-to-shop has no OIDC identity in its status.auth yet): no EventPolicy applies to the Broker and default-authorization-mode is allow-same-namespace: ServiceAccounts of namespace "shop" are let in`) {
		t.Fatalf("before the Subscription has its identity: %+v", r)
	}
	msg := &typed.Messaging{Dyn: f.Dyn}
	sub, err := msg.Subscriptions("kyma-integration").Get(t.Context(), "crm-to-shop", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	name := "crm-to-shop-oidc"
	sub.Status.Auth = &duckv1.AuthStatus{ServiceAccountName: &name}
	if _, err := msg.Subscriptions("kyma-integration").Update(t.Context(), sub, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	r = cmdtest.Run(t.Context(), f, "", "explain", "--to", "app:crm", "--type", "a")
	if r.Code != 0 || !strings.Contains(r.Stdout, `oidc: sender refused: no EventPolicy applies to the Broker and default-authorization-mode is allow-same-namespace: system:serviceaccount:kyma-integration:crm-to-shop-oidc is not of namespace "shop" (403)`) {
		t.Fatalf("with the Subscription's identity: %+v", r)
	}
}

// The offline form needs no kubeconfig at all, even a broken one; the
// others check their flags before they report the kubeconfig's error.
func TestBrokenKubeconfigComesAfterTheFlags(t *testing.T) {
	f := cmdtest.NewFactory("")
	f.NoCluster = true
	f.NSErr = errors.New(`error loading config file "/tmp/bad": yaml: line 1: did not find expected node content`)
	cmdtest.Expect(t, f, "explain --filter type=order.created --type order.created", 0, "the Trigger takes the event\n", "")
	cmdtest.Expect(t, f, "explain --to broker:default --type t --probe --probe-timeout 0s", 2, "", "error: --probe-timeout: 0s and --probe-wait-timeout 2m0s: must be positive\n")
	cmdtest.Expect(t, f, "explain --to broker:default --type t --service-account a/b/c", 2, "", `error: --service-account: "a/b/c": want NAMESPACE/NAME`+"\n")
	cmdtest.Expect(t, f, "explain --to broker:default --type t", 1, "", "error: "+f.NSErr.Error()+"\n")
	cmdtest.Expect(t, f, "explain --to app:shop --type t", 1, "", "error: "+f.NSErr.Error()+"\n")
}
