package plugin_test

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
)

// The scripts register for the binary a shell runs, kubectl-kymamesh.
func TestCompletionScripts(t *testing.T) {
	f := cmdtest.NewFactory("demo")
	f.NoCluster = true
	for shell, want := range map[string]string{
		"bash":       "complete -o default -F __start_kubectl-kymamesh kubectl-kymamesh\n",
		"zsh":        "#compdef kubectl-kymamesh\ncompdef _kubectl-kymamesh kubectl-kymamesh\n",
		"fish":       "complete -c kubectl-kymamesh -e\n",
		"powershell": "Register-ArgumentCompleter -CommandName 'kubectl-kymamesh'",
	} {
		r := cmdtest.Run(t.Context(), f, "", "completion", shell)
		if r.Code != 0 || !strings.Contains(r.Stdout, want) || r.Stderr != "" {
			t.Errorf("completion %s: exit %d, stderr %q, stdout lacks %q", shell, r.Code, r.Stderr, want)
		}
	}
	expect(t, f, "completion tcsh", 2, "", "error: SHELL: \"tcsh\": want bash, zsh, fish or powershell\n")
	expect(t, f, "completion", 2, "", "error: SHELL is required (see 'kubectl kymamesh completion -h')\n")
	expect(t, f, "__complete completion b", 0, "bash\n:4\n", "Completion ended with directive: ShellCompDirectiveNoFileComp\n")
}

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
		r := cmdtest.Run(t.Context(), f, "", splitArgs(args)...)
		if r.Code != 0 || r.Stdout != want || r.Stderr != noFiles {
			t.Errorf("%s: got %q (stderr %q), want %q", args, r.Stdout, r.Stderr, want)
		}
	}
	r := cmdtest.Run(t.Context(), f, "", "__complete", "send", "--to", "")
	if r.Stdout != "app:\nbroker:\nchannel:\nksvc:\nsvc:\nhttp://\n:6\n" || r.Stderr != noFilesNoSpace {
		t.Errorf("send --to: got %q %q", r.Stdout, r.Stderr)
	}
}
