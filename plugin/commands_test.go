package plugin_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
)

// expect runs the command and compares stdout and stderr exactly, and the exit code.
func expect(t *testing.T, f *cmdtest.Factory, args string, code int, stdout, stderr string) cmdtest.Result {
	t.Helper()
	return expectIn(t, f, "", args, code, stdout, stderr)
}

func expectIn(t *testing.T, f *cmdtest.Factory, stdin, args string, code int, stdout, stderr string) cmdtest.Result {
	t.Helper()
	r := cmdtest.Run(t.Context(), f, stdin, splitArgs(args)...)
	if r.Code != code || r.Stdout != stdout || r.Stderr != stderr {
		t.Fatalf("kubectl kymamesh %s:\nwant exit %d, stdout %q, stderr %q\ngot  exit %d, stdout %q, stderr %q",
			args, code, stdout, stderr, r.Code, r.Stdout, r.Stderr)
	}
	return r
}

// splitArgs splits on "|" when the line holds one (for arguments with spaces),
// else on spaces.
func splitArgs(s string) []string {
	if strings.Contains(s, "|") {
		return strings.Split(s, "|")
	}
	return strings.Fields(s)
}

func ready(gen int64) duckv1.Status {
	return duckv1.Status{ObservedGeneration: gen, Conditions: duckv1.Conditions{{Type: apis.ConditionReady, Status: corev1.ConditionTrue}}}
}

