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

// CompletionAnnotation marks a flag with how its values complete: the kind
// ("values", "namespaces", "brokers", "apps", "targets"), for "values"
// followed by the values. Completion functions are registered from it only
// when the shell asks for completions (cmdutil.RegisterCompletions): cobra
// keeps every registered flag in a process-wide map, which would keep each
// command tree batch builds, one per line, alive to the end.
const CompletionAnnotation = "kymamesh.kyma-project.io/complete"

// Complete declares how flag name on cmd (or a persistent flag of cmd)
// completes.
func Complete(cmd *cobra.Command, name, kind string, values ...string) {
	fs := cmd.Flags()
	if fs.Lookup(name) == nil {
		fs = cmd.PersistentFlags()
	}
	// Fails only for a flag that does not exist: a programming error the
	// completion tests catch.
	_ = fs.SetAnnotation(name, CompletionAnnotation, append([]string{kind}, values...))
}

func complete(cmd *cobra.Command, name string, values ...string) {
	Complete(cmd, name, "values", values...)
}

// Object printers' -o values (cli-runtime's), and the list's table ones.
var (
	objectFormats = []string{"json", "yaml", "name", "jsonpath=", "go-template="}
	channelTypes  = []string{"imc", "kafka"}
)

// AddChannelType registers a channel type flag (--type, --channel) into dst.
func AddChannelType(cmd *cobra.Command, name string, dst *string, usage string) {
	cmd.Flags().StringVar(dst, name, "", usage)
	complete(cmd, name, channelTypes...)
}
