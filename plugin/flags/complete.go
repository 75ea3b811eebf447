package flags

import (
	"strings"

	"github.com/spf13/cobra"
)

// Values completes a flag from its fixed values; a value that is only a
// prefix ("app:", "http://") leaves the cursor on it.
func Values(values ...string) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		var out []string
		dir := cobra.ShellCompDirectiveNoFileComp
		for _, v := range values {
			if strings.HasPrefix(v, toComplete) {
				out = append(out, v)
				if strings.HasSuffix(v, ":") || strings.HasSuffix(v, "/") || strings.HasSuffix(v, "=") {
					dir |= cobra.ShellCompDirectiveNoSpace
				}
			}
		}
		return out, dir
	}
}

// complete registers fn for flag name on cmd; registering twice is a
// programming error that cobra reports, and there is nothing to do about it
// at run time.
func complete(cmd *cobra.Command, name string, fn cobra.CompletionFunc) {
	_ = cmd.RegisterFlagCompletionFunc(name, fn)
}

// Object printers' -o values (cli-runtime's), and the list's table ones.
var (
	objectFormats = []string{"json", "yaml", "name", "jsonpath=", "go-template="}
	channelTypes  = []string{"imc", "kafka"}
)

// AddChannelType registers a channel type flag (--type, --channel) into dst.
func AddChannelType(cmd *cobra.Command, name string, dst *string, usage string) {
	cmd.Flags().StringVar(dst, name, "", usage)
	complete(cmd, name, Values(channelTypes...))
}

// DataOutput registers -o for what is not an API object: json or yaml.
func DataOutput(cmd *cobra.Command, dst *string, usage string) {
	cmd.Flags().StringVarP(dst, "output", "o", "", usage)
	complete(cmd, "output", Values("json", "yaml"))
}
