package output

import (
	"time"

	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/printers"
)

// ObjectPrinter returns the printer for flags; a dry run adds kubectl's suffix
// to the "<kind>/<name> <operation>" line.
func ObjectPrinter(flags *genericclioptions.PrintFlags, dryRunSuffix string) (printers.ResourcePrinter, error) {
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
