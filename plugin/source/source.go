// Package source holds the "kubectl kymamesh source" commands: an application's
// HTTP source adapter and Channel in the integration namespace.
package source

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/output"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/version"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// Flags are the source settings that source create and wire share.
type Flags struct {
	IntegrationNamespace string
	Image                string
	Channel              string
	Port                 int
}

// AddFlags registers the source flags; withNamespace adds --integration-namespace.
func (f *Flags) AddFlags(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.IntegrationNamespace, "integration-namespace", wiring.DefaultIntegrationNamespace, "Namespace of the applications' adapters and channels.")
	fl.StringVar(&f.Image, "image", DefaultImage(), "Adapter image.")
	fl.StringVar(&f.Channel, "channel", "", "Type of the application's Channel: imc, kafka or GROUP/VERSION/KIND; the cluster default if empty.")
	fl.IntVar(&f.Port, "port", 8080, "Port the adapter listens on (its Service's target port).")
}

// Spec returns the source spec for app.
func (f *Flags) Spec(app string) wiring.HTTPSourceSpec {
	return wiring.HTTPSourceSpec{App: app, Namespace: f.IntegrationNamespace, Image: f.Image, Channel: f.Channel, Port: f.Port}
}

// DefaultImage is the released adapter image of this plugin's version.
func DefaultImage() string {
	tag := version.Get().Version
	if tag == "dev" {
		tag = "latest"
	}
	return wiring.DefaultAdapterImage + ":" + tag
}

// NewCmd returns the "source" command group.
func NewCmd(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	cmd := &cobra.Command{Use: "source", Short: "Manage applications' HTTP sources (adapter and Channel)"}
	create := &cobra.Command{Use: "create", Short: "Create a source"}
	create.AddCommand(newCmdCreateHTTP(f, s))
	cmd.AddCommand(create, newCmdList(f, s), newCmdDescribe(f, s), newCmdDelete(f, s))
	return cmd
}

func newCmdCreateHTTP(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	var src Flags
	m := cmdutil.NewMutationFlags(wiring.OpApplied, true)
	cmd := &cobra.Command{
		Use:   "http APP",
		Short: "Deploy an application's HTTP source adapter and its Channel (server-side apply, idempotent)",
		Example: `  kubectl kymamesh source create http shop --wait
  kubectl kymamesh source create http shop --channel kafka --image registry.example.com/adapter:v1
  kubectl kymamesh source create http shop --dry-run=client -o yaml`,
		Args: cmdutil.ExactArgs("APP"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := m.Validate(); err != nil {
				return err
			}
			objs, err := wiring.BuildHTTPSource(src.Spec(args[0]))
			if err != nil {
				return err
			}
			msh, err := cmdutil.Mesh(f, m.DryRun)
			if err != nil {
				return err
			}
			changes, err := wiring.CreateHTTPSource(cmd.Context(), msh, objs, src.IntegrationNamespace, m.DryRun)
			if perr := cmdutil.PrintChanges(s.Out, m, changes); err == nil {
				err = perr
			}
			if err != nil || !m.Wait {
				return err
			}
			return waitSource(cmd.Context(), f, s, args[0], src.IntegrationNamespace, m.WaitTimeout)
		},
	}
	src.AddFlags(cmd)
	m.AddFlags(cmd)
	return cmd
}

func waitSource(ctx context.Context, f cmdutil.Factory, s genericiooptions.IOStreams, app, ns string, timeout time.Duration) error {
	dyn, err := f.Dynamic()
	if err != nil {
		return err
	}
	st, err := wiring.WaitSourceReady(ctx, dyn, app, ns, timeout)
	if err != nil {
		_ = statusTable(s.ErrOut, st)
		return err
	}
	fmt.Fprintf(s.ErrOut, "source %q in namespace %q is ready\n", app, ns)
	return nil
}

func statusTable(w interface{ Write([]byte) (int, error) }, st wiring.SourceStatus) error {
	rows := make([][]string, 0, len(st.Objects))
	for _, o := range st.Objects {
		rows = append(rows, []string{o.Kind, o.Name, o.Ready, o.Reason, o.Detail})
	}
	return output.Table(w, []string{"kind", "name", "ready", "reason", "detail"}, rows, false)
}

