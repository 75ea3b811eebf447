package source_test

import (
	"fmt"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
)

// A client dry run shows the scaling objects: fixed replicas with a budget
// past one, an autoscaler with no replicas on the Deployment, the resources
// as REQUEST:LIMIT (one value for both).
func TestCreateHTTPScaleClientDryRun(t *testing.T) {
	f := cmdtest.NewFactory("demo")
	f.NoCluster = true
	cmdtest.Expect(t, f, "source create http shop --replicas 3 --dry-run=client", 0, ""+
		"namespace/kyma-integration created (dry run)\n"+
		"serviceaccount/shop-adapter created (dry run)\n"+
		"channel.messaging.knative.dev/shop created (dry run)\n"+
		"deployment.apps/shop-adapter created (dry run)\n"+
		"service/shop-adapter created (dry run)\n"+
		"sinkbinding.sources.knative.dev/shop-adapter created (dry run)\n"+
		"poddisruptionbudget.policy/shop-adapter created (dry run)\n", "")
	cmdtest.Expect(t, f, "source|create|http|shop|--replicas|3|--cpu|250m:2|--memory|256Mi|--dry-run=client|-o|"+
		`jsonpath={.items[?(@.kind=="Deployment")].spec.replicas} {.items[?(@.kind=="Deployment")].spec.template.spec.containers[0].resources} `+
		`{.items[?(@.kind=="Deployment")].spec.template.spec.topologySpreadConstraints[0].whenUnsatisfiable} {.items[?(@.kind=="PodDisruptionBudget")].spec.maxUnavailable}`, 0,
		`3 {"limits":{"cpu":"2","memory":"256Mi"},"requests":{"cpu":"250m","memory":"256Mi"}} ScheduleAnyway 1`, "")
	cmdtest.Expect(t, f, "source|create|http|shop|--autoscale|2:6|--autoscale-cpu|70|--dry-run=client|-o|"+
		`jsonpath={.items[*].kind}/{.items[?(@.kind=="Deployment")].spec.replicas}/`+
		`{.items[?(@.kind=="HorizontalPodAutoscaler")].spec.minReplicas} {.items[?(@.kind=="HorizontalPodAutoscaler")].spec.maxReplicas} `+
		`{.items[?(@.kind=="HorizontalPodAutoscaler")].spec.metrics[0].resource.target.averageUtilization} {.items[?(@.kind=="HorizontalPodAutoscaler")].spec.scaleTargetRef.name}`, 0,
		"Namespace ServiceAccount Channel Deployment Service SinkBinding HorizontalPodAutoscaler PodDisruptionBudget//2 6 70 shop-adapter", "")
	// one replica at most: no budget (it would only block a drain)
	cmdtest.Expect(t, f, "source|create|http|shop|--autoscale|1:1|--dry-run=client|-o|jsonpath={.items[*].kind}", 0,
		"Namespace ServiceAccount Channel Deployment Service SinkBinding HorizontalPodAutoscaler", "")
	cmdtest.Expect(t, f, "wire|shop|--to|shop|--replicas|2|--dry-run=client|-o|jsonpath={.items[*].kind}", 0,
		"Namespace ServiceAccount Channel Deployment Service SinkBinding PodDisruptionBudget Broker Subscription", "")
}

