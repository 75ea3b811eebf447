// Package source holds the "kubectl kymamesh source" commands: an application's
// HTTP source adapter and Channel in the integration namespace.
package source

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// NewCmd returns the "source" command group.
func NewCmd(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	cmd := &cobra.Command{Use: "source", Short: "Manage applications' HTTP sources (adapter and Channel)"}
	cmdutil.NamespaceFrom(cmd, "the applications' namespace is --integration-namespace")
	create := &cobra.Command{Use: "create", Short: "Create a source"}
	create.AddCommand(newCmdCreateHTTP(f, s))
	update := &cobra.Command{Use: "update", Short: "Change a source"}
	update.AddCommand(newCmdUpdateHTTP(f, s))
	cmd.AddCommand(create, update, newCmdList(f, s), newCmdDescribe(f, s), newCmdDelete(f, s), newCmdToken(f, s), newCmdExpose(f, s), newCmdUnexpose(f, s))
	return cmd
}

// statusHeaders and statusRows render a source's objects as a table.
var statusHeaders = []string{"kind", "name", "ready", "reason", "detail"}

func statusRows(st wiring.SourceStatus) [][]string {
	rows := make([][]string, 0, len(st.Objects))
	for _, o := range st.Objects {
		rows = append(rows, []string{o.Kind, o.Name, o.Ready, o.Reason, o.Detail})
	}
	return rows
}

func readyWord(st wiring.SourceStatus) string {
	if st.Ready() {
		return "True"
	}
	return "False"
}

// view is a source as -o json|yaml prints it.
type view struct {
	wiring.SourceStatus
	Ready bool `json:"ready"`
	// Credentials: whether its adapter requires a token (describe only).
	Credentials *wiring.CredentialsState `json:"credentials,omitempty"`
	// Exposure: its endpoint outside the cluster (describe only).
	Exposure *wiring.Exposure `json:"exposure,omitempty"`
}

func views(sts ...wiring.SourceStatus) []view {
	out := make([]view, len(sts))
	for i, st := range sts {
		out[i] = view{SourceStatus: st, Ready: st.Ready()}
	}
	return out
}
