package plugin_test

import (
	"io"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
)

// A command run outside shell completion registers no flag completion: cobra
// keeps registered flags (and through them each command tree) in a
// process-wide map, which made batch hold every line's tree to the end
// (about 250 KB a line). Completion itself still registers them.
func TestCommandsRegisterFlagCompletionsOnlyWhenCompleting(t *testing.T) {
	f := cmdtest.NewFactory("shop")
	var s genericiooptions.IOStreams
	s.In, s.Out, s.ErrOut = strings.NewReader(""), io.Discard, io.Discard
	root := plugin.NewCmdRootWithFactory(f, s, nil)
	root.SetArgs([]string{"trigger", "create", "t", "--sink", "http://h.example/", "--dry-run=client", "-o", "yaml"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	create, _, err := root.Find([]string{"trigger", "create"})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"output", "dry-run", "backoff-policy"} {
		if _, ok := create.GetFlagCompletionFunc(name); ok {
			t.Errorf("trigger create registered a completion for --%s without being asked to complete", name)
		}
	}
	root = plugin.NewCmdRootWithFactory(f, s, nil)
	root.SetArgs([]string{"__complete", "trigger", "create", "t", "-o", ""})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	create, _, _ = root.Find([]string{"trigger", "create"})
	for _, name := range []string{"output", "dry-run", "backoff-policy"} {
		if _, ok := create.GetFlagCompletionFunc(name); !ok {
			t.Errorf("completing did not register --%s", name)
		}
	}
}
