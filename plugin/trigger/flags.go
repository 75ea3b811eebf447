package trigger

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// specFlags are the flags create and update share.
type specFlags struct {
	spec        wiring.TriggerSpec
	filtersFile string
	delivery    cmdutil.DeliveryFlags
}

func (f *specFlags) add(cmd *cobra.Command, update bool) {
	fl := cmd.Flags()
	fl.StringVar(&f.spec.Sink, "sink", "", "Where events go: ksvc:NAME, svc:NAME, broker:NAME, channel:NAME (each [:NAMESPACE]), KIND:APIVERSION:NAME or a URL.")
	filterHelp := "Exact attribute filter KEY=VALUE (spec.filter), repeatable, e.g. --filter type=order.created."
	if update {
		filterHelp += " KEY- removes KEY."
	}
	fl.StringArrayVar(&f.spec.Filter, "filter", nil, filterHelp)
	fl.StringArrayVar(&f.spec.Prefix, "filter-prefix", nil, "Prefix filter KEY=PREFIX (spec.filters), repeatable.")
	fl.StringArrayVar(&f.spec.Suffix, "filter-suffix", nil, "Suffix filter KEY=SUFFIX (spec.filters), repeatable.")
	fl.StringVar(&f.spec.CESQL, "cesql", "", "CloudEvents SQL filter (spec.filters), e.g. \"type LIKE 'order.%' AND source = 'shop'\".")
	fl.StringVar(&f.filtersFile, "filters-file", "", "YAML file with a list of spec.filters (exact, prefix, suffix, all, any, not, cesql); - reads stdin.")
	f.delivery.AddFlags(cmd)
}

// complete reads the filters file and the delivery flags into the spec.
func (f *specFlags) complete(cmd *cobra.Command, in io.Reader) error {
	f.spec.Delivery = f.delivery.Options(cmd)
	if f.filtersFile == "" {
		return nil
	}
	var data []byte
	var err error
	if f.filtersFile == "-" {
		data, err = io.ReadAll(in)
	} else {
		data, err = os.ReadFile(f.filtersFile)
	}
	if err != nil {
		return wiring.Invalidf("--filters-file", "%v", unwrapPathError(err))
	}
	if len(data) == 0 {
		return wiring.Invalidf("--filters-file", "%q is empty", f.filtersFile)
	}
	f.spec.FiltersFile = data
	return nil
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Path, pe.Err)
	}
	return err
}