func newCmdDescribe(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	var ns string
	cmd := &cobra.Command{
		Use:     "describe APP",
		Short:   "Show an application's adapter Deployment, Service, Channel and SinkBinding with their readiness",
		Example: "  kubectl kymamesh source describe shop",
		Args:    cmdutil.ExactArgs("APP"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := wiring.ValidateName("APP", args[0]); err != nil {
				return err
			}
			dyn, err := f.Dynamic()
			if err != nil {
				return err
			}
			st, err := wiring.GetSourceStatus(cmd.Context(), dyn, args[0], ns)
			if err != nil {
				return err
			}
			if !st.Object("Deployment").Found {
				return fmt.Errorf("source %q not found in namespace %q", args[0], ns)
			}
			ready := "False"
			if st.Ready() {
				ready = "True"
			}
			fmt.Fprintf(s.Out, "Application:  %s\nNamespace:    %s\nReady:        %s\nObjects:\n", args[0], ns, ready)
			return statusTable(indent{s.Out}, st)
		},
	}
	cmd.Flags().StringVar(&ns, "integration-namespace", wiring.DefaultIntegrationNamespace, "Namespace of the applications' adapters and channels.")
	return cmd
}

// indent writes every line two spaces in.
type indent struct {
	w interface{ Write([]byte) (int, error) }
}

func (i indent) Write(p []byte) (int, error) {
	out := make([]byte, 0, len(p)+16)
	start := true
	for _, b := range p {
		if start {
			out = append(out, ' ', ' ')
		}
		out = append(out, b)
		start = b == '\n'
	}
	if _, err := i.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

func newCmdList(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	var ns string
	var noHeaders bool
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the applications' sources",
		Example: "  kubectl kymamesh source list",
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dyn, err := f.Dynamic()
			if err != nil {
				return err
			}
			sources, err := wiring.ListSourceStatuses(cmd.Context(), dyn, ns)
			if err != nil {
				return err
			}
			if len(sources) == 0 {
				fmt.Fprintf(s.ErrOut, "No sources found in namespace %q.\n", ns)
				return nil
			}
			rows := make([][]string, 0, len(sources))
			for _, st := range sources {
				ready := "False"
				if st.Ready() {
					ready = "True"
				}
				rows = append(rows, []string{st.App, ready, st.Object("Channel").Detail, st.Object("SinkBinding").Detail})
			}
			return output.Table(s.Out, []string{"app", "ready", "channel", "sink"}, rows, noHeaders)
		},
	}
	cmd.Flags().StringVar(&ns, "integration-namespace", wiring.DefaultIntegrationNamespace, "Namespace of the applications' adapters and channels.")
	cmd.Flags().BoolVar(&noHeaders, "no-headers", false, "Do not print the header line.")
	return cmd
}

func newCmdDelete(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	var ns string
	m := cmdutil.NewMutationFlags(wiring.OpDeleted, false)
	cmd := &cobra.Command{
		Use:     "delete APP",
		Short:   "Delete an application's adapter and Channel",
		Example: "  kubectl kymamesh source delete shop",
		Args:    cmdutil.ExactArgs("APP"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := m.Validate(); err != nil {
				return err
			}
			dyn, err := f.Dynamic()
			if err != nil {
				return err
			}
			changes, err := wiring.DeleteHTTPSource(cmd.Context(), dyn, args[0], ns, m.DryRun)
			if perr := cmdutil.PrintChanges(s.Out, m, changes); err == nil {
				err = perr
			}
			if err == nil && len(changes) == 0 {
				return fmt.Errorf("source %q not found in namespace %q", args[0], ns)
			}
			return err
		},
	}
	cmd.Flags().StringVar(&ns, "integration-namespace", wiring.DefaultIntegrationNamespace, "Namespace of the applications' adapters and channels.")
	m.AddFlags(cmd)
	return cmd
}
