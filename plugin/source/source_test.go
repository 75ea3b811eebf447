package source_test

import (
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
)

const integration = "kyma-integration"

// sourceObjects is what "source create http APP" makes in the integration
// namespace, as wiring builds it.
func sourceObjects(t *testing.T, app string) []runtime.Object {
	t.Helper()
	objs, err := wiring.BuildHTTPSource(wiring.HTTPSourceSpec{App: app, Namespace: integration, Port: 8080, Image: "example.com/adapter:1"})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]runtime.Object, len(objs))
	for i, o := range objs {
		// The fake assigns no UIDs, and removals tell objects apart by theirs.
		o.SetUID(types.UID(o.GetKind() + "/" + o.GetName()))
		out[i] = o
	}
	return out
}

var (
	deployments  = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
	channels     = schema.GroupVersionResource{Group: "messaging.knative.dev", Version: "v1", Resource: "channels"}
	sinkbindings = schema.GroupVersionResource{Group: "sources.knative.dev", Version: "v1", Resource: "sinkbindings"}
)

// makeReady gives an application's Deployment, Channel and SinkBinding the
// status their controllers would: available, addressable, bound.
func makeReady(t *testing.T, f *cmdtest.Factory, app string) {
	t.Helper()
	set := func(gvr schema.GroupVersionResource, name, cond string, fields map[string]string) {
		c := f.Dyn.Resource(gvr).Namespace(integration)
		u, err := c.Get(t.Context(), name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		status := map[string]any{"conditions": []any{map[string]any{"type": cond, "status": "True"}}}
		for path, v := range fields {
			if err := unstructured.SetNestedField(status, v, strings.Split(path, ".")...); err != nil {
				t.Fatal(err)
			}
		}
		if gvr == deployments {
			status["readyReplicas"], status["replicas"] = int64(1), int64(1)
		}
		u.Object["status"] = status
		if _, err := c.Update(t.Context(), u, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	set(deployments, app+"-adapter", "Available", nil)
	set(channels, app, "Ready", map[string]string{"address.url": "http://" + app + "-kn-channel." + integration + ".svc.cluster.local"})
	set(sinkbindings, app+"-adapter", "Ready", map[string]string{"sinkUri": "http://" + app + "-kn-channel." + integration + ".svc.cluster.local"})
}

// create http applies the source (making the integration namespace, marked
// as the plugin's, when it is missing), and re-running it changes nothing;
// a changed setting reconfigures only the objects it is in.
func TestCreateHTTPAppliesAndConverges(t *testing.T) {
	f := cmdtest.NewFactory("demo")
	f.ServeApply()
	cmdtest.Expect(t, f, "source create http shop", 0, ""+
		"namespace/kyma-integration created\n"+
		"serviceaccount/shop-adapter created\n"+
		"channel.messaging.knative.dev/shop created\n"+
		"deployment.apps/shop-adapter created\n"+
		"service/shop-adapter created\n"+
		"sinkbinding.sources.knative.dev/shop-adapter created\n", "")
	ns, err := f.CoreClient().Namespaces().Get(t.Context(), integration, metav1.GetOptions{})
	if err != nil || ns.Labels[wiring.CreatedByLabel] != "kubectl-kymamesh" {
		t.Fatalf("the integration namespace the source made is not marked as the plugin's: %v %v", err, ns)
	}
	cmdtest.Expect(t, f, "source create http shop", 0, ""+
		"serviceaccount/shop-adapter unchanged\n"+
		"channel.messaging.knative.dev/shop unchanged\n"+
		"deployment.apps/shop-adapter unchanged\n"+
		"service/shop-adapter unchanged\n"+
		"sinkbinding.sources.knative.dev/shop-adapter unchanged\n", "")
	cmdtest.Expect(t, f, "source create http shop --port 9090", 0, ""+
		"serviceaccount/shop-adapter unchanged\n"+
		"channel.messaging.knative.dev/shop unchanged\n"+
		"deployment.apps/shop-adapter configured\n"+
		"service/shop-adapter configured\n"+
		"sinkbinding.sources.knative.dev/shop-adapter unchanged\n", "")
	cmdtest.Expect(t, f, "source create http shop -o name", 0, ""+
		"serviceaccount/shop-adapter\n"+
		"channel.messaging.knative.dev/shop\n"+
		"deployment.apps/shop-adapter\n"+
		"service/shop-adapter\n"+
		"sinkbinding.sources.knative.dev/shop-adapter\n", "")
	r := cmdtest.Run(t.Context(), f, "", "source", "create", "http", "shop", "-o", "jsonpath={.items[*].kind}")
	if r.Code != 0 || r.Stdout != "ServiceAccount Channel Deployment Service SinkBinding" || r.Stderr != "" {
		t.Fatalf("source create http -o jsonpath over the applied objects: %+v", r)
	}
}

// A client dry run prints every object it would apply, the integration
// namespace first, and needs no cluster at all.
func TestCreateHTTPClientDryRun(t *testing.T) {
	f := cmdtest.NewFactory("demo")
	f.NoCluster = true
	cmdtest.Expect(t, f, "source create http shop --dry-run=client", 0, ""+
		"namespace/kyma-integration created (dry run)\n"+
		"serviceaccount/shop-adapter created (dry run)\n"+
		"channel.messaging.knative.dev/shop created (dry run)\n"+
		"deployment.apps/shop-adapter created (dry run)\n"+
		"service/shop-adapter created (dry run)\n"+
		"sinkbinding.sources.knative.dev/shop-adapter created (dry run)\n", "")
	cmdtest.Expect(t, f, "source|create|http|shop|--integration-namespace|apps|--port|9090|--channel|kafka|--dry-run=client|-o|"+
		`jsonpath={.items[?(@.kind=="Service")].spec.ports[0].targetPort} {.items[?(@.kind=="Channel")].spec.channelTemplate.kind} {.items[*].metadata.namespace}`, 0,
		"9090 KafkaChannel apps apps apps apps apps", "")
	r := cmdtest.Run(t.Context(), f, "", "source", "create", "http", "shop", "--image", "registry.example.com/adapter:v2", "--dry-run=client", "-o", "yaml")
	if r.Code != 0 || r.Stderr != "" || !strings.HasPrefix(r.Stdout, "apiVersion: v1\nitems:\n") || !strings.Contains(r.Stdout, "image: registry.example.com/adapter:v2\n") {
		t.Fatalf("source create http --dry-run=client -o yaml: want one List holding the adapter image, got %+v", r)
	}
}

// An object of the source's name that the plugin did not make for the
// application is never applied over: the command says whose it is not, and
// nothing at all is applied.
func TestCreateHTTPLeavesOthersObjectsAlone(t *testing.T) {
	theirs := &knapi.Channel{ObjectMeta: metav1.ObjectMeta{Name: "shop", Namespace: integration}}
	f := cmdtest.NewFactory("demo", theirs, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: integration}})
	f.ServeApply()
	cmdtest.Expect(t, f, "source create http shop", 1, "",
		`error: channel "shop" in namespace "kyma-integration" exists and was not made by kubectl-kymamesh for application "shop": nothing was applied; `+
			"choose another application name, or another --integration-namespace\n")
	for _, a := range f.Dyn.Actions() {
		if a.GetVerb() != "get" {
			t.Errorf("a refused create sent %s %s", a.GetVerb(), a.GetResource().Resource)
		}
	}
}

// --wait waits for the adapter, its Channel and its SinkBinding: what was
// applied is printed first; a source that does not become ready is shown
// object by object on stderr, with the error.
func TestCreateHTTPWait(t *testing.T) {
	f := cmdtest.NewFactory("demo", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: integration}})
	f.ServeApply()
	cmdtest.Expect(t, f, "source create http shop --wait --wait-timeout 50ms", 1, ""+
		"serviceaccount/shop-adapter created\n"+
		"channel.messaging.knative.dev/shop created\n"+
		"deployment.apps/shop-adapter created\n"+
		"service/shop-adapter created\n"+
		"sinkbinding.sources.knative.dev/shop-adapter created\n", ""+
		"KIND          NAME           READY     REASON   DETAIL\n"+
		"Channel       shop           Unknown\n"+
		"Deployment    shop-adapter   Unknown            replicas 0/1 ready\n"+
		"Service       shop-adapter   True               port 80 -> 8080\n"+
		"SinkBinding   shop-adapter   Unknown\n"+
		`error: source "shop" in namespace "kyma-integration" is not ready after 50ms`+"\n")
	makeReady(t, f, "shop")
	cmdtest.Expect(t, f, "source create http shop --wait --wait-timeout 5s -o name", 0, ""+
		"serviceaccount/shop-adapter\n"+
		"channel.messaging.knative.dev/shop\n"+
		"deployment.apps/shop-adapter\n"+
		"service/shop-adapter\n"+
		"sinkbinding.sources.knative.dev/shop-adapter\n",
		`source "shop" in namespace "kyma-integration" is ready`+"\n")
}

