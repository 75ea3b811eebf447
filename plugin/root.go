// Package plugin assembles the kubectl-kymamesh command tree.
package plugin

import (
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/batch"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/broker"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/channel"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/completion"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/deadletter"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/doctor"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/explain"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/flags"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/namespace"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/policy"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/send"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/source"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/status"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/subscription"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/tail"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/trigger"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/version"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/wire"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
)

// NewCmdRoot returns the whole command tree, with kubectl's connection flags
// (--kubeconfig, --context, -n, --as, ...) on the root.
func NewCmdRoot(s genericiooptions.IOStreams) *cobra.Command {
	configFlags := cmdutil.NewConfigFlags()
	return newRoot(cmdutil.NewFactory(configFlags), s, configFlags, "")
}

// NewCmdRootWithFactory builds the tree over a given factory (tests pass fakes);
// configFlags may be nil then.
func NewCmdRootWithFactory(f cmdutil.Factory, s genericiooptions.IOStreams, configFlags *cmdutil.ConfigFlags) *cobra.Command {
	return newRoot(f, s, configFlags, "")
}

// newRoot builds the tree; with only naming one of its commands, the tree
// holds just that one (batch's lines), else all.
func newRoot(f cmdutil.Factory, s genericiooptions.IOStreams, configFlags *cmdutil.ConfigFlags, only string) *cobra.Command {
	root := &cobra.Command{
		Use:   "kymamesh",
		Short: "Wire a Knative Eventing mesh the way Kyma did: applications, channels, brokers and triggers",
		Long: `kubectl kymamesh wires a Knative Eventing mesh imperatively: an application's HTTP
source adapter and Channel in the integration namespace, a Subscription to a user
namespace's Broker, and Triggers with filters to subscribers.

Exit codes: 0 success, 1 API or runtime failure, 2 usage or validation error,
128+n stopped by signal n (130 Ctrl-C, 143 SIGTERM).`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Annotations:   map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl kymamesh"},
	}
	// Flag completions are registered only when the shell asks for them:
	// cobra would keep every tree batch builds alive otherwise.
	root.PersistentPreRun = func(cmd *cobra.Command, _ []string) {
		if cmd.Name() == cobra.ShellCompRequestCmd || cmd.Name() == cobra.ShellCompNoDescRequestCmd {
			cmdutil.RegisterCompletions(root, f)
		}
	}
	root.SetIn(s.In)
	root.SetOut(s.Out)
	root.SetErr(s.ErrOut)
	if configFlags != nil {
		configFlags.AddFlags(root.PersistentFlags())
		flags.Complete(root, "namespace", "namespaces")
	}
	all := only == "" || !knownCommand(f, s, only)
	for _, c := range commands(f, s) {
		if all || c.name == only {
			root.AddCommand(c.make())
		}
	}
	if all || only == "batch" {
		// The kubeconfig as the first line reads it, shared by all lines.
		kubeconfigs := cmdutil.NewKubeconfigCache()
		root.AddCommand(batch.NewCmd(f, s, func(s genericiooptions.IOStreams, command string) *cobra.Command {
			if configFlags == nil { // a test's factory: every line shares it
				return newRoot(f, s, nil, command)
			}
			// Each line its own flags, as typed alone.
			lineFlags := cmdutil.NewConfigFlags()
			lineFlags.Kubeconfigs = kubeconfigs
			return newRoot(cmdutil.NewFactory(lineFlags), s, lineFlags, command)
		}))
	}
	// Our own completion command: cobra's registers the script for "kymamesh"
	// and prints help for an unknown shell.
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetFlagErrorFunc(flagError)
	root.SetGlobalNormalizationFunc(flags.KnNames)
	markGroups(root)
	return root
}

// command is one top-level command of the tree, made on demand.
type command struct {
	name string
	make func() *cobra.Command
}

// commands lists the top-level commands but batch, by the name each has.
func commands(f cmdutil.Factory, s genericiooptions.IOStreams) []command {
	return []command{
		{"enable", func() *cobra.Command { return namespace.NewCmdEnable(f, s) }},
		{"disable", func() *cobra.Command { return namespace.NewCmdDisable(f, s) }},
		{"broker", func() *cobra.Command { return broker.NewCmd(f, s) }},
		{"trigger", func() *cobra.Command { return trigger.NewCmd(f, s) }},
		{"channel", func() *cobra.Command { return channel.NewCmd(f, s) }},
		{"subscription", func() *cobra.Command { return subscription.NewCmd(f, s) }},
		{"source", func() *cobra.Command { return source.NewCmd(f, s) }},
		{"send", func() *cobra.Command { return send.NewCmd(f, s) }},
		{"wire", func() *cobra.Command { return wire.NewCmdWire(f, s) }},
		{"unwire", func() *cobra.Command { return wire.NewCmdUnwire(f, s) }},
		{"status", func() *cobra.Command { return status.NewCmd(f, s) }},
		{"explain", func() *cobra.Command { return explain.NewCmd(f, s) }},
		{"tail", func() *cobra.Command { return tail.NewCmd(f, s) }},
		{"deadletter", func() *cobra.Command { return deadletter.NewCmd(f, s) }},
		{"doctor", func() *cobra.Command { return doctor.NewCmd(f, s) }},
		{"policy", func() *cobra.Command { return policy.NewCmd(f, s) }},
		{"version", func() *cobra.Command { return version.NewCmd(f, s) }},
		{"completion", func() *cobra.Command { return completion.NewCmd(f, s) }},
	}
}

// knownCommand says whether name is a top-level command (an alias too); for
// anything else the whole tree is built, so cobra's "unknown command" and its
// suggestions stay as typed alone.
func knownCommand(f cmdutil.Factory, s genericiooptions.IOStreams, name string) bool {
	for _, c := range commands(f, s) {
		if c.name == name {
			return true
		}
	}
	return false
}

// markGroups makes unknown subcommands usage errors (exit 2) on every command
// group of the tree, at any depth, instead of cobra's help page or plain error.
func markGroups(c *cobra.Command) {
	if !c.HasSubCommands() {
		return
	}
	c.Args = cobra.ArbitraryArgs
	c.RunE = groupRunE
	for _, sub := range c.Commands() {
		markGroups(sub)
	}
}

// groupRunE refuses an unknown subcommand with cobra's suggestions: setting
// Args (which markGroups must, for the usage error) turns cobra's own "did
// you mean" off, so it is asked for here, on the one error line.
func groupRunE(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return unknownCommand(cmd, args[0])
	}
	return cmd.Help()
}

// flagError reports a mistyped subcommand followed by flags ("policy alow
// app --to x") as the unknown command it is: the group parses the flags
// meant for the subcommand and fails on them first.
func flagError(cmd *cobra.Command, err error) error {
	if args := cmd.Flags().Args(); cmd.HasSubCommands() && len(args) > 0 {
		return unknownCommand(cmd, args[0])
	}
	return cmdutil.FlagErrorFunc(cmd, err)
}

func unknownCommand(cmd *cobra.Command, name string) error {
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2 // cobra's default, which it sets only on its own path
	}
	return invalid.Errorf("", "unknown command %q for %q%s (see '%s -h')", name, cmd.CommandPath(),
		didYouMean(cmd.SuggestionsFor(name)), cmd.CommandPath())
}

// didYouMean is "; did you mean "a"?" (or "a" or "b"), or nothing.
func didYouMean(names []string) string {
	if len(names) == 0 {
		return ""
	}
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = strconv.Quote(n)
	}
	return "; did you mean " + strings.Join(quoted, " or ") + "?"
}
