package source

import (
	"github.com/spf13/cobra"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/flags"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// appRef is the APP argument and --integration-namespace that every source
// command but create and list takes: registered, read and checked once here.
type appRef struct {
	Namespace string // --integration-namespace

	app     string
	factory cmdutil.Factory
}

// addAppFlags registers --integration-namespace and APP's completion.
func (a *appRef) addAppFlags(f cmdutil.Factory, cmd *cobra.Command) {
	flags.AddIntegrationNamespace(cmd, &a.Namespace)
	cmd.ValidArgsFunction = cmdutil.CompleteApps(f)
}

// setApp takes APP (cobra checked there is one) and the factory.
func (a *appRef) setApp(f cmdutil.Factory, args []string) { a.app, a.factory = args[0], f }

// validateApp checks APP (as create does: every name made from it must be
// valid) and the namespace.
func (a *appRef) validateApp() error {
	if err := wiring.ValidateAppName("APP", a.app); err != nil {
		return err
	}
	return wiring.ValidateNamespaceName("--integration-namespace", a.Namespace)
}
