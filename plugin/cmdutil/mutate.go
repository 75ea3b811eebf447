package cmdutil

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/printers"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/output"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// MutationFlags are the flags of every command that changes objects:
// --dry-run, -o and, where objects become Ready, --wait/--wait-timeout.
type MutationFlags struct {
	DryRunValue string
	Wait        bool
	WaitTimeout time.Duration
	PrintFlags  *genericclioptions.PrintFlags

	DryRun  wiring.DryRun
	waits   bool
	printer printers.ResourcePrinter
}

// NewMutationFlags returns the flags for an operation ("created", "updated", ...).
func NewMutationFlags(operation string, waits bool) *MutationFlags {
	return &MutationFlags{PrintFlags: genericclioptions.NewPrintFlags(operation), WaitTimeout: 60 * time.Second, waits: waits, DryRunValue: "none"}
}

// AddFlags registers the flags on cmd.
func (m *MutationFlags) AddFlags(cmd *cobra.Command) {
	m.PrintFlags.AddFlags(cmd)
	cmd.Flags().StringVar(&m.DryRunValue, "dry-run", m.DryRunValue,
		`Must be "none", "server", or "client". With client, only print the object that would be sent; with server, submit it without persisting it.`)
	cmd.Flags().Lookup("dry-run").NoOptDefVal = "client"
	if m.waits {
		cmd.Flags().BoolVar(&m.Wait, "wait", m.Wait, "Wait until the object is Ready; on timeout print its conditions and exit 1.")
		cmd.Flags().DurationVar(&m.WaitTimeout, "wait-timeout", m.WaitTimeout, "How long --wait waits, e.g. 30s or 2m.")
	}
}

// Validate checks the values and fills DryRun.
func (m *MutationFlags) Validate() error {
	switch m.DryRunValue {
	case "none", "":
		m.DryRun = wiring.DryRunNone
	case "client":
		m.DryRun = wiring.DryRunClient
	case "server":
		m.DryRun = wiring.DryRunServer
	default:
		return UsageErrorf(`--dry-run: %q: must be "none", "server", or "client"`, m.DryRunValue)
	}
	if m.Wait && m.WaitTimeout <= 0 {
		return UsageErrorf("--wait-timeout: must be positive, got %s", m.WaitTimeout)
	}
	if m.Wait && m.DryRun != wiring.DryRunNone {
		return UsageErrorf("--wait cannot be combined with --dry-run")
	}
	if *m.PrintFlags.OutputFormat == "wide" {
		return UsageErrorf("--output: %q is only for list commands; use json, yaml, name, jsonpath=... or go-template=...", "wide")
	}
	_, err := m.Printer()
	return err
}

// Printer returns the object printer, with kubectl's dry-run suffix. It is made
// once: completing the print flags twice would repeat the suffix.
func (m *MutationFlags) Printer() (printers.ResourcePrinter, error) {
	if m.printer != nil {
		return m.printer, nil
	}
	suffix := map[wiring.DryRun]string{wiring.DryRunClient: "(dry run)", wiring.DryRunServer: "(server dry run)"}[m.DryRun]
	// The type setter is added here, not at construction, so start-up does not
	// build the scheme for every command.
	m.PrintFlags.TypeSetterPrinter = printers.NewTypeSetter(Scheme())
	p, err := output.ObjectPrinter(m.PrintFlags, suffix)
	if err != nil {
		return nil, UsageErrorf("--output: %w", err)
	}
	m.printer = p
	return p, nil
}

// Print writes obj with the printer of these flags.
func (m *MutationFlags) Print(obj runtime.Object, w io.Writer) error {
	p, err := m.Printer()
	if err != nil {
		return err
	}
	return p.PrintObj(obj, w)
}

// Finish waits for obj if asked, then prints it. Waiting errors keep the object's
// conditions on stderr, so the user sees why it is not Ready.
func Finish[T runtime.Object, L runtime.Object](ctx context.Context, m *MutationFlags, c wiring.Client[T, L], kind string, obj T, out, errOut io.Writer) error {
	if m.Wait {
		last, err := wiring.WaitReady(ctx, c, kind, obj, m.WaitTimeout)
		if err != nil {
			PrintConditions(errOut, last)
			return err
		}
		obj = last
	}
	return m.Print(obj, out)
}

// PrintConditions writes an object's conditions to w (used on wait failures).
func PrintConditions(w io.Writer, obj runtime.Object) {
	conds := wiring.Conditions(obj)
	if len(conds) == 0 {
		return
	}
	fmt.Fprintln(w, "Conditions:")
	_ = output.Table(w, []string{"type", "status", "reason", "message"}, trimAge(output.ConditionRows(conds, time.Now())), false)
}

func trimAge(rows [][]string) [][]string {
	for i := range rows {
		rows[i] = rows[i][:4]
	}
	return rows
}
