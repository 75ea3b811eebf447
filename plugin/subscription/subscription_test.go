package subscription_test

import (
	"encoding/json"
	"testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
)

func TestSubscriptionCommands(t *testing.T) {
	f := cmdtest.NewFactory("kyma-integration")
	cmdtest.Expect(t, f, "subscription create shop-orders --channel shop --sink broker:default:orders", 0, "subscription.messaging.knative.dev/shop-orders created\n", "")
	cmdtest.Expect(t, f, "subscription update shop-orders --reply channel:replies -o jsonpath={.spec.reply.ref.name}", 0, "replies", "")
	cmdtest.Expect(t, f, "subscription update shop-orders --channel imc:shop --sink ksvc:x", 2, "",
		"error: --channel: the channel of a subscription cannot be changed; delete and create it instead\n")
	cmdtest.Expect(t, f, "subscription list -o wide", 0, ""+
		"NAME          CHANNEL        SINK                    READY     REASON   AGE         REPLY             DEAD-LETTER-SINK\n"+
		"shop-orders   Channel:shop   broker:default:orders   Unknown            <unknown>   channel:replies\n", "")
	cmdtest.Expect(t, f, "sub delete shop-orders", 0, "subscription.messaging.knative.dev/shop-orders deleted\n", "")
}

func TestClientDryRunNeedsNoCluster(t *testing.T) {
	f := cmdtest.NewFactory("demo")
	f.NoCluster = true
	cmdtest.Expect(t, f, "subscription create s --channel c --sink broker:default:x --dry-run=client -o jsonpath={.spec.subscriber.ref}", 0,
		`{"apiVersion":"eventing.knative.dev/v1","kind":"Broker","name":"default","namespace":"x"}`, "")
}

func TestListEmptySaysSoOnStderrOnly(t *testing.T) {
	f := cmdtest.NewFactory("demo")
	r := cmdtest.Run(t.Context(), f, "", "subscription", "list", "-o", "json")
	var list struct {
		Kind  string `json:"kind"`
		Items []any  `json:"items"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &list); err != nil || r.Stderr != "" || list.Kind != "List" || len(list.Items) != 0 {
		t.Fatalf("empty -o json list: %v %+v", err, r)
	}
}

// kn users' spellings work as typed: --sink-reply and --sink-dead-letter.
func TestKnSpellingsAreAccepted(t *testing.T) {
	f := cmdtest.NewFactory("demo")
	f.NoCluster = true
	cmdtest.Expect(t, f, "subscription create s --channel c --sink ksvc:a --sink-reply ksvc:r --sink-dead-letter ksvc:d --dry-run=client -o "+
		"jsonpath={.spec.reply.ref.name},{.spec.delivery.deadLetterSink.ref.name}", 0, "r,d", "")
}
