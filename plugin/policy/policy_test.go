package policy_test

import (
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
)

var eventPolicies = schema.GroupVersionResource{Group: "eventing.knative.dev", Version: "v1alpha1", Resource: "eventpolicies"}

// allow creates APP-to-BROKER in the --to namespace, taking events from the
// application's Subscription APP-to-NAMESPACE in the integration namespace.
func TestAllowCreatesThePolicy(t *testing.T) {
	f := cmdtest.NewFactory("shop") // -n, which allow does not take
	cmdtest.Expect(t, f, "policy allow crm --to shop", 0, "eventpolicy.eventing.knative.dev/crm-to-default created\n", "")
	cmdtest.Expect(t, f, "policy allow erp --to shop --broker b2 --integration-namespace apps -o name", 0, "eventpolicy.eventing.knative.dev/erp-to-b2\n", "")
	cmdtest.Expect(t, f, "policy list", 0, ""+
		"NAME             TO               FROM                                        READY     REASON   AGE\n"+
		"crm-to-default   broker:default   subscription:kyma-integration/crm-to-shop   Unknown            <unknown>\n"+
		"erp-to-b2        broker:b2        subscription:apps/erp-to-shop               Unknown            <unknown>\n", "")
	// An existing policy of that name is not changed: the create fails.
	cmdtest.Expect(t, f, "policy allow crm --to shop", 1, "",
		`error: policy "crm-to-default" already exists in namespace "shop": eventpolicies.eventing.knative.dev "crm-to-default" already exists`+"\n")
	p, err := f.Dyn.Resource(eventPolicies).Namespace("shop").Get(t.Context(), "erp-to-b2", metav1.GetOptions{})
	if err != nil || p.GetLabels()["app.kubernetes.io/managed-by"] != "kubectl-kymamesh" || p.GetLabels()["kymamesh.kyma-project.io/application"] != "erp" {
		t.Fatalf("the policy is not marked as the plugin's and the application's: %v %v", err, p)
	}
}

// A client dry run prints the policy it would create and needs no cluster.
func TestAllowClientDryRun(t *testing.T) {
	f := cmdtest.NewFactory("default")
	f.NoCluster = true
	cmdtest.Expect(t, f, "policy allow crm --to shop --dry-run=client", 0, "eventpolicy.eventing.knative.dev/crm-to-default created (dry run)\n", "")
	cmdtest.Expect(t, f, "policy allow crm --to shop --dry-run=client -o yaml", 0, ""+
		"apiVersion: eventing.knative.dev/v1alpha1\n"+
		"kind: EventPolicy\n"+
		"metadata:\n"+
		"  creationTimestamp: null\n"+
		"  labels:\n"+
		"    app.kubernetes.io/managed-by: kubectl-kymamesh\n"+
		"    kymamesh.kyma-project.io/application: crm\n"+
		"  name: crm-to-default\n"+
		"  namespace: shop\n"+
		"spec:\n"+
		"  from:\n"+
		"  - ref:\n"+
		"      apiVersion: messaging.knative.dev/v1\n"+
		"      kind: Subscription\n"+
		"      name: crm-to-shop\n"+
		"      namespace: kyma-integration\n"+
		"  to:\n"+
		"  - ref:\n"+
		"      apiVersion: eventing.knative.dev/v1\n"+
		"      kind: Broker\n"+
		"      name: default\n"+
		"status: {}\n", "")
	cmdtest.Expect(t, f, "policy allow crm --to shop --broker b2 --integration-namespace apps --dry-run=client -o jsonpath={.spec}", 0,
		`{"from":[{"ref":{"apiVersion":"messaging.knative.dev/v1","kind":"Subscription","name":"crm-to-shop","namespace":"apps"}}],`+
			`"to":[{"ref":{"apiVersion":"eventing.knative.dev/v1","kind":"Broker","name":"b2"}}]}`, "")
}

