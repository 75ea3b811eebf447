package wire_test

import (
	"encoding/json"
	"testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
)

func TestClientDryRunNeedsNoCluster(t *testing.T) {
	f := cmdtest.NewFactory("demo")
	f.NoCluster = true
	// wire prints the whole set it would apply, in apply order.
	cmdtest.Expect(t, f, "wire commerce --to shop --trigger orders --filter type=order.created --sink ksvc:h --dry-run=client -o name", 0,
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
}
