package wiring

import (
	corev1 "k8s.io/api/core/v1"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/typed"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/typed/typedfake"
)

func obj(apiVersion, kind, name, uid string, labels map[string]string, owners ...string) unstructured.Unstructured {
	var u unstructured.Unstructured
	u.SetAPIVersion(apiVersion)
	u.SetKind(kind)
	u.SetName(name)
	u.SetUID(types.UID(uid))
	u.SetLabels(labels)
	var refs []metav1.OwnerReference
	for _, o := range owners {
		refs = append(refs, metav1.OwnerReference{UID: types.UID(o), Name: o})
	}
	u.SetOwnerReferences(refs)
	return u
}

// What keeps a namespace the plugin made: everything that stays after the
// removal, followed through owner references, minus what Kubernetes puts in
// every namespace.
func TestForeignFollowsOwnersAndSkipsOnlyTheBuiltIns(t *testing.T) {
	ours := map[string]string{ManagedByLabel: ManagedByValue}
	objs := []unstructured.Unstructured{
		obj("apps/v1", "Deployment", "shop-adapter", "dep", ours),
		obj("apps/v1", "ReplicaSet", "shop-adapter-1", "rs", nil, "dep"),
		obj("v1", "Pod", "shop-adapter-1-x", "pod", nil, "rs"),
		obj("v1", "Service", "shop-adapter", "svc", ours),
		obj("v1", "Endpoints", "shop-adapter", "ep", nil),
		obj("messaging.knative.dev/v1", "Channel", "shop", "ch", ours),
		obj("messaging.knative.dev/v1", "InMemoryChannel", "shop", "imc", nil, "ch"),
		obj("v1", "ServiceAccount", "default", "sa", nil),
		obj("v1", "ConfigMap", "kube-root-ca.crt", "root", nil),
		obj("v1", "Pod", "orphan-of-a-gone-owner", "orphan", nil, "gone-owner"),
		obj("v1", "Secret", "users-secret", "sec", nil),
		obj("messaging.knative.dev/v1", "Channel", "default", "chdefault", nil),
		obj("eventing.knative.dev/v1", "Trigger", "made-by-kn", "trig", nil),
		obj("v1", "Pod", "of-a-users-job", "jobpod", nil, "job"),
		obj("batch/v1", "Job", "users-job", "job", nil),
		obj("v1", "Endpoints", "users-svc", "ep2", nil),
		obj("v1", "Service", "users-svc", "svc2", nil),
		obj("v1", "Secret", "deleted-this-run", "del", nil),
	}
	// What this removal deleted (the source, a Secret) goes; the plugin's
	// Service of another application stays.
	objs = append(objs, obj("v1", "Service", "other-adapter", "other", ours))
	got := foreign(objs, map[types.UID]bool{"del": true, "dep": true, "svc": true, "ch": true})
	wantList := []string{
		"channel.messaging.knative.dev/default", "job.batch/users-job",
		"secret/users-secret", "service/other-adapter", "service/users-svc", "trigger.eventing.knative.dev/made-by-kn",
	}
	if strings.Join(got, " ") != strings.Join(wantList, " ") {
		t.Fatalf("left behind:\n got %v\nwant %v", got, wantList)
	}
}