// Knative refuses EventPolicies while its OIDC authentication is off: the
// message says how to turn it on, with Knative's own words after it.
func TestAllowNamesTheOIDCFeature(t *testing.T) {
	f := cmdtest.NewFactory("default")
	f.Dyn.PrependReactor("create", "eventpolicies", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewBadRequest(`admission webhook "validation.webhook.eventing.knative.dev" denied the request: validation failed: oidc-authentication feature not enabled`)
	})
	cmdtest.Expect(t, f, "policy allow crm --to shop", 1, "",
		`error: EventPolicies are refused by Knative while its OIDC authentication is off; turn it on with: `+
			`kubectl -n knative-eventing patch configmap config-features -p '{"data":{"authentication-oidc":"enabled"}}' `+
			`(admission webhook "validation.webhook.eventing.knative.dev" denied the request: validation failed: oidc-authentication feature not enabled)`+"\n")
	// Any other refusal is the API's answer, naming the object.
	f = cmdtest.NewFactory("default")
	f.Dyn.PrependReactor("create", "eventpolicies", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(eventPolicies.GroupResource(), "crm-to-default", nil)
	})
	r := cmdtest.Run(t.Context(), f, "", "policy", "allow", "crm", "--to", "shop")
	if r.Code != 1 || r.Stdout != "" || !strings.HasPrefix(r.Stderr, `error: `) || !strings.Contains(r.Stderr, `"crm-to-default"`) || !strings.Contains(r.Stderr, "forbidden") {
		t.Fatalf("a forbidden create: %+v", r)
	}
}

// list and describe show to whom a policy applies and from whom: a policy
// without a "to" applies to everything in its namespace; a sender may be an
// OIDC subject.
func TestListAndDescribeShowToAndFrom(t *testing.T) {
	sub := "system:serviceaccount:apps:sender"
	open := &knapi.EventPolicy{ObjectMeta: metav1.ObjectMeta{Name: "open", Namespace: "shop"},
		Spec: knapi.EventPolicySpec{From: []knapi.EventPolicySpecFrom{{Sub: &sub},
			{Ref: &knapi.EventPolicyFromReference{Kind: "PingSource", Name: "tick", Namespace: "apps"}}}}}
	two := &knapi.EventPolicy{ObjectMeta: metav1.ObjectMeta{Name: "two", Namespace: "shop"},
		Spec: knapi.EventPolicySpec{To: []knapi.EventPolicySpecTo{
			{Ref: &knapi.EventPolicyToReference{Kind: "Broker", Name: "default"}},
			{Selector: &knapi.EventPolicySelector{}},
			{Ref: &knapi.EventPolicyToReference{Kind: "Channel", Name: "c"}}}}}
	f := cmdtest.NewFactory("shop", open, two)
	cmdtest.Expect(t, f, "policy list", 0, ""+
		"NAME   TO                            FROM                                                     READY     REASON   AGE\n"+
		"open   everything in the namespace   system:serviceaccount:apps:sender,pingsource:apps/tick   Unknown            <unknown>\n"+
		"two    broker:default,channel:c                                                               Unknown            <unknown>\n", "")
	cmdtest.Expect(t, f, "policy describe open", 0, ""+
		"Name:       open\n"+
		"Namespace:  shop\n"+
		"Age:        <unknown>\n"+
		"To:         everything in the namespace\n"+
		"From:       system:serviceaccount:apps:sender,pingsource:apps/tick\n"+
		"Conditions:  <none>\n", "")
	cmdtest.Expect(t, f, "policy list -o name", 0, "eventpolicy.eventing.knative.dev/open\neventpolicy.eventing.knative.dev/two\n", "")
	cmdtest.Expect(t, f, "policy delete open two", 0, "eventpolicy.eventing.knative.dev/open deleted\neventpolicy.eventing.knative.dev/two deleted\n", "")
	cmdtest.Expect(t, f, "policy list", 0, "", "No policies found in namespace \"shop\".\n")
	cmdtest.Expect(t, f, "policy describe open", 1, "",
		`error: policy "open" not found in namespace "shop": eventpolicies.eventing.knative.dev "open" not found`+"\n")
}
