package output

import (
	"fmt"
	"io"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/cli-runtime/pkg/printers"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// Age renders the time since t the way kubectl does ("5m", "3d").
func Age(t time.Time, now time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(t))
}

// Objects prints objs with a machine printer (json, yaml, name, templates)
// as kubectl does: one object as itself; a list, or several objects, as one
// v1 List of the items, so that -o json stays one JSON document and has the
// same shape whichever command printed it; -o name prints a line per item.
// apiVersion and kind come from the scheme first: an object built in code (a
// client dry run) has none.
func Objects(w io.Writer, p printers.ResourcePrinter, objs ...runtime.Object) error {
	_, short := p.(*printers.NamePrinter)
	items := make([]runtime.Object, 0, len(objs))
	lists := 0
	for _, o := range objs {
		if !meta.IsListType(o) {
			items = append(items, o)
			continue
		}
		lists++
		if err := meta.EachListItem(o, func(it runtime.Object) error { items = append(items, it); return nil }); err != nil {
			return err
		}
	}
	for _, o := range items {
		if err := setKind(o); err != nil {
			return err
		}
	}
	if short || len(items) == 1 && lists == 0 {
		for _, o := range items {
			if err := p.PrintObj(o, w); err != nil {
				return err
			}
		}
		return nil
	}
	list := &corev1.List{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "List"}, Items: []runtime.RawExtension{}}
	for _, o := range items {
		list.Items = append(list.Items, runtime.RawExtension{Object: o})
	}
	return p.PrintObj(list, w)
}

func setKind(o runtime.Object) error {
	if !o.GetObjectKind().GroupVersionKind().Empty() {
		return nil
	}
	kinds, _, err := wiring.Scheme().ObjectKinds(o)
	if err != nil {
		return err
	}
	o.GetObjectKind().SetGroupVersionKind(kinds[0])
	return nil
}

// Changes reports what an operation did, the one place that writes kubectl's
// "<kind>/<name> <operation>" lines: a line per change on out, with the dry
// run's suffix ("(dry run)", "(server dry run)") and a reason where there is
// one. With a machine printer (p not nil) out gets the changed objects in
// that format instead, and an object kept as it was (wiring.OpKept) or a
// change a client dry run cannot show (wiring.OpPlanned) becomes a warning on
// errOut, so that machine output holds only changed objects.
func Changes(out, errOut io.Writer, p printers.ResourcePrinter, dryRunSuffix string, changes []wiring.Change) error {
	suffix := ""
	if dryRunSuffix != "" {
		suffix = " " + dryRunSuffix
	}
	objs := make([]runtime.Object, 0, len(changes))
	for _, c := range changes {
		applied := c.Op != wiring.OpKept && c.Op != wiring.OpPlanned
		if p != nil && applied {
			objs = append(objs, c.Object)
			continue
		}
		name, err := wiring.ResourceName(c.Object)
		if err != nil {
			return err
		}
		switch {
		case applied && c.Reason != "":
			_, err = fmt.Fprintf(out, "%s %s%s (%s)\n", name, c.Op, suffix, c.Reason)
		case applied:
			_, err = fmt.Fprintf(out, "%s %s%s\n", name, c.Op, suffix)
		case p != nil:
			_, err = fmt.Fprintf(errOut, "warning: %s %s%s: %s\n", name, c.Op, suffix, c.Reason)
		default:
			_, err = fmt.Fprintf(out, "%s %s%s: %s\n", name, c.Op, suffix, c.Reason)
		}
		if err != nil {
			return err
		}
	}
	if p == nil {
		return nil
	}
	return Objects(out, p, objs...)
}
