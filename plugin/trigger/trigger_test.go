package trigger_test

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
)

func TestTriggerCommands(t *testing.T) {
	// A Trigger made elsewhere with both spec.filter and spec.filters: an
	// update that leaves its filters alone says Knative ignores spec.filter.
	both := &knapi.Trigger{ObjectMeta: metav1.ObjectMeta{Name: "both", Namespace: "demo"}, Spec: knapi.TriggerSpec{Broker: "default",
		Filter:  &knapi.TriggerFilter{Attributes: knapi.TriggerFilterAttributes{"type": "a"}},
		Filters: []knapi.SubscriptionsAPIFilter{{CESQL: "source = 'x'"}}}}
	f := cmdtest.NewFactory("demo", both)
	cmdtest.Expect(t, f, "trigger update both --sink ksvc:h", 0, "trigger.eventing.knative.dev/both updated\n",
		"Warning: trigger \"both\" has both spec.filter and spec.filters; Knative ignores spec.filter (--filter) when spec.filters is set\n")
	cmdtest.Expect(t, f, "trigger delete both", 0, "trigger.eventing.knative.dev/both deleted\n", "")
	cmdtest.Expect(t, f, "trigger|create|t1|--sink|ksvc:h|--filter|type=a", 0, "trigger.eventing.knative.dev/t1 created\n", "")
	cmdtest.Expect(t, f, "trigger update t1 --filter type- --filter subject=s -o jsonpath={.spec.filter}", 0, `{"attributes":{"subject":"s"}}`, "")
	// With spec.filters set, the exact attribute moves there, where Knative reads it.
	cmdtest.ExpectIn(t, f, "- prefix: {type: order.}\n", "trigger update t1 --filters-file - -o jsonpath={.spec.filter}{.spec.filters}", 0,
		`[{"exact":{"subject":"s"}},{"prefix":{"type":"order."}}]`, "")
	cmdtest.Expect(t, f, "trigger update t1 --broker other --sink ksvc:x", 2, "",
		"error: --broker: the broker of a trigger cannot be changed (\"default\" to \"other\"); delete and create it instead\n")
	cmdtest.Expect(t, f, "trigger update nope --sink ksvc:x", 1, "",
		`error: trigger "nope" not found in namespace "demo": triggers.eventing.knative.dev "nope" not found`+"\n")
	cmdtest.Expect(t, f, "trigger list", 0, ""+
		"NAME   BROKER    SINK     READY     REASON   AGE\n"+
		"t1     default   ksvc:h   Unknown            <unknown>\n", "")
	cmdtest.Expect(t, f, "trigger describe t1", 0, ""+
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
	cmdtest.Expect(t, f, "trigger delete t1", 0, "trigger.eventing.knative.dev/t1 deleted\n", "")
}

// trigger update --cesql adds an expression (said in its help); --cesql-remove
// takes one away; an exact filter follows the Trigger's filters into spec.filters.
func TestTriggerUpdateCESQL(t *testing.T) {
	f := cmdtest.NewFactory("demo")
	cmdtest.Expect(t, f, "trigger create t1 --sink ksvc:h --filter type=a", 0, "trigger.eventing.knative.dev/t1 created\n", "")
	cmdtest.Expect(t, f, "trigger|update|t1|--cesql|source = 'x'|-o|jsonpath={.spec.filter}{.spec.filters}", 0,
		`[{"exact":{"type":"a"}},{"cesql":"source = 'x'"}]`, "")
	cmdtest.Expect(t, f, "trigger|update|t1|--filter|subject=s|--cesql|id = '1'|-o|jsonpath={.spec.filter}{.spec.filters}", 0,
		`[{"exact":{"subject":"s","type":"a"}},{"cesql":"source = 'x'"},{"cesql":"id = '1'"}]`, "")
	cmdtest.Expect(t, f, "trigger|update|t1|--cesql-remove|source = 'x'|--filter|type-|-o|jsonpath={.spec.filter}{.spec.filters}", 0,
		`[{"exact":{"subject":"s"}},{"cesql":"id = '1'"}]`, "")
	cmdtest.Expect(t, f, "trigger|update|t1|--cesql-remove|nope = 'x'", 2, "",
		`error: --cesql-remove: trigger "t1" has no CESQL filter "nope = 'x'" (it has: "id = '1'")`+"\n")
}

func TestClientDryRunNeedsNoCluster(t *testing.T) {
	f := cmdtest.NewFactory("demo")
	f.NoCluster = true
	cmdtest.Expect(t, f, "trigger create t --sink ksvc:h --filter type=a --dry-run=client -o jsonpath={.spec}", 0,
		`{"broker":"default","filter":{"attributes":{"type":"a"}},"subscriber":{"ref":{"apiVersion":"serving.knative.dev/v1","kind":"Service","name":"h","namespace":"demo"}}}`, "")
}

func TestListEmptySaysSoOnStderrOnly(t *testing.T) {
	f := cmdtest.NewFactory("demo")
	cmdtest.Expect(t, f, "trigger list", 0, "", "No triggers found in namespace \"demo\".\n")
}

// kn users' spellings work as typed: a zero backoff.
func TestKnSpellingsAreAccepted(t *testing.T) {
	f := cmdtest.NewFactory("demo")
	f.NoCluster = true
	cmdtest.Expect(t, f, "trigger create t --sink ksvc:a --backoff-delay 0s --dry-run=client -o jsonpath={.spec.delivery.backoffDelay}", 0, "PT0S", "")
}

// A delete prints what kubectl delete prints, and takes -o name only.
func TestDeleteOutputIsKubectls(t *testing.T) {
	f := cmdtest.NewFactory("shop")
	cmdtest.Expect(t, f, "trigger create t1 --sink svc:x", 0, "trigger.eventing.knative.dev/t1 created\n", "")
	cmdtest.Expect(t, f, "trigger create t2 --sink svc:x -o name", 0, "trigger.eventing.knative.dev/t2\n", "")
	cmdtest.Expect(t, f, "trigger delete t1 --dry-run=client", 0, "trigger.eventing.knative.dev/t1 deleted (dry run)\n", "")
	cmdtest.Expect(t, f, "trigger delete t1 t2 -o name", 0, "trigger.eventing.knative.dev/t1\ntrigger.eventing.knative.dev/t2\n", "")
	cmdtest.Expect(t, f, "trigger delete t1 -o json", 2, "",
		"error: --output: unable to match a printer suitable for the output format \"json\", allowed formats are: name\n")
}
