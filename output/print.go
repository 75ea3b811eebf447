package output

import (
	"io"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/cli-runtime/pkg/printers"
)

// ObjectPrinter returns the printer for flags; a dry run adds kubectl's suffix
// to the "<kind>/<name> <operation>" line.
func ObjectPrinter(flags *PrintFlags, dryRunSuffix string) (printers.ResourcePrinter, error) {
	if dryRunSuffix != "" {
		if err := flags.Complete("%s " + dryRunSuffix); err != nil {
			return nil, err
		}
	}
	return flags.ToPrinter()
}

// IsHuman says whether -o asks for the human view (table or describe) rather
// than a machine format.
func IsHuman(format string) bool { return format == "" || format == "wide" }

// Age renders the time since t the way kubectl does ("5m", "3d").
func Age(t time.Time, now time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(t))
}

// PrintObjects prints objs as -o asks: one object as itself, several as one
// v1 List (as kubectl does, so that -o json stays one JSON document), and for
// -o name one line each. typer fills in the kinds objects built in code lack.
func PrintObjects(p printers.ResourcePrinter, format string, objs []runtime.Object, typer runtime.ObjectTyper, w io.Writer) error {
	if len(objs) == 1 || format == "name" {
		for _, o := range objs {
			if err := p.PrintObj(o, w); err != nil {
				return err
			}
		}
		return nil
	}
	list := &corev1.List{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "List"}}
	for _, o := range objs {
		if o.GetObjectKind().GroupVersionKind().Empty() {
			kinds, _, err := typer.ObjectKinds(o)
			if err != nil {
				return err
			}
			o.GetObjectKind().SetGroupVersionKind(kinds[0])
		}
		list.Items = append(list.Items, runtime.RawExtension{Object: o})
	}
	return p.PrintObj(list, w)
}
