package cmdutil

import (
	"context"
	"fmt"
	"io"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/output"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/flags"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// Finish waits for the changed object if asked, and prints it. The object
// exists whatever the wait's outcome, so it is always printed before the
// wait's failure is returned: a script learns what was made even when the wait
// fails or is interrupted. kubectl's line and -o name do not depend on the
// object's state and are printed before waiting (a second Ctrl-C cannot lose
// them); other -o formats print the object as the wait last saw it. Waiting
// errors keep the object's conditions on stderr, so the user sees why it is
// not Ready, and name a Broker or Channel it waits on that does not exist
// (f's client looks).
func Finish[T runtime.Object, L runtime.Object](ctx context.Context, f Factory, m *flags.Mutation, c wiring.Client[T, L], kind string, change wiring.Change, out, errOut io.Writer) error {
	if !m.Wait {
		return m.PrintChanges(out, errOut, change)
	}
	early := m.Output.Format == "" || m.Output.Format == "name"
	if early {
		if err := m.PrintChanges(out, errOut, change); err != nil {
			return err
		}
	}
	name := ""
	if meta, err := meta.Accessor(change.Object); err == nil {
		name = meta.GetName()
	}
	spin := output.NewSpinner(errOut, fmt.Sprintf("waiting for %s %q to be Ready", kind, name)) // on a terminal only
	last, err := wiring.WaitReady(ctx, c, kind, change.Object.(T), m.WaitTimeout)
	spin.Done()
	if !early {
		// WaitReady returns the object as it last read it, even on failure.
		change.Object = last
		if perr := m.PrintChanges(out, errOut, change); perr != nil && err == nil {
			return perr
		}
	}
	if err != nil {
		_ = output.NotReadyConditions(errOut, wiring.Conditions(last))
		if dyn, derr := f.Dynamic(); derr == nil {
			err = wiring.ExplainNotReady(ctx, dyn, last, err)
		}
	}
	return err
}
