//go:build e2e

package e2e

import (
	"strings"
	"testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/test/testbed"
)

// On a shared cluster wire never takes over an object of the same name that
// another team made (it would mark it as its own, and unwire would delete it):
// it stops before applying anything, and the object stays as it was.
func TestWireRefusesOthersObjectsOfTheSameName(t *testing.T) {
	integration, user := testbed.Namespace(t), testbed.Namespace(t)
	applyYAML(t, `apiVersion: messaging.knative.dev/v1
kind: Channel
metadata: {name: billing, namespace: `+integration+`, labels: {owner: team-x}}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: orders-adapter, namespace: `+integration+`, labels: {owner: team-y}}
`)
	for app, kind := range map[string]string{"billing": `channel "billing"`, "orders": `serviceaccount "orders-adapter"`} {
		r := km(t, "wire", app, "--to", user, "--integration-namespace", integration)
		wantExit(t, r, 1, kind+" in namespace \""+integration+"\" exists and was not made by kubectl-kymamesh")
		if r.Stdout != "" || !notFound(t, "deployment", app+"-adapter", "-n", integration) {
			t.Fatalf("wire %s applied something before stopping: %s", app, r)
		}
	}
	ch := getJSON(t, "get", "channels.messaging.knative.dev", "billing", "-n", integration)
	if labels := field(ch, "metadata", "labels").(map[string]any); len(labels) != 1 || labels["owner"] != "team-x" {
		t.Fatalf("team-x's Channel was changed: %v", labels)
	}
}

// unwire keeps a Broker that objects in other namespaces use: a Trigger whose
// subscriber is the Broker, a SinkBinding sinking to it, another Broker's
// dead-letter sink.
func TestUnwireKeepsABrokerUsedFromOtherNamespaces(t *testing.T) {
	integration, user, other := testbed.Namespace(t), testbed.Namespace(t), testbed.Namespace(t)
	mustKM(t, "wire", "far", "--to", user, "--integration-namespace", integration)
	applyYAML(t, `apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata: {name: forward, namespace: `+other+`}
spec:
  broker: default
  subscriber: {ref: {apiVersion: eventing.knative.dev/v1, kind: Broker, name: default, namespace: `+user+`}}
---
apiVersion: sources.knative.dev/v1
kind: SinkBinding
metadata: {name: binds, namespace: `+other+`}
spec:
  subject: {apiVersion: apps/v1, kind: Deployment, name: nothing}
  sink: {ref: {apiVersion: eventing.knative.dev/v1, kind: Broker, name: default, namespace: `+user+`}}
`)
	r := mustKM(t, "unwire", "far", "--from", user, "--integration-namespace", integration)
	for _, want := range []string{"broker.eventing.knative.dev/default kept: used by ", "trigger/forward in namespace " + other, "sinkbinding/binds in namespace " + other} {
		if !strings.Contains(r.Stdout, want) {
			t.Fatalf("unwire should keep the Broker and name %q: %s", want, r)
		}
	}
	if got := getJSON(t, "get", "brokers.eventing.knative.dev", "default", "-n", user); field(got, "metadata", "deletionTimestamp") != nil {
		t.Fatal("the Broker in use is being deleted")
	}
}

// wire stops before applying anything when its Trigger is on another Broker
// than --broker (Knative keeps a Trigger's broker), and removes a filter
// attribute another tool added only with --force-conflicts.
func TestWireTriggerChangesItCannotOrMayNotMake(t *testing.T) {
	integration, user := testbed.Namespace(t), testbed.Namespace(t)
	base := []string{"wire", "tw", "--to", user, "--integration-namespace", integration, "--trigger", "t1", "--filter", "type=y", "--sink", "http://example.invalid/"}
	mustKM(t, base...)
	r := km(t, append(base, "--broker", "b2")...)
	wantExit(t, r, 1, `trigger "t1" in namespace "`+user+`" is on broker "default"`)
	if r.Stdout != "" || !notFound(t, "brokers.eventing.knative.dev", "b2", "-n", user) {
		t.Fatalf("wire --broker b2 applied something before stopping: %s", r)
	}
	testbed.MustKubectl(t, "patch", "triggers.eventing.knative.dev", "t1", "-n", user, "--type=merge", "-p", `{"spec":{"filter":{"attributes":{"extra":"1"}}}}`)
	r = km(t, base...)
	wantExit(t, r, 1, `spec.filter.attributes.extra is managed by "kubectl-patch"`)
	if r := mustKM(t, append(base, "--force-conflicts")...); !strings.Contains(r.Stdout, "trigger.eventing.knative.dev/t1 configured\n") {
		t.Fatalf("--force-conflicts should remove the extra attribute: %s", r)
	}
	attrs := field(getJSON(t, "get", "triggers.eventing.knative.dev", "t1", "-n", user), "spec", "filter", "attributes").(map[string]any)
	if len(attrs) != 1 || attrs["type"] != "y" {
		t.Fatalf("filter after --force-conflicts: %v", attrs)
	}
}

// Names YAML would read as something else (null, true, on) stay names; and
// source delete removes the integration namespace it made once it is empty.
func TestYAMLishNamesAndSourceDeleteRemovesItsNamespace(t *testing.T) {
	integration := missingNamespace(t, "yaml")
	r := mustKM(t, "source", "create", "http", "null", "--integration-namespace", integration)
	if !strings.Contains(r.Stdout, "channel.messaging.knative.dev/null created") {
		t.Fatalf("source create null: %s", r)
	}
	testbed.MustKubectl(t, "get", "channels.messaging.knative.dev", "null", "-n", integration)
	r = mustKM(t, "source", "delete", "null", "--integration-namespace", integration)
	if !strings.HasSuffix(r.Stdout, "namespace/"+integration+" deleted\n") {
		t.Fatalf("source delete should remove the integration namespace it made: %s", r)
	}
}

// wire uses a source that source create made as it is, and says so: its
// --image does not apply there.
func TestWireSaysItUsesSourceCreatesSourceAsItIs(t *testing.T) {
	integration, user := testbed.Namespace(t), testbed.Namespace(t)
	mustKM(t, "source", "create", "http", "sc", "--integration-namespace", integration)
	r := mustKM(t, "wire", "sc", "--to", user, "--integration-namespace", integration, "--image", "example.com/other:2")
	if !strings.Contains(r.Stdout, "deployment.apps/sc-adapter unchanged (made by 'source create': wire uses it as it is") {
		t.Fatalf("wire should say it uses source create's source as it is: %s", r)
	}
}