// list shows one line per application, with its Channel's address and the
// sink its SinkBinding gave the adapter; -A adds the namespace; -o json|yaml
// the objects' readiness; an empty list says so on stderr only.
func TestListSources(t *testing.T) {
	objs := append(sourceObjects(t, "shop"), sourceObjects(t, "crm")...)
	f := cmdtest.NewFactory("demo", objs...)
	makeReady(t, f, "shop")
	const shopChannel = "http://shop-kn-channel.kyma-integration.svc.cluster.local"
	cmdtest.Expect(t, f, "source list", 0, ""+
		"APP    READY   CHANNEL                                                     SINK\n"+
		"crm    False\n"+
		"shop   True    "+shopChannel+"   K_SINK="+shopChannel+"\n", "")
	cmdtest.Expect(t, f, "source ls -A --no-headers", 0, ""+
		"kyma-integration   crm    False\n"+
		"kyma-integration   shop   True    "+shopChannel+"   K_SINK="+shopChannel+"\n", "")
	cmdtest.Expect(t, f, "source list -l kymamesh.kyma-project.io/application=crm -o json", 0,
		`{"items":[{"app":"crm","namespace":"kyma-integration","objects":[`+
			`{"kind":"Channel","name":"crm","found":true,"ready":"Unknown"},`+
			`{"kind":"Deployment","name":"crm-adapter","found":true,"ready":"Unknown","detail":"replicas 0/1 ready"},`+
			`{"kind":"Service","name":"crm-adapter","found":true,"ready":"True","detail":"port 80 -\u003e 8080"},`+
			`{"kind":"SinkBinding","name":"crm-adapter","found":true,"ready":"Unknown"}],"ready":false}]}`+"\n", "")
	cmdtest.Expect(t, f, "source list -l kymamesh.kyma-project.io/application=shop -o yaml", 0, ""+
		"items:\n"+
		"- app: shop\n"+
		"  namespace: kyma-integration\n"+
		"  objects:\n"+
		"  - detail: "+shopChannel+"\n"+
		"    found: true\n"+
		"    kind: Channel\n"+
		"    name: shop\n"+
		"    ready: \"True\"\n"+
		"  - detail: replicas 1/1 ready\n"+
		"    found: true\n"+
		"    kind: Deployment\n"+
		"    name: shop-adapter\n"+
		"    ready: \"True\"\n"+
		"  - detail: port 80 -> 8080\n"+
		"    found: true\n"+
		"    kind: Service\n"+
		"    name: shop-adapter\n"+
		"    ready: \"True\"\n"+
		"  - detail: K_SINK="+shopChannel+"\n"+
		"    found: true\n"+
		"    kind: SinkBinding\n"+
		"    name: shop-adapter\n"+
		"    ready: \"True\"\n"+
		"  ready: true\n", "")
	cmdtest.Expect(t, f, "source list --integration-namespace other", 0, "", "No sources found in namespace \"other\".\n")
	cmdtest.Expect(t, f, "source list -A -l app=none", 0, "", "No sources found.\n")
	cmdtest.Expect(t, f, "source list --integration-namespace other -o json", 0, "{\"items\":[]}\n", "")
}

