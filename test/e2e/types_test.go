//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/test/testbed"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
)

// readsBackWhole reads an object as the API server holds it (after Knative's
// defaulting and with the status its controllers wrote) and checks that the
// plugin's own type for it takes every field and gives back the same JSON:
// what the golden round-trip test proves against Knative's Go types, this
// proves against the running Knative.
func readsBackWhole(t *testing.T, into any, args ...string) {
	t.Helper()
	raw := testbed.MustKubectl(t, append(args, "-o", "json")...)
	d := json.NewDecoder(bytes.NewReader([]byte(raw)))
	d.DisallowUnknownFields()
	if err := d.Decode(into); err != nil {
		t.Fatalf("%v: the server's object has a field %T lacks: %v\n%s", args, into, err, raw)
	}
	again, err := json.Marshal(into)
	if err != nil {
		t.Fatal(err)
	}
	var want, got any
	if err := json.Unmarshal([]byte(raw), &want); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(again, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("%v: %T changed the object:\n server %s\n ours   %s", args, into, raw, again)
	}
}

// Each create goes past the real webhook (a server dry run first), and what
// Knative then holds reads back whole into the plugin's types.
func TestOwnTypesPassTheWebhookAndReadBackWhole(t *testing.T) {
	ns := testbed.Namespace(t)
	sink := testbed.NewReceiver(t).URL
	creates := [][]string{
		{"broker", "create", "b", "-n", ns, "--retry", "2", "--backoff-policy", "linear", "--backoff-delay", "PT0.5S", "--dl-sink", sink},
		{"trigger", "create", "t", "-n", ns, "--broker", "b", "--sink", sink, "--filter-prefix", "type=order.",
			"--cesql", "source LIKE 'commerce%'", "--retry", "3"},
		{"channel", "create", "c", "-n", ns, "--type", "imc"},
		{"subscription", "create", "s", "-n", ns, "--channel", "c", "--sink", "broker:b", "--reply", sink, "--dl-sink", sink},
	}
	for _, args := range creates {
		mustKM(t, append(args, "--dry-run=server")...)
	}
	for _, args := range creates {
		mustKM(t, args...)
	}
	for _, resource := range []string{"brokers.eventing.knative.dev/b", "triggers.eventing.knative.dev/t",
		"channels.messaging.knative.dev/c", "subscriptions.messaging.knative.dev/s"} {
		eventually(t, 60*time.Second, resource+" to be Ready", func() bool {
			return wiringReady(getJSON(t, "get", resource, "-n", ns))
		})
	}
	readsBackWhole(t, &knapi.Broker{}, "get", "brokers.eventing.knative.dev", "b", "-n", ns)
	readsBackWhole(t, &knapi.Trigger{}, "get", "triggers.eventing.knative.dev", "t", "-n", ns)
	readsBackWhole(t, &knapi.Channel{}, "get", "channels.messaging.knative.dev", "c", "-n", ns)
	readsBackWhole(t, &knapi.Subscription{}, "get", "subscriptions.messaging.knative.dev", "s", "-n", ns)
}
