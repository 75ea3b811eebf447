package plugin_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
)

// Names and flag values complete from the cluster (here the fakes) and from
// the fixed values.
func TestCompletionOfNamesAndValues(t *testing.T) {
	b1 := &knapi.Broker{ObjectMeta: metav1.ObjectMeta{Name: "b1", Namespace: "demo"}}
	b2 := &knapi.Broker{ObjectMeta: metav1.ObjectMeta{Name: "b2", Namespace: "demo"}}
	other := &knapi.Broker{ObjectMeta: metav1.ObjectMeta{Name: "elsewhere", Namespace: "other"}}
	adapter := &unstructured.Unstructured{}
	adapter.SetAPIVersion("apps/v1")
	adapter.SetKind("Deployment")
	adapter.SetName("commerce-adapter")
	adapter.SetNamespace("kyma-integration")
	adapter.SetLabels(map[string]string{"app.kubernetes.io/name": "kymamesh-adapter", "kymamesh.kyma-project.io/application": "commerce"})
	f := cmdtest.NewFactory("demo", b1, b2, other, adapter,
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "orders"}})
	const noFiles, noFilesNoSpace = "Completion ended with directive: ShellCompDirectiveNoFileComp\n",
		"Completion ended with directive: ShellCompDirectiveNoSpace, ShellCompDirectiveNoFileComp\n"
	for args, want := range map[string]string{
		"__complete|broker|describe|":                   "b1\nb2\n:4\n",
		"__complete|broker|delete|b1|":                  "b2\n:4\n",
		"__complete|broker|update|b":                    "b1\nb2\n:4\n",
		"__complete|broker|describe|b1|":                ":4\n",
		"__complete|enable|ns|o":                        "orders\n:4\n",
		"__complete|wire|commerce|--to|":                "orders\nshop\n:4\n",
		"__complete|source|describe|":                   "commerce\n:4\n",
		"__complete|send|--to|app:":                     "app:commerce\n:4\n",
		"__complete|send|--mode|":                       "binary\nstructured\n:4\n",
		"__complete|send|--via|d":                       "direct\n:4\n",
		"__complete|trigger|create|t|--backoff-policy|": "linear\nexponential\n:4\n",
		"__complete|channel|create|c|--type|":           "imc\nkafka\n:4\n",
		"__complete|trigger|list|-o|w":                  "wide\n:4\n",
		"__complete|version|-o|":                        "json\nyaml\n:4\n",
	} {
		r := cmdtest.Run(t.Context(), f, "", cmdtest.SplitArgs(args)...)
		if r.Code != 0 || r.Stdout != want || r.Stderr != noFiles {
			t.Errorf("%s: got %q (stderr %q), want %q", args, r.Stdout, r.Stderr, want)
		}
	}
	r := cmdtest.Run(t.Context(), f, "", "__complete", "send", "--to", "")
	if r.Stdout != "app:\nbroker:\nchannel:\nksvc:\nsvc:\nhttp://\n:6\n" || r.Stderr != noFilesNoSpace {
		t.Errorf("send --to: got %q %q", r.Stdout, r.Stderr)
	}
}
