//go:build e2e

package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/test/testbed"
)

func TestChannelAndSubscriptionDeliver(t *testing.T) {
	ns := testbed.Namespace(t)
	sub := testbed.NewReceiver(t)

	r := mustKM(t, "channel", "create", "shop", "-n", ns, "--type", "imc", "--wait")
	if r.Stdout != "channel.messaging.knative.dev/shop created\n" {
		t.Fatalf("channel create: %s", r)
	}
	testbed.MustKubectl(t, "get", "inmemorychannels", "shop", "-n", ns)

	r = mustKM(t, "subscription", "create", "shop-audit", "-n", ns, "--channel", "shop", "--sink", sub.URL, "--wait")
	if r.Stdout != "subscription.messaging.knative.dev/shop-audit created\n" {
		t.Fatalf("subscription create: %s", r)
	}
	url := field(getJSON(t, "get", "channels.messaging.knative.dev", "shop", "-n", ns), "status", "address", "url").(string)
	if code := postEvent(t, url, "c-1", "shop.order"); code != 202 {
		t.Fatalf("channel answered %d", code)
	}
	sub.WaitFor(t, "c-1", 20*time.Second)

	r = mustKM(t, "channel", "list", "-n", ns, "-o", "wide")
	if !strings.Contains(r.Stdout, "InMemoryChannel") || !strings.Contains(r.Stdout, "True") {
		t.Fatalf("channel list: %s", r)
	}
	// The channel learns of its subscriber from the subscription's reconciler.
	eventually(t, 20*time.Second, "channel describe to show one ready subscriber", func() bool {
		r = mustKM(t, "channel", "describe", "shop", "-n", ns)
		return strings.Contains(r.Stdout, "Address:") && strings.Contains(r.Stdout, "Subscribers:  1 (1 ready)")
	})
	r = mustKM(t, "subscription", "describe", "shop-audit", "-n", ns)
	if !strings.Contains(r.Stdout, "Channel:") || !strings.Contains(r.Stdout, "Channel:shop") || !strings.Contains(r.Stdout, sub.URL) {
		t.Fatalf("subscription describe: %s", r)
	}
	r = mustKM(t, "subscription", "list", "-n", ns)
	if !strings.Contains(r.Stdout, "shop-audit") || !strings.Contains(r.Stdout, "True") {
		t.Fatalf("subscription list: %s", r)
	}

	second := testbed.NewReceiver(t)
	r = mustKM(t, "subscription", "update", "shop-audit", "-n", ns, "--sink", second.URL, "--retry", "1", "--wait")
	if r.Stdout != "subscription.messaging.knative.dev/shop-audit updated\n" {
		t.Fatalf("subscription update: %s", r)
	}
	eventually(t, 20*time.Second, "the new subscriber to get events", func() bool {
		postEvent(t, url, "c-2", "shop.order")
		time.Sleep(300 * time.Millisecond)
		return second.Has("c-2")
	})
	r = km(t, "subscription", "update", "shop-audit", "-n", ns, "--channel", "other")
	wantExit(t, r, 2, "the channel of a subscription cannot be changed")

	mustKM(t, "subscription", "delete", "shop-audit", "-n", ns)
	mustKM(t, "channel", "delete", "shop", "-n", ns)
	eventually(t, 30*time.Second, "the channel and its InMemoryChannel to go", func() bool {
		return notFound(t, "channels.messaging.knative.dev", "shop", "-n", ns) && notFound(t, "inmemorychannels", "shop", "-n", ns)
	})
}

// The Kyma wiring by hand: an application's channel in the integration
// namespace, subscribed to a user namespace's broker, with a trigger there.
func TestChannelToBrokerWiring(t *testing.T) {
	integration := testbed.Namespace(t)
	user := testbed.Namespace(t)
	sub := testbed.NewReceiver(t)

	mustKM(t, "enable", "ns", user, "--wait")
	mustKM(t, "trigger", "create", "created", "-n", user, "--filter", "type=order.created", "--sink", sub.URL, "--wait")
	mustKM(t, "channel", "create", "shop", "-n", integration, "--wait")
	mustKM(t, "subscription", "create", "shop-"+user, "-n", integration, "--channel", "shop", "--sink", "broker:default:"+user, "--wait")

	url := field(getJSON(t, "get", "channels.messaging.knative.dev", "shop", "-n", integration), "status", "address", "url").(string)
	postEvent(t, url, "w-1", "order.created")
	postEvent(t, url, "w-2", "order.shipped")
	sub.WaitFor(t, "w-1", 20*time.Second)
	time.Sleep(time.Second)
	if sub.Has("w-2") {
		t.Fatal("the trigger let a non-matching event through")
	}
}
