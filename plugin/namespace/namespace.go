// Package namespace holds "kubectl kymamesh enable ns" and "disable ns", which
// make a namespace part of the mesh and take it out again.
package namespace

import (
	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// NewCmdEnable returns the "enable" group with its "ns" command.
func NewCmdEnable(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	cmd := &cobra.Command{Use: "enable", Short: "Make a namespace part of the eventing mesh"}
	cmdutil.NamespaceFrom(cmd, "the namespace is the NAME argument")
	cmd.AddCommand(newCmdEnableNamespace(f, s))
	return cmd
}

// NewCmdDisable returns the "disable" group with its "ns" command.
func NewCmdDisable(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	cmd := &cobra.Command{Use: "disable", Short: "Take a namespace out of the eventing mesh"}
	cmdutil.NamespaceFrom(cmd, "the namespace is the NAME argument")
	cmd.AddCommand(newCmdDisableNamespace(f, s))
	return cmd
}

// notOurs says of an existing object the plugin did not create (a Broker
// someone else made) that it is not the plugin's: disable will leave it.
func notOurs(changes []wiring.Change) []wiring.Change {
	for i, c := range changes {
		if _, isNS := c.Object.(*corev1.Namespace); c.Op == wiring.OpUnchanged && c.Reason == "" && !isNS && !wiring.IsManaged(c.Object) {
			changes[i].Reason = "exists, not managed by kubectl-kymamesh"
		}
	}
	return changes
}
