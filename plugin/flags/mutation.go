package flags

import (
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/output"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
)

// Mutation is the flag group of every command that changes objects:
// --dry-run, -o and, where the command can wait, --wait/--wait-timeout.
type Mutation struct {
	DryRun
	Waiting
	Output *Output
}

// NewMutation returns the flags of a command that creates, changes or removes
// objects; waits says what --wait waits for ("" for a command that cannot wait).
func NewMutation(waits string) *Mutation {
	return &Mutation{DryRun: NewDryRun(true), Output: ObjectOutput(), Waiting: NewWaiting(waits)}
}

// AddFlags registers the flags on cmd.
func (m *Mutation) AddFlags(cmd *cobra.Command) {
	m.Output.AddFlags(cmd)
	m.DryRun.AddFlag(cmd)
	m.Waiting.AddFlags(cmd)
}

// Complete sets the dry-run strategy and makes the printer.
func (m *Mutation) Complete() error {
	if err := m.DryRun.Complete(); err != nil {
		return err
	}
	return m.Output.Complete()
}

// Validate checks the combinations of the flags.
func (m *Mutation) Validate() error { return m.Waiting.Validate(m.Strategy) }

// PrintChanges reports what an operation touched (output.Changes): kubectl's
// "<kind>/<name> <operation>" lines, or the objects in the -o format.
func (m *Mutation) PrintChanges(out, errOut io.Writer, changes ...wiring.Change) error {
	return output.Changes(out, errOut, m.Output.Printer(), m.Strategy.Suffix(), changes)
}

// Waiting is --wait and --wait-timeout, the same pair wherever a command waits.
type Waiting struct {
	Wait        bool
	WaitTimeout time.Duration
	help        string
}

// NewWaiting returns the pair; help says what --wait waits for ("" for none).
func NewWaiting(help string) Waiting { return Waiting{WaitTimeout: 60 * time.Second, help: help} }

// AddFlags registers the pair, if the command waits.
func (w *Waiting) AddFlags(cmd *cobra.Command) {
	if w.help == "" {
		return
	}
	cmd.Flags().BoolVar(&w.Wait, "wait", w.Wait, w.help)
	cmd.Flags().DurationVar(&w.WaitTimeout, "wait-timeout", w.WaitTimeout, "How long --wait waits, e.g. 30s or 2m.")
}

// Validate checks the pair against the dry-run strategy.
func (w *Waiting) Validate(dry wiring.DryRun) error {
	if w.Wait && w.WaitTimeout <= 0 {
		return invalid.Errorf("--wait-timeout", "must be positive, got %s", w.WaitTimeout)
	}
	if w.Wait && dry != wiring.DryRunNone {
		return invalid.Errorf("", "--wait cannot be combined with --dry-run")
	}
	return nil
}

// The --wait help of what the commands wait for.
const (
	WaitReady = "Wait until the object is Ready; on timeout print its conditions and exit 1."
	WaitGone  = "Wait until each object is gone (its finalizers done)."
)