// A source with an object missing is listed as not ready, not left out.
func TestListNamesAnIncompleteSource(t *testing.T) {
	var objs []runtime.Object
	for _, o := range sourceObjects(t, "shop") {
		if o.(*unstructured.Unstructured).GetKind() != "Deployment" {
			objs = append(objs, o)
		}
	}
	f := cmdtest.NewFactory("demo", objs...)
	cmdtest.Expect(t, f, "source list", 0, "APP    READY   CHANNEL   SINK\nshop   False\n", "")
	cmdtest.Expect(t, f, "source list -o json", 0,
		`{"items":[{"app":"shop","namespace":"kyma-integration","objects":[`+
			`{"kind":"Channel","name":"shop","found":true,"ready":"Unknown"},`+
			`{"kind":"Service","name":"shop-adapter","found":true,"ready":"True","detail":"port 80 -\u003e 8080"},`+
			`{"kind":"SinkBinding","name":"shop-adapter","found":true,"ready":"Unknown"},`+
			`{"kind":"incomplete","name":"","found":false,"ready":"False","reason":"NotFound"}],"ready":false}]}`+"\n", "")
	// describe looks for the adapter Deployment by name: without it there is no source.
	cmdtest.Expect(t, f, "source describe shop", 1, "", `error: source "shop" not found in namespace "kyma-integration"`+"\n")
}

