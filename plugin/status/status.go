// Package status holds "kubectl kymamesh status": the mesh as one picture,
// with each broken link and the command that mends it.
package status

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/output"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/flags"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// Options are the inputs of "status".
type Options struct {
	Scope    wiring.StatusScope
	Output   *flags.Output
	ExitCode bool

	factory cmdutil.Factory
	genericiooptions.IOStreams
}

// NewCmd returns "status".
func NewCmd(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	o := &Options{IOStreams: s}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the mesh as one picture: applications, channels, subscriptions, brokers, triggers, and every broken link with its fix",
		Long: `status reads the integration namespace (the applications' adapters, Channels
and Subscriptions) and a user namespace (-n) or all of them (-A) (Brokers and
Triggers), each kind once, and shows the chain from each application to the
subscribers. Every broken link is listed with the command that mends it: a
Subscription to a Broker that does not exist, a Broker or Trigger not Ready, a
Trigger whose subscriber does not resolve or whose filter Knative ignores, an
adapter not available, a SinkBinding that has not bound or sends past its
Channel, a Channel that does not exist, a wired Subscription repointed away
from its namespace, a Broker without Triggers, a dead-letter sink that does not
resolve. With --exit-code, broken links make the exit code 3.`,
		Example: `  kubectl kymamesh status -n shop
  kubectl kymamesh status -A --app commerce
  kubectl kymamesh status -A -o json
  kubectl kymamesh status -n shop -o dot | dot -Tsvg > mesh.svg`,
		Args: cmdutil.NoArgs,
		RunE: cmdutil.RunE(f, o),
	}
	flags.AddIntegrationNamespace(cmd, &o.Scope.IntegrationNamespace)
	cmd.Flags().BoolVarP(&o.Scope.All, "all-namespaces", "A", false, "Brokers and Triggers of every namespace.")
	cmd.Flags().StringVar(&o.Scope.App, "app", "", "Only this application's chain.")
	flags.Complete(cmd, "app", "apps")
	o.Output = flags.DataOutput("tree", "dot").WithHelp("Output format: tree (the default), dot (Graphviz), json or yaml.")
	o.Output.AddFlags(cmd)
	cmd.Flags().BoolVar(&o.ExitCode, "exit-code", false, "Exit with 3 when there is a broken link (after printing the mesh), for scripts; 0 when there is none.")
	return cmd
}

// Complete reads the user namespace.
func (o *Options) Complete(f cmdutil.Factory, _ *cobra.Command, _ []string) error {
	o.factory = f
	var err error
	o.Scope.Namespace, err = f.Namespace()
	return err
}

// Validate checks the flags.
func (o *Options) Validate() error {
	if err := o.Output.Complete(); err != nil {
		return err
	}
	if o.Scope.App != "" {
		if err := wiring.ValidateName("--app", o.Scope.App); err != nil {
			return err
		}
	}
	return wiring.ValidateNamespaceName("--integration-namespace", o.Scope.IntegrationNamespace)
}

// Run reads the mesh and shows it.
// storeTimeout bounds reaching one namespace's dead-letter store.
const storeTimeout = 15 * time.Second

// countDeadLetters asks each namespace's dead-letter store, once, how many
// events it holds, for the Brokers that send to it (as deadletter stats
// reaches it: a port-forward). A store not reached is "unknown" with why;
// status never fails for it.
func (o *Options) countDeadLetters(ctx context.Context, st *wiring.MeshStatus) {
	for i := range st.Namespaces {
		ns := &st.Namespaces[i]
		var found *wiring.DeadLetterStoreStatus
		for j := range ns.Brokers {
			b := &ns.Brokers[j]
			if b.DeadLetterStore == nil {
				continue
			}
			if found == nil {
				found = storeCount(ctx, o.factory, ns.Name)
			}
			b.DeadLetterStore = found
		}
	}
}

func storeCount(ctx context.Context, f cmdutil.Factory, ns string) *wiring.DeadLetterStoreStatus {
	ctx, cancel := context.WithTimeout(ctx, storeTimeout)
	defer cancel()
	c, stop, err := cmdutil.DeadLetterStore(ctx, f, ns)
	if err != nil {
		return &wiring.DeadLetterStoreStatus{Unknown: err.Error()}
	}
	defer stop()
	stats, err := c.Stats(ctx)
	if err != nil {
		return &wiring.DeadLetterStoreStatus{Unknown: err.Error()}
	}
	return &wiring.DeadLetterStoreStatus{Events: &stats.Count}
}

func (o *Options) Run(ctx context.Context) error {
	m, err := cmdutil.Mesh(o.factory, wiring.DryRunNone)
	if err != nil {
		return err
	}
	st, err := wiring.GetMeshStatus(ctx, m, o.Scope)
	if err != nil {
		return err
	}
	o.countDeadLetters(ctx, &st)
	switch o.Output.Format {
	case "dot":
		err = output.MeshDot(o.Out, st)
	case "json", "yaml":
		err = o.Output.Data(o.Out, st)
	default:
		err = output.MeshTree(o.Out, st)
	}
	if err == nil && o.ExitCode && len(st.Problems) > 0 {
		return cmdutil.FoundError{What: fmt.Sprintf("%d broken link(s)", len(st.Problems))}
	}
	return err
}