// disable keeps a Broker that a Trigger made by someone else still uses (and
// its channel template), names the Trigger, and deletes it with InUse.
func TestDisableKeepsABrokerInUse(t *testing.T) {
	ctx := t.Context()
	dyn := typedfake.New(namespace("shop", nil))
	kn := &typed.Eventing{Dyn: dyn}
	m := Mesh{Core: &typed.Core{Dyn: dyn}, Eventing: kn, Messaging: &typed.Messaging{Dyn: dyn}, Dynamic: dyn}
	if _, err := Enable(ctx, m, EnableSpec{Namespace: "shop", Broker: "default", Channel: "imc"}, DryRunNone); err != nil {
		t.Fatal(err)
	}
	trig := &knapi.Trigger{ObjectMeta: metav1.ObjectMeta{Name: "users", Namespace: "shop"},
		Spec: knapi.TriggerSpec{Broker: "default", Subscriber: duckv1.Destination{Ref: &duckv1.KReference{Kind: "Service", Name: "x"}}}}
	if _, err := kn.Triggers("shop").Create(ctx, trig, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, dry := range []DryRun{DryRunClient, DryRunNone} {
		changes, err := Disable(ctx, m, "shop", dry, DeleteOptions{})
		if err != nil || len(changes) != 2 || changes[0].Op != OpKept || changes[1].Op != OpKept {
			t.Fatalf("disable (%v): want the broker and its template kept, got %+v %v", dry, changes, err)
		}
		if !strings.Contains(changes[0].Reason, "trigger/users") || !strings.Contains(changes[0].Reason, "--delete-in-use") {
			t.Fatalf("the reason should name the trigger and the flag: %q", changes[0].Reason)
		}
	}
	if _, err := kn.Brokers("shop").Get(ctx, "default", metav1.GetOptions{}); err != nil {
		t.Fatalf("the broker in use is gone: %v", err)
	}
	changes, err := Disable(ctx, m, "shop", DryRunNone, DeleteOptions{InUse: true})
	if err != nil || len(changes) != 2 || changes[0].Op != OpDeleted || changes[1].Op != OpDeleted {
		t.Fatalf("disable --delete-in-use: %+v %v", changes, err)
	}
}

// A reference counts wherever it sits in a spec, with its namespace or the
// referring object's own.
func TestRefersToFindsAReferenceAnywhereInASpec(t *testing.T) {
	spec := map[string]any{"delivery": map[string]any{"deadLetterSink": map[string]any{"ref": map[string]any{"kind": "Broker", "name": "default", "namespace": "shop"}}}}
	if !refersTo(spec, "Broker", "default", "shop", "other") {
		t.Error("a dead-letter sink naming the Broker's namespace")
	}
	steps := map[string]any{"steps": []any{map[string]any{"ref": map[string]any{"kind": "Broker", "name": "default"}}}}
	if !refersTo(steps, "Broker", "default", "shop", "shop") || refersTo(steps, "Broker", "default", "shop", "other") {
		t.Error("a reference without a namespace is to the referring object's own")
	}
	if refersTo(spec, "Channel", "default", "shop", "shop") || refersTo(spec, "Broker", "other", "shop", "shop") {
		t.Error("another kind or name is not a reference")
	}
}

// Names YAML reads as something else (null, true, on) stay the names given.
func TestYAMLishNamesStayNames(t *testing.T) {
	for _, app := range []string{"null", "true", "y", "on"} {
		objs, err := BuildHTTPSource(HTTPSourceSpec{App: app, Namespace: "off", Image: "example.com/a:1", Port: 8080})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			if o.GetNamespace() != "off" || (o.GetName() != app && o.GetName() != app+"-adapter") {
				t.Errorf("app %q: %s named %q in namespace %q", app, o.GetKind(), o.GetName(), o.GetNamespace())
			}
		}
	}
}

// enable ns --channel neither uses nor changes a ConfigMap of the template's
// name that someone else made, and says so before making the Broker.
func TestEnableLeavesOthersConfigMapOfTheTemplatesName(t *testing.T) {
	ctx := t.Context()
	theirs := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: ConfigMapName("default"), Namespace: "shop"}, Data: map[string]string{"k": "v"}}
	dyn := typedfake.New(namespace("shop", nil), theirs)
	m := Mesh{Core: &typed.Core{Dyn: dyn}, Eventing: &typed.Eventing{Dyn: dyn}, Messaging: &typed.Messaging{Dyn: dyn}, Dynamic: dyn}
	_, err := Enable(ctx, m, EnableSpec{Namespace: "shop", Broker: "default", Channel: "imc"}, DryRunNone)
	if err == nil || !strings.Contains(err.Error(), `configmap "default-kymamesh-channel" in namespace "shop" exists and was not made by kubectl-kymamesh`) {
		t.Fatalf("want a refusal naming the ConfigMap, got %v", err)
	}
	if l, _ := m.Eventing.Brokers("shop").List(ctx, metav1.ListOptions{}); len(l.Items) != 0 {
		t.Fatalf("a Broker was made: %+v", l.Items)
	}
	got, _ := m.Core.ConfigMaps("shop").Get(ctx, ConfigMapName("default"), metav1.GetOptions{})
	if len(got.Data) != 1 || got.Data["k"] != "v" {
		t.Fatalf("their ConfigMap was changed: %+v", got.Data)
	}
}
