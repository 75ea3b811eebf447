package flags

import "github.com/spf13/cobra"

// AddDeleteInUse registers --delete-in-use: the commands that remove what the
// plugin made keep a Broker or Channel that others use, unless it is given.
func AddDeleteInUse(cmd *cobra.Command, into *bool) {
	cmd.Flags().BoolVar(into, "delete-in-use", false,
		"Also delete a Broker or Channel the plugin made that others still use (Triggers, Subscriptions, sources) or changed since.")
}
