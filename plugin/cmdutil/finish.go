package cmdutil

import (
	"context"
	"fmt"
	"io"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/output"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/flags"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// Finish waits for obj if asked, and prints it. The object exists whatever
// the wait's outcome, so it is always printed before the wait's failure is
// returned: a script learns what was made even when the wait fails or is
// interrupted. kubectl's line and -o name do not depend on the object's
// state and are printed before waiting (a second Ctrl-C cannot lose them);
// other -o formats print the object as the wait last saw it. Waiting errors
// keep the object's conditions on stderr, so the user sees why it is not Ready,
// and name a Broker or Channel it waits on that does not exist (f's client
// looks).
func Finish[T runtime.Object, L runtime.Object](ctx context.Context, f Factory, m *flags.Mutation, c wiring.Client[T, L], kind string, obj T, out, errOut io.Writer) error {
	if !m.Wait {
		return m.Print(obj, out)
	}
	early := *m.PrintFlags.OutputFormat == "" || *m.PrintFlags.OutputFormat == "name"
	if early {
		if err := m.Print(obj, out); err != nil {
			return err
		}
	}
	name := ""
	if meta, err := meta.Accessor(obj); err == nil {
		name = meta.GetName()
	}
	spin := output.NewSpinner(errOut, fmt.Sprintf("waiting for %s %q to be Ready", kind, name)) // on a terminal only
	last, err := wiring.WaitReady(ctx, c, kind, obj, m.WaitTimeout)
	spin.Done()
	if !early {
		// WaitReady returns the object as it last read it, even on failure.
		if perr := m.Print(last, out); perr != nil && err == nil {
			return perr
		}
	}
	if err != nil {
		PrintConditions(errOut, last)
		if dyn, derr := f.Dynamic(); derr == nil {
			err = wiring.ExplainNotReady(ctx, dyn, last, err)
		}
	}
	return err
}

// PrintConditions writes an object's conditions to w (used on wait failures).
func PrintConditions(w io.Writer, obj runtime.Object) {
	conds := wiring.Conditions(obj)
	if len(conds) == 0 {
		return
	}
	fmt.Fprintln(w, "Conditions:")
	rows := output.ConditionRows(conds, time.Now())
	for i := range rows {
		rows[i] = rows[i][:4] // no age: what matters is why it is not Ready
	}
	_ = output.Table(w, []string{"type", "status", "reason", "message"}, rows, false)
}
