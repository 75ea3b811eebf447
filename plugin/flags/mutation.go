package flags

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/printers"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/output"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
)

// Mutation is the flag group of every command that changes objects:
// --dry-run, -o and, where objects become Ready, --wait/--wait-timeout.
type Mutation struct {
	DryRun
	Wait        bool
	WaitTimeout time.Duration
	PrintFlags  *output.PrintFlags

	waits   bool
	printer printers.ResourcePrinter
}

// NewMutation returns the flags for an operation ("created", "updated", ...);
// waits adds --wait and --wait-timeout.
func NewMutation(operation string, waits bool) *Mutation {
	return &Mutation{DryRun: NewDryRun(true), PrintFlags: output.NewPrintFlags(operation), WaitTimeout: 60 * time.Second, waits: waits}
}

// AddFlags registers the flags on cmd.
func (m *Mutation) AddFlags(cmd *cobra.Command) {
	m.PrintFlags.AddFlags(cmd)
	complete(cmd, "output", objectFormats...)
	m.DryRun.AddFlag(cmd)
	if m.waits {
		cmd.Flags().BoolVar(&m.Wait, "wait", m.Wait, "Wait until the object is Ready; on timeout print its conditions and exit 1.")
		cmd.Flags().DurationVar(&m.WaitTimeout, "wait-timeout", m.WaitTimeout, "How long --wait waits, e.g. 30s or 2m.")
	}
}

// Complete sets the dry-run strategy and makes the printer, with kubectl's
// dry-run suffix. It runs once: completing the print flags twice would repeat
// the suffix.
func (m *Mutation) Complete() error {
	if err := m.DryRun.Complete(); err != nil {
		return err
	}
	if *m.PrintFlags.OutputFormat == "wide" {
		return invalid.Errorf("--output", "%q is only for list commands; use json, yaml, name, jsonpath=... or go-template=...", "wide")
	}
	// The type setter is added here, not at construction, so start-up does not
	// build the scheme for every command.
	m.PrintFlags.TypeSetterPrinter = printers.NewTypeSetter(wiring.Scheme())
	p, err := output.ObjectPrinter(m.PrintFlags, m.Strategy.Suffix())
	if err != nil {
		return invalid.Errorf("--output", "%w", err)
	}
	m.printer = p
	return nil
}

// Validate checks the combinations of the flags.
func (m *Mutation) Validate() error {
	if m.Wait && m.WaitTimeout <= 0 {
		return invalid.Errorf("--wait-timeout", "must be positive, got %s", m.WaitTimeout)
	}
	if m.Wait && m.Strategy != wiring.DryRunNone {
		return invalid.Errorf("", "--wait cannot be combined with --dry-run")
	}
	return nil
}

// Print writes obj with the printer Complete made.
func (m *Mutation) Print(obj runtime.Object, w io.Writer) error {
	return m.printer.PrintObj(obj, w)
}

// PrintChanges reports what an operation touched: kubectl's "<kind>/<name>
// <operation>" line per object, or with -o the objects in that format, as one
// List when there are several (so that -o json stays one JSON document).
// Objects a removal kept (wiring.OpKept) are a line with the reason on out,
// or with -o a warning on errOut, so that machine output holds only changes.
func (m *Mutation) PrintChanges(out, errOut io.Writer, changes []wiring.Change) error {
	suffix := m.Strategy.Suffix()
	if suffix != "" {
		suffix = " " + suffix
	}
	machine := *m.PrintFlags.OutputFormat != ""
	objs := make([]runtime.Object, 0, len(changes))
	for _, c := range changes {
		if machine && c.Op != wiring.OpKept {
			objs = append(objs, c.Object)
			continue
		}
		name, err := wiring.ResourceName(c.Object)
		if err != nil {
			return err
		}
		switch {
		case c.Op != wiring.OpKept && c.Reason != "":
			fmt.Fprintf(out, "%s %s%s (%s)\n", name, c.Op, suffix, c.Reason)
		case c.Op != wiring.OpKept:
			fmt.Fprintf(out, "%s %s%s\n", name, c.Op, suffix)
		case machine:
			fmt.Fprintf(errOut, "warning: %s kept%s: %s\n", name, suffix, c.Reason)
		default:
			fmt.Fprintf(out, "%s kept%s: %s\n", name, suffix, c.Reason)
		}
	}
	if !machine {
		return nil
	}
	return output.PrintObjects(m.printer, *m.PrintFlags.OutputFormat, objs, wiring.Scheme(), out)
}