// update http changes only the scaling: replicas add a budget, an autoscaler
// replaces the replicas, replicas again remove the autoscaler and (at one)
// the budget; the image and port stay as create made them; delete removes
// the autoscaler and budget with the rest.
func TestUpdateHTTPScale(t *testing.T) {
	f := cmdtest.NewFactory("demo")
	f.ServeApply()
	cmdtest.Expect(t, f, "source create http shop --image example.com/adapter:7 --port 9000 --legacy-events -o name", 0, ""+
		"namespace/kyma-integration\nserviceaccount/shop-adapter\nchannel.messaging.knative.dev/shop\n"+
		"deployment.apps/shop-adapter\nservice/shop-adapter\nsinkbinding.sources.knative.dev/shop-adapter\n", "")
	cmdtest.Expect(t, f, "source update http shop --replicas 3", 0, ""+
		"deployment.apps/shop-adapter configured\n"+
		"poddisruptionbudget.policy/shop-adapter created\n", "")
	dep := func() *unstructured.Unstructured {
		u, err := f.Dyn.Resource(deployments).Namespace(integration).Get(t.Context(), "shop-adapter", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	if n, _, _ := unstructured.NestedInt64(dep().Object, "spec", "replicas"); n != 3 {
		t.Fatalf("replicas %d, want 3", n)
	}
	cmdtest.Expect(t, f, "source update http shop --replicas 3", 0, ""+
		"deployment.apps/shop-adapter unchanged\n"+
		"poddisruptionbudget.policy/shop-adapter unchanged\n", "")
	cmdtest.Expect(t, f, "source update http shop --autoscale 2:5 --cpu 200m:1", 0, ""+
		"deployment.apps/shop-adapter configured\n"+
		"horizontalpodautoscaler.autoscaling/shop-adapter created\n"+
		"poddisruptionbudget.policy/shop-adapter unchanged\n", "")
	cmdtest.Expect(t, f, "source update http shop --autoscale-cpu 60 -o jsonpath={.items[1].spec.metrics[0].resource.target.averageUtilization}", 0, "60", "")
	cmdtest.Expect(t, f, "source describe shop", 0, ""+
		"Application:  shop\nNamespace:    kyma-integration\nReady:        False\nTokens:       none (takes events without a token)\nExposed:      no (in-cluster only; kubectl kymamesh source expose)\nObjects:\n"+
		"  KIND                      NAME           READY     REASON   DETAIL\n"+
		"  Channel                   shop           Unknown\n"+
		"  Deployment                shop-adapter   Unknown            replicas 0/1 ready\n"+
		"  Service                   shop-adapter   True               port 80 -> 9000\n"+
		"  SinkBinding               shop-adapter   Unknown\n"+
		"  HorizontalPodAutoscaler   shop-adapter   Unknown            replicas 0 (desired 0, min 2, max 5), cpu ?/60%\n"+
		"  PodDisruptionBudget       shop-adapter   True               maxUnavailable 1, disruptions allowed 0\n", "")
	got := dep()
	if img := got.Object["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)["image"]; img != "example.com/adapter:7" {
		t.Errorf("update changed the image to %v", img)
	}
	if !strings.Contains(fmt.Sprint(got.Object["spec"]), "LEGACY_EVENTS") {
		t.Errorf("update dropped LEGACY_EVENTS: %v", got.Object["spec"])
	}
	cmdtest.Expect(t, f, "source update http shop --replicas 1", 0, ""+
		"deployment.apps/shop-adapter configured\n"+
		"horizontalpodautoscaler.autoscaling/shop-adapter deleted\n"+
		"poddisruptionbudget.policy/shop-adapter deleted\n", "")
	cmdtest.Expect(t, f, "source update http shop --autoscale 1:4", 0, ""+
		"deployment.apps/shop-adapter configured\n"+
		"horizontalpodautoscaler.autoscaling/shop-adapter created\n"+
		"poddisruptionbudget.policy/shop-adapter created\n", "")
	cmdtest.Expect(t, f, "source delete shop", 0, ""+
		"poddisruptionbudget.policy/shop-adapter deleted\n"+
		"horizontalpodautoscaler.autoscaling/shop-adapter deleted\n"+
		"sinkbinding.sources.knative.dev/shop-adapter deleted\n"+
		"service/shop-adapter deleted\n"+
		"deployment.apps/shop-adapter deleted\n"+
		"channel.messaging.knative.dev/shop deleted\n"+
		"serviceaccount/shop-adapter deleted\n"+
		"namespace/kyma-integration deleted\n", "")
	cmdtest.Expect(t, f, "source update http shop --replicas 2", 1, "",
		`error: source "shop" not found in namespace "kyma-integration": create it with 'kubectl kymamesh source create http shop --integration-namespace kyma-integration'`+"\n")
}

// --autoscale-cpu alone changes an autoscaler there is; without one it says so.
func TestUpdateHTTPAutoscaleCPUNeedsAnAutoscaler(t *testing.T) {
	f := cmdtest.NewFactory("demo")
	f.ServeApply()
	cmdtest.Expect(t, f, "source create http shop -o name", 0, ""+
		"namespace/kyma-integration\nserviceaccount/shop-adapter\nchannel.messaging.knative.dev/shop\n"+
		"deployment.apps/shop-adapter\nservice/shop-adapter\nsinkbinding.sources.knative.dev/shop-adapter\n", "")
	cmdtest.Expect(t, f, "source update http shop --autoscale-cpu 50", 2, "", "error: --autoscale-cpu: needs --autoscale MIN:MAX\n")
}