func TestBrokerCommands(t *testing.T) {
	f := cmdtest.NewFactory("demo")
	expect(t, f, "broker create b1 --retry 2", 0, "broker.eventing.knative.dev/b1 created\n", "")
	expect(t, f, "broker create b1", 1, "",
		`error: broker "b1" already exists in namespace "demo": brokers.eventing.knative.dev "b1" already exists`+"\n")
	expect(t, f, "broker create b2 -o name --class Kafka", 0, "broker.eventing.knative.dev/b2\n", "")

	// Give b1 the status Knative would, then list and describe it.
	c := f.EventingClient().Brokers("demo")
	b, err := c.Get(t.Context(), "b1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b.Status.Status = ready(0)
	b.Status.Address = &duckv1.Addressable{URL: &apis.URL{Scheme: "http", Host: "ingress.svc", Path: "/demo/b1"}}
	b.CreationTimestamp = metav1.NewTime(time.Now().Add(-90 * time.Second))
	if _, err := c.UpdateStatus(t.Context(), b, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	expect(t, f, "broker list", 0, ""+
		"NAME   URL                          READY     REASON   AGE\n"+
		"b1     http://ingress.svc/demo/b1   True               90s\n"+
		"b2                                  Unknown            <unknown>\n", "")
	expect(t, f, "broker list -o wide --no-headers", 0, ""+
		"b1   http://ingress.svc/demo/b1   True         90s\n"+
		"b2                                Unknown      <unknown>   Kafka\n", "")
	expect(t, f, "broker list -o name", 0, "broker.eventing.knative.dev/b1\nbroker.eventing.knative.dev/b2\n", "")
	expect(t, f, "broker list -o jsonpath={.items[*].metadata.name}", 0, "b1 b2", "")
	expect(t, f, "broker describe b1", 0, ""+
		"Name:              b1\n"+
		"Namespace:         demo\n"+
		"Age:               90s\n"+
		"Class:             <none>\n"+
		"Config:            <none>\n"+
		"Address:           http://ingress.svc/demo/b1\n"+
		"Dead letter sink:  <none>\n"+
		"Conditions:\n"+
		"  TYPE    STATUS   REASON   MESSAGE   AGE\n"+
		"  Ready   True                        <unknown>\n", "")

	expect(t, f, "broker update b1 --backoff-policy linear -o jsonpath={.spec.delivery}", 0, `{"backoffPolicy":"linear","retry":2}`, "")
	expect(t, f, "broker delete b1 b2", 0, "broker.eventing.knative.dev/b1 deleted\nbroker.eventing.knative.dev/b2 deleted\n", "")
	expect(t, f, "broker delete b1", 1, "", `error: broker "b1" not found in namespace "demo": brokers.eventing.knative.dev "b1" not found`+"\n")
	expect(t, f, "broker describe b1", 1, "", `error: broker "b1" not found in namespace "demo": brokers.eventing.knative.dev "b1" not found`+"\n")
}

func TestClientDryRunNeedsNoCluster(t *testing.T) {
	f := cmdtest.NewFactory("demo")
	f.NoCluster = true
	expect(t, f, "broker create b --dry-run", 0, "broker.eventing.knative.dev/b created (dry run)\n", "")
	expect(t, f, "channel create c --type imc --dry-run=client -o name", 0, "channel.messaging.knative.dev/c\n", "")
	expect(t, f, "subscription create s --channel c --sink broker:default:x --dry-run=client -o jsonpath={.spec.subscriber.ref}", 0,
		`{"apiVersion":"eventing.knative.dev/v1","kind":"Broker","name":"default","namespace":"x"}`, "")
	expect(t, f, "enable ns shop --channel imc --dry-run=client", 0,
		"configmap/default-kymamesh-channel created (dry run)\nbroker.eventing.knative.dev/default created (dry run)\n", "")
	expect(t, f, "trigger create t --sink ksvc:h --filter type=a --dry-run=client -o jsonpath={.spec}", 0,
		`{"broker":"default","filter":{"attributes":{"type":"a"}},"subscriber":{"ref":{"apiVersion":"serving.knative.dev/v1","kind":"Service","name":"h","namespace":"demo"}}}`, "")
	// wire prints the whole set it would apply, in apply order.
	expect(t, f, "wire commerce --to shop --trigger orders --filter type=order.created --sink ksvc:h --dry-run=client -o name", 0,
		"namespace/kyma-integration\nserviceaccount/commerce-adapter\nchannel.messaging.knative.dev/commerce\ndeployment.apps/commerce-adapter\nservice/commerce-adapter\n"+
			"sinkbinding.sources.knative.dev/commerce-adapter\nbroker.eventing.knative.dev/default\n"+
			"subscription.messaging.knative.dev/commerce-to-shop\ntrigger.eventing.knative.dev/orders\n", "")
	// Several objects with -o json are one List, which any JSON parser reads.
	r := cmdtest.Run(t.Context(), f, "", "wire", "commerce", "--to", "shop", "--dry-run=client", "-o", "json")
	var list struct {
		Kind  string
		Items []struct{ Kind string }
	}
	if err := json.Unmarshal([]byte(r.Stdout), &list); err != nil || r.Code != 0 || list.Kind != "List" || len(list.Items) != 8 ||
		list.Items[0].Kind != "Namespace" || list.Items[3].Kind != "Deployment" || list.Items[7].Kind != "Subscription" {
		t.Fatalf("wire --dry-run=client -o json: want one List of 8 objects in apply order, the integration namespace first, got %v %+v", err, r)
	}
	r = cmdtest.Run(t.Context(), f, "", "version", "-o", "json")
	var v struct{ Version, GoVersion, Platform string }
	if err := json.Unmarshal([]byte(r.Stdout), &v); err != nil || v.Version == "" || v.Platform == "" {
		t.Fatalf("version -o json: %v %+v", err, r)
	}
}

func TestTriggerCommands(t *testing.T) {
	// A Trigger made elsewhere with both spec.filter and spec.filters: an
	// update that leaves its filters alone says Knative ignores spec.filter.
	both := &knapi.Trigger{ObjectMeta: metav1.ObjectMeta{Name: "both", Namespace: "demo"}, Spec: knapi.TriggerSpec{Broker: "default",
		Filter:  &knapi.TriggerFilter{Attributes: knapi.TriggerFilterAttributes{"type": "a"}},
		Filters: []knapi.SubscriptionsAPIFilter{{CESQL: "source = 'x'"}}}}
	f := cmdtest.NewFactory("demo", both)
	expect(t, f, "trigger update both --sink ksvc:h", 0, "trigger.eventing.knative.dev/both updated\n",
		"Warning: trigger \"both\" has both spec.filter and spec.filters; Knative ignores spec.filter (--filter) when spec.filters is set\n")
	expect(t, f, "trigger delete both", 0, "trigger.eventing.knative.dev/both deleted\n", "")
	expect(t, f, "trigger|create|t1|--sink|ksvc:h|--filter|type=a", 0, "trigger.eventing.knative.dev/t1 created\n", "")
	expect(t, f, "trigger update t1 --filter type- --filter subject=s -o jsonpath={.spec.filter}", 0, `{"attributes":{"subject":"s"}}`, "")
	// With spec.filters set, the exact attribute moves there, where Knative reads it.
	expectIn(t, f, "- prefix: {type: order.}\n", "trigger update t1 --filters-file - -o jsonpath={.spec.filter}{.spec.filters}", 0,
		`[{"exact":{"subject":"s"}},{"prefix":{"type":"order."}}]`, "")
	expect(t, f, "trigger update t1 --broker other --sink ksvc:x", 2, "",
		"error: --broker: the broker of a trigger cannot be changed (\"default\" to \"other\"); delete and create it instead\n")
	expect(t, f, "trigger update nope --sink ksvc:x", 1, "",
		`error: trigger "nope" not found in namespace "demo": triggers.eventing.knative.dev "nope" not found`+"\n")
	expect(t, f, "trigger list", 0, ""+
		"NAME   BROKER    SINK     READY     REASON   AGE\n"+
		"t1     default   ksvc:h   Unknown            <unknown>\n", "")
	expect(t, f, "trigger describe t1", 0, ""+
		"Name:              t1\n"+
		"Namespace:         demo\n"+
		"Age:               <unknown>\n"+
		"Broker:            default\n"+
		"Sink:              ksvc:h\n"+
		"Subscriber URI:    <none>\n"+
		"Filter:            <none>\n"+
		`Filters:           [{"exact":{"subject":"s"}},{"prefix":{"type":"order."}}]`+"\n"+
		"Dead letter sink:  <none>\n"+
		"Conditions:  <none>\n", "")
	expect(t, f, "trigger delete t1", 0, "trigger.eventing.knative.dev/t1 deleted\n", "")
}

func TestChannelAndSubscriptionCommands(t *testing.T) {
	f := cmdtest.NewFactory("kyma-integration")
	expect(t, f, "channel create shop --type imc", 0, "channel.messaging.knative.dev/shop created\n", "")
	expect(t, f, "subscription create shop-orders --channel shop --sink broker:default:orders", 0, "subscription.messaging.knative.dev/shop-orders created\n", "")
	expect(t, f, "subscription update shop-orders --reply channel:replies -o jsonpath={.spec.reply.ref.name}", 0, "replies", "")
	expect(t, f, "subscription update shop-orders --channel imc:shop --sink ksvc:x", 2, "",
		"error: --channel: the channel of a subscription cannot be changed; delete and create it instead\n")
	expect(t, f, "subscription list -o wide", 0, ""+
		"NAME          CHANNEL        SINK                    READY     REASON   AGE         REPLY             DEAD-LETTER-SINK\n"+
		"shop-orders   Channel:shop   broker:default:orders   Unknown            <unknown>   channel:replies\n", "")
	expect(t, f, "channel list", 0, ""+
		"NAME   TYPE                                         URL   READY     REASON   AGE\n"+
		"shop   InMemoryChannel (messaging.knative.dev/v1)         Unknown            <unknown>\n", "")
	expect(t, f, "sub delete shop-orders", 0, "subscription.messaging.knative.dev/shop-orders deleted\n", "")
	expect(t, f, "channel delete shop --dry-run=server", 0, "channel.messaging.knative.dev/shop deleted (server dry run)\n", "")
}

func TestEnableDisableCommands(t *testing.T) {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}
	f := cmdtest.NewFactory("default", ns)
	expect(t, f, "enable ns shop --injection-label", 0,
		"broker.eventing.knative.dev/default created\nnamespace/shop configured\n", "")
	expect(t, f, "enable ns shop --injection-label", 0,
		"broker.eventing.knative.dev/default unchanged\nnamespace/shop unchanged\n", "")
	expect(t, f, "enable ns shop --broker other -o name", 0, "broker.eventing.knative.dev/other\n", "")
	// (The fake clientset ignores server dry runs; e2e tests cover those.)
	expect(t, f, "disable ns shop --dry-run=client", 0,
		"broker.eventing.knative.dev/default deleted (dry run)\nbroker.eventing.knative.dev/other deleted (dry run)\nnamespace/shop configured (dry run)\n", "")
	expect(t, f, "disable ns shop", 0,
		"broker.eventing.knative.dev/default deleted\nbroker.eventing.knative.dev/other deleted\nnamespace/shop configured\n", "")
	expect(t, f, "disable ns shop", 0, "", "namespace \"shop\" has nothing that 'enable ns' created\n")
	// A missing namespace: one line that says how to make it, and nothing created.
	expect(t, f, "enable ns nowhere", 1, "",
		`error: namespace "nowhere" does not exist: create it with 'kubectl create namespace nowhere', or add --create-namespace`+"\n")
	if l, _ := f.EventingClient().Brokers("nowhere").List(t.Context(), metav1.ListOptions{}); len(l.Items) != 0 {
		t.Fatalf("a Broker was created in a missing namespace: %v", l.Items)
	}
	expect(t, f, "enable ns nowhere --create-namespace", 0, "namespace/nowhere created\nbroker.eventing.knative.dev/default created\n", "")
	made, err := f.CoreClient().Namespaces().Get(t.Context(), "nowhere", metav1.GetOptions{})
	if err != nil || made.Labels["kymamesh.kyma-project.io/created-by"] != "kubectl-kymamesh" {
		t.Fatalf("the created namespace is not marked as the plugin's: %v %v", err, made)
	}
	// A client dry run shows the namespace change --injection-label would make.
	expect(t, f, "enable ns other --injection-label --dry-run=client -o name", 0,
		"broker.eventing.knative.dev/default\nnamespace/other\n", "")
	r := cmdtest.Run(t.Context(), f, "", "enable", "ns", "other", "--injection-label", "--dry-run=client", "-o", "yaml")
	if !strings.Contains(r.Stdout, "eventing.knative.dev/injection: enabled") || r.Code != 0 {
		t.Fatalf("enable --injection-label --dry-run=client -o yaml lacks the namespace's label: %+v", r)
	}
}

func TestListEmptySaysSoOnStderrOnly(t *testing.T) {
	f := cmdtest.NewFactory("demo")
	expect(t, f, "trigger list", 0, "", "No triggers found in namespace \"demo\".\n")
	expect(t, f, "channel list -A", 0, "", "No channels found.\n")
	r := cmdtest.Run(t.Context(), f, "", "subscription", "list", "-o", "json")
	var list struct {
		Kind  string `json:"kind"`
		Items []any  `json:"items"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &list); err != nil || r.Stderr != "" || list.Kind != "SubscriptionList" || len(list.Items) != 0 {
		t.Fatalf("empty -o json list: %v %+v", err, r)
	}
}

// kn users' spellings work as typed: flag names, channel types, a zero backoff.
func TestKnSpellingsAreAccepted(t *testing.T) {
	f := cmdtest.NewFactory("demo")
	f.NoCluster = true
	expect(t, f, "broker create b --broker-config ConfigMap:br-config --dry-run=client -o jsonpath={.spec.config.name}", 0, "br-config", "")
	expect(t, f, "subscription create s --channel c --sink ksvc:a --sink-reply ksvc:r --sink-dead-letter ksvc:d --dry-run=client -o "+
		"jsonpath={.spec.reply.ref.name},{.spec.delivery.deadLetterSink.ref.name}", 0, "r,d", "")
	expect(t, f, "channel create c --type messaging.knative.dev:v1:InMemoryChannel --dry-run=client -o jsonpath={.spec.channelTemplate.kind}", 0,
		"InMemoryChannel", "")
	expect(t, f, "trigger create t --sink ksvc:a --backoff-delay 0s --dry-run=client -o jsonpath={.spec.delivery.backoffDelay}", 0, "PT0S", "")
	// send's client dry run honours -o: the event in the JSON event format.
	expect(t, f, "send --to app:shop --type t --id 1 --time 2026-01-01T00:00:00Z --data {\"a\":1} --dry-run=client -o json", 0,
		`{"specversion":"1.0","id":"1","source":"/kubectl-kymamesh/send","type":"t","datacontenttype":"application/json","time":"2026-01-01T00:00:00Z","data":{"a":1}}`+"\n", "")
}
