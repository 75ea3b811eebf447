// Package flags holds the flag groups the commands share, each registered,
// completed and checked in one place: -o (output.go), --dry-run, the mutation
// group (--dry-run, -o, --wait/--wait-timeout), delivery, the source's
// settings, and kn's flag names.
package flags

import (
	"github.com/spf13/cobra"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
)

// DryRun is --dry-run with kubectl's values; a bare --dry-run means client.
// Commands that cannot send a server dry run (send) leave out "server". That a
// client dry run writes nothing is not left to each command: cmdutil.RunE gives
// it clients that refuse every write.
type DryRun struct {
	Value    string
	Strategy wiring.DryRun
	noServer bool
}

// NewDryRun returns the flag; server says whether "server" is offered.
func NewDryRun(server bool) DryRun { return DryRun{Value: "none", noServer: !server} }

// AddFlag registers --dry-run on cmd.
func (d *DryRun) AddFlag(cmd *cobra.Command) {
	help := `Must be "none", "server", or "client". With client, only print the object that would be sent; with server, submit it without persisting it.`
	if d.noServer {
		help = `"client" prints what would be sent and sends nothing.`
	}
	cmd.Flags().StringVar(&d.Value, "dry-run", d.Value, help)
	cmd.Flags().Lookup("dry-run").NoOptDefVal = "client"
	if d.noServer {
		complete(cmd, "dry-run", "none", "client")
	} else {
		complete(cmd, "dry-run", "none", "client", "server")
	}
}

// Complete turns the value into the strategy.
func (d *DryRun) Complete() error {
	switch d.Value {
	case "none", "":
		d.Strategy = wiring.DryRunNone
	case "client":
		d.Strategy = wiring.DryRunClient
	case "server":
		if d.noServer {
			return invalid.Errorf("--dry-run", `%q: want "client" (there is no server dry run here)`, d.Value)
		}
		d.Strategy = wiring.DryRunServer
	default:
		if d.noServer {
			return invalid.Errorf("--dry-run", `%q: want "client" or "none"`, d.Value)
		}
		return invalid.Errorf("--dry-run", `%q: must be "none", "server", or "client"`, d.Value)
	}
	return nil
}
