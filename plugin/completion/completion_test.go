package completion_test

import (
	"strings"
	"testing"

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
	cmdtest.Expect(t, f, "completion tcsh", 2, "", "error: SHELL: \"tcsh\": want bash, zsh, fish or powershell\n")
	cmdtest.Expect(t, f, "completion", 2, "", "error: SHELL is required (see 'kubectl kymamesh completion -h')\n")
	cmdtest.Expect(t, f, "__complete completion b", 0, "bash\n:4\n", "Completion ended with directive: ShellCompDirectiveNoFileComp\n")
}
