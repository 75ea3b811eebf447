package cmdutil

import (
	"context"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/flags"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// ChangeSet is one mesh operation (enable, disable, wire, unwire, source
// create, source delete): the objects it applies or removes in order, each
// reported as a wiring.Change. RunChangeSet runs every one the same way:
// clients, apply, print each change, check, wait.
type ChangeSet struct {
	// Removal says the operation reads the cluster even in a client dry run,
	// to know what is the plugin's (that run's clients refuse every write).
	// Otherwise a client dry run builds its objects without a cluster.
	Removal bool
	// Apply makes the changes, in dependency order, under the dry-run strategy.
	Apply func(ctx context.Context, m wiring.Mesh, dry wiring.DryRun) ([]wiring.Change, error)
	// Check looks at the printed changes: nothing done, everything kept.
	Check func(changes []wiring.Change) error
	// Wait waits for what Apply made, when --wait asks.
	Wait func(ctx context.Context, m wiring.Mesh, changes []wiring.Change) error
}

// RunChangeSet runs cs with a command's mutation flags: the changes are
// printed even when Apply fails part way, so that a script sees what was
// done before the error.
func RunChangeSet(ctx context.Context, f Factory, mu *flags.Mutation, s genericiooptions.IOStreams, cs ChangeSet) error {
	dry := mu.Strategy
	if cs.Removal {
		dry = wiring.DryRunNone
	}
	m, err := Mesh(f, dry)
	if err != nil {
		return err
	}
	changes, err := cs.Apply(ctx, m, mu.Strategy)
	// A failure before any change prints nothing (no empty List with -o).
	if len(changes) > 0 || err == nil {
		if perr := mu.PrintChanges(s.Out, s.ErrOut, changes...); err == nil {
			err = perr
		}
	}
	if err != nil {
		return err
	}
	if cs.Check != nil {
		if err := cs.Check(changes); err != nil {
			return err
		}
	}
	if mu.Wait && cs.Wait != nil {
		return cs.Wait(ctx, m, changes)
	}
	return nil
}