// describe shows each object of the source with its readiness; -o json|yaml
// the same as data; an application without an adapter is not found.
func TestDescribeSource(t *testing.T) {
	f := cmdtest.NewFactory("demo", sourceObjects(t, "shop")...)
	cmdtest.Expect(t, f, "source describe shop", 0, ""+
		"Application:  shop\n"+
		"Namespace:    kyma-integration\n"+
		"Ready:        False\n"+
		"Tokens:       none (takes events without a token)\n"+
		"Exposed:      no (in-cluster only; kubectl kymamesh source expose)\n"+
		"Objects:\n"+
		"  KIND          NAME           READY     REASON   DETAIL\n"+
		"  Channel       shop           Unknown\n"+
		"  Deployment    shop-adapter   Unknown            replicas 0/1 ready\n"+
		"  Service       shop-adapter   True               port 80 -> 8080\n"+
		"  SinkBinding   shop-adapter   Unknown\n", "")
	makeReady(t, f, "shop")
	const shopChannel = "http://shop-kn-channel.kyma-integration.svc.cluster.local"
	cmdtest.Expect(t, f, "source describe shop", 0, ""+
		"Application:  shop\n"+
		"Namespace:    kyma-integration\n"+
		"Ready:        True\n"+
		"Tokens:       none (takes events without a token)\n"+
		"Exposed:      no (in-cluster only; kubectl kymamesh source expose)\n"+
		"Objects:\n"+
		"  KIND          NAME           READY   REASON   DETAIL\n"+
		"  Channel       shop           True             "+shopChannel+"\n"+
		"  Deployment    shop-adapter   True             replicas 1/1 ready\n"+
		"  Service       shop-adapter   True             port 80 -> 8080\n"+
		"  SinkBinding   shop-adapter   True             K_SINK="+shopChannel+"\n", "")
	cmdtest.Expect(t, f, "source describe shop -o json", 0,
		`{"app":"shop","namespace":"kyma-integration","objects":[`+
			`{"kind":"Channel","name":"shop","found":true,"ready":"True","detail":"`+shopChannel+`"},`+
			`{"kind":"Deployment","name":"shop-adapter","found":true,"ready":"True","detail":"replicas 1/1 ready"},`+
			`{"kind":"Service","name":"shop-adapter","found":true,"ready":"True","detail":"port 80 -\u003e 8080"},`+
			`{"kind":"SinkBinding","name":"shop-adapter","found":true,"ready":"True","detail":"K_SINK=`+shopChannel+`"}],"ready":true,"credentials":{"required":"False","validTokens":0}}`+"\n", "")
	cmdtest.Expect(t, f, "source describe crm", 1, "", `error: source "crm" not found in namespace "kyma-integration"`+"\n")
	cmdtest.Expect(t, f, "source describe shop --integration-namespace apps", 1, "", `error: source "shop" not found in namespace "apps"`+"\n")
}

