// Package doctor holds "kubectl kymamesh doctor": is this cluster ready for
// the mesh, and may I build it here?
package doctor

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/output"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/flags"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// Options are the inputs of "doctor".
type Options struct {
	Scope  wiring.DoctorScope
	Output *flags.Output

	factory cmdutil.Factory
	genericiooptions.IOStreams
}

// NewCmd returns "doctor".
func NewCmd(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	o := &Options{IOStreams: s, Scope: wiring.DoctorScope{Image: flags.DefaultImage()}}
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check that the cluster can carry the mesh and that you may build it (PASS/WARN/FAIL, each with a fix)",
		Long: `doctor checks the API server, the Knative Eventing APIs and release (the
knative-eventing namespace's app.kubernetes.io/version label; tested on 1.18 to
1.23), that the eventing webhook admits a Broker (a server dry run), the default
broker class and channel, whether Kyma's namespace injection label would act, the
Knative features that change what the plugin can do (authentication-oidc for
policy allow, delivery-retryafter for --retry-after-max, delivery-timeout for
--delivery-timeout, transport-encryption, default-authorization-mode,
cross-namespace-event-links, eventtype-auto-create; read from config-features),
Knative kinds installed with no controller acting on them (objects over a minute
old that no controller gave a status), every permission the plugin's
commands need in the user namespace (-n) and the integration namespace (one
SelfSubjectAccessReview each, listing what is missing), the integration namespace
and the adapter image. Exit code 1 if any check fails.`,
		Example: "  kubectl kymamesh doctor -n shop\n  kubectl kymamesh doctor -o json",
		Args:    cmdutil.NoArgs,
		RunE:    cmdutil.RunE(f, o),
	}
	flags.AddIntegrationNamespace(cmd, &o.Scope.IntegrationNamespace)
	o.Output = flags.DataOutput().WithHelp("Output format: json or yaml (the checks).")
	o.Output.AddFlags(cmd)
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
	return wiring.ValidateNamespaceName("--integration-namespace", o.Scope.IntegrationNamespace)
}

// Run makes the checks, prints them and fails if any failed.
func (o *Options) Run(ctx context.Context) error {
	var c wiring.DoctorClients
	var err error
	if c.Discovery, err = o.factory.APIDiscovery(); err != nil {
		return err
	}
	if c.Access, err = o.factory.AccessReviews(); err != nil {
		return err
	}
	if c.Mesh, err = cmdutil.Mesh(o.factory, wiring.DryRunNone); err != nil {
		return err
	}
	checks := wiring.Doctor(ctx, c, o.Scope)
	if !o.Output.Human() {
		err = o.Output.Data(o.Out, map[string]any{"checks": checks})
	} else {
		err = output.Checks(o.Out, checks)
	}
	if err != nil {
		return err
	}
	if ctx.Err() != nil { // stopped (Ctrl-C): the checks printed are how far it got
		return context.Cause(ctx)
	}
	failed := 0
	for _, ch := range checks {
		if ch.Result == wiring.Fail {
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d checks failed", failed, len(checks))
	}
	return nil
}
