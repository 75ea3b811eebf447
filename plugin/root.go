// Package plugin assembles the kubectl-kymamesh command tree.
package plugin

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/batch"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/broker"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/channel"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/completion"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/doctor"
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
)

// NewCmdRoot returns the whole command tree, with kubectl's connection flags
// (--kubeconfig, --context, -n, --as, ...) on the root.
func NewCmdRoot(s genericiooptions.IOStreams) *cobra.Command {
	configFlags := cmdutil.NewConfigFlags()
	return NewCmdRootWithFactory(cmdutil.NewFactory(configFlags), s, configFlags)
}

// NewCmdRootWithFactory builds the tree over a given factory (tests pass fakes);
// configFlags may be nil then.
func NewCmdRootWithFactory(f cmdutil.Factory, s genericiooptions.IOStreams, configFlags *cmdutil.ConfigFlags) *cobra.Command {
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
	root.AddCommand(
		namespace.NewCmdEnable(f, s),
		namespace.NewCmdDisable(f, s),
		broker.NewCmd(f, s),
		trigger.NewCmd(f, s),
		channel.NewCmd(f, s),
		subscription.NewCmd(f, s),
		source.NewCmd(f, s),
		send.NewCmd(f, s),
		wire.NewCmdWire(f, s),
		wire.NewCmdUnwire(f, s),
		status.NewCmd(f, s),
		tail.NewCmd(f, s),
		doctor.NewCmd(f, s),
		policy.NewCmd(f, s),
		batch.NewCmd(f, s, func(s genericiooptions.IOStreams) *cobra.Command {
			if configFlags == nil { // a test's factory: every line shares it
				return NewCmdRootWithFactory(f, s, nil)
			}
			return NewCmdRoot(s) // each line its own flags, as typed alone
		}),
		version.NewCmd(f, s),
		completion.NewCmd(f, s),
	)
	// Our own completion command: cobra's registers the script for "kymamesh"
	// and prints help for an unknown shell.
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetFlagErrorFunc(cmdutil.FlagErrorFunc)
	root.SetGlobalNormalizationFunc(flags.KnNames)
	markGroups(root)
	return root
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

func groupRunE(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return cmdutil.UsageErrorf("unknown command %q for %q (see '%s -h')", args[0], cmd.CommandPath(), cmd.CommandPath())
	}
	return cmd.Help()
}