// delete removes the source's objects in reverse apply order; a client dry
// run only says what it would delete; the integration namespace goes too
// when the plugin made it and nothing else is left in it.
func TestDeleteSource(t *testing.T) {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: integration,
		Labels: map[string]string{wiring.ManagedByLabel: wiring.ManagedByValue, wiring.CreatedByLabel: "kubectl-kymamesh"}}}
	f := cmdtest.NewFactory("demo", append(sourceObjects(t, "shop"), ns)...)
	deleted := "" +
		"sinkbinding.sources.knative.dev/shop-adapter deleted%[1]s\n" +
		"service/shop-adapter deleted%[1]s\n" +
		"deployment.apps/shop-adapter deleted%[1]s\n" +
		"channel.messaging.knative.dev/shop deleted%[1]s\n" +
		"serviceaccount/shop-adapter deleted%[1]s\n" +
		"namespace/kyma-integration deleted%[1]s\n"
	cmdtest.Expect(t, f, "source delete shop --dry-run=client", 0, fmt.Sprintf(deleted, " (dry run)"), "")
	for _, a := range f.Dyn.Actions() {
		if v := a.GetVerb(); v != "get" && v != "list" {
			t.Errorf("a client dry run sent %s %s", v, a.GetResource().Resource)
		}
	}
	cmdtest.Expect(t, f, "source delete shop -o name", 0, ""+
		"sinkbinding.sources.knative.dev/shop-adapter\n"+
		"service/shop-adapter\n"+
		"deployment.apps/shop-adapter\n"+
		"channel.messaging.knative.dev/shop\n"+
		"serviceaccount/shop-adapter\n"+
		"namespace/kyma-integration\n", "")
	if _, err := f.Dyn.Resource(deployments).Namespace(integration).Get(t.Context(), "shop-adapter", metav1.GetOptions{}); err == nil {
		t.Fatal("the adapter Deployment is still there")
	}
	cmdtest.Expect(t, f, "source delete shop", 1, "", `error: source "shop" not found in namespace "kyma-integration"`+"\n")
}

// A source whose Channel has a Subscription is kept whole, said so with the
// user, and the command fails; --delete-in-use deletes it anyway. Objects of
// the source's names that the plugin did not make are not touched.
func TestDeleteKeepsASourceInUse(t *testing.T) {
	sub := &knapi.Subscription{ObjectMeta: metav1.ObjectMeta{Name: "shop-to-orders", Namespace: integration, UID: "subscription"},
		Spec: knapi.SubscriptionSpec{Channel: duckv1.KReference{APIVersion: "messaging.knative.dev/v1", Kind: "Channel", Name: "shop"},
			Subscriber: &duckv1.Destination{Ref: &duckv1.KReference{Kind: "Broker", Name: "default", Namespace: "orders"}}}}
	theirs := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "crm-adapter", Namespace: integration}}
	f := cmdtest.NewFactory("demo", append(sourceObjects(t, "shop"), sub, theirs)...)
	cmdtest.Expect(t, f, "source delete shop", 1,
		"channel.messaging.knative.dev/shop kept: used by subscription/shop-to-orders; the application's adapter is kept with it; add --delete-in-use to delete them anyway\n",
		`error: source "shop" in namespace "kyma-integration" is in use; nothing was deleted`+"\n")
	cmdtest.Expect(t, f, "source delete shop --delete-in-use", 0, ""+
		"sinkbinding.sources.knative.dev/shop-adapter deleted\n"+
		"service/shop-adapter deleted\n"+
		"deployment.apps/shop-adapter deleted\n"+
		"channel.messaging.knative.dev/shop deleted\n"+
		"serviceaccount/shop-adapter deleted\n", "")
	cmdtest.Expect(t, f, "source delete crm", 1, "", `error: source "crm" not found in namespace "kyma-integration"`+"\n")
	if _, err := f.Dyn.Resource(schema.GroupVersionResource{Version: "v1", Resource: "serviceaccounts"}).Namespace(integration).Get(t.Context(), "crm-adapter", metav1.GetOptions{}); err != nil {
		t.Fatalf("a ServiceAccount the plugin did not make was deleted: %v", err)
	}
}
