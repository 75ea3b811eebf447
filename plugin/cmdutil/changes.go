package cmdutil

import (
	"fmt"
	"io"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// PrintChanges reports each object an operation touched: kubectl's
// "<kind>/<name> <operation>" line, or the object in the -o format.
func PrintChanges(w io.Writer, m *MutationFlags, changes []wiring.Change) error {
	suffix := map[wiring.DryRun]string{wiring.DryRunClient: " (dry run)", wiring.DryRunServer: " (server dry run)"}[m.DryRun]
	for _, c := range changes {
		if *m.PrintFlags.OutputFormat != "" {
			if err := m.Print(c.Object, w); err != nil {
				return err
			}
			continue
		}
		name, err := ResourceName(c.Object)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s %s%s\n", name, c.Op, suffix)
	}
	return nil
}
