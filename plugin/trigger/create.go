package trigger

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/flags"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// spec is what "trigger create" and "update" know: broker, sink, filters and
// delivery.
type spec struct {
	spec        wiring.TriggerSpec
	filtersFile string
	delivery    flags.Delivery
	update      bool
}

func (f *spec) AddFlags(cmd *cobra.Command) {
	fl := cmd.Flags()
	if f.update {
		fl.StringVar(&f.spec.Broker, "broker", "", "Must name the Trigger's current broker if given (it cannot change).")
	} else {
		fl.StringVar(&f.spec.Broker, "broker", "default", "Broker the Trigger subscribes to.")
	}
	fl.StringVar(&f.spec.Sink, "sink", "", "Where events go: ksvc:NAME, svc:NAME, broker:NAME, channel:NAME (each [:NAMESPACE]), KIND:APIVERSION:NAME or a URL.")
	filterHelp := "Exact attribute filter KEY=VALUE (spec.filter), repeatable, e.g. --filter type=order.created."
	if f.update {
		filterHelp += " KEY- removes KEY."
	}
	fl.StringArrayVar(&f.spec.Filter, "filter", nil, filterHelp)
	fl.StringArrayVar(&f.spec.Prefix, "filter-prefix", nil, "Prefix filter KEY=PREFIX (spec.filters), repeatable.")
	fl.StringArrayVar(&f.spec.Suffix, "filter-suffix", nil, "Suffix filter KEY=SUFFIX (spec.filters), repeatable.")
	cesqlHelp := "CloudEvents SQL filter (spec.filters), e.g. \"type LIKE 'order.%' AND source = 'shop'\"; repeatable, each its own filter, and an event must match all."
	if f.update {
		cesqlHelp = "Add a CloudEvents SQL filter to spec.filters (the Trigger's others stay; an event must match all); repeatable."
		fl.StringArrayVar(&f.spec.CESQLRemove, "cesql-remove", nil, "Remove the CloudEvents SQL filter with exactly this expression from spec.filters; repeatable.")
	}
	fl.StringArrayVar(&f.spec.CESQL, "cesql", nil, cesqlHelp)
	fl.StringVar(&f.filtersFile, "filters-file", "", "YAML file with a list of spec.filters (exact, prefix, suffix, all, any, not, cesql); - reads stdin.")
	f.delivery.AddFlags(cmd)
}

// Complete reads the filters file and the delivery flags into the spec.
func (f *spec) Complete(cmd *cobra.Command, name, namespace string, in io.Reader) error {
	f.spec.Name, f.spec.Namespace, f.spec.Delivery = name, namespace, f.delivery.Options(cmd)
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
		return invalid.Errorf("--filters-file", "%v", unwrapPathError(err))
	}
	if len(data) == 0 {
		return invalid.Errorf("--filters-file", "%q is empty", f.filtersFile)
	}
	f.spec.FiltersFile = data
	return nil
}

// Validate checks the combinations of filter flags; for an update it applies
// the change to an empty Trigger, so that every flag is checked.
func (f *spec) Validate() error {
	s := f.spec
	if len(s.Filter) > 0 && len(s.FiltersFile) > 0 {
		if f.update {
			return invalid.Errorf("--filters-file", "cannot be combined with --filter")
		}
		return invalid.Errorf("--filters-file", "cannot be combined with --filter; put the exact filter into the file as an \"exact\" entry")
	}
	if !f.update {
		return nil // BuildTrigger checks every field
	}
	if s.Sink == "" && len(s.Filter)+len(s.Prefix)+len(s.Suffix)+len(s.FiltersFile)+len(s.CESQL)+len(s.CESQLRemove) == 0 && s.Delivery.IsZero() {
		return invalid.Errorf("", "nothing to update: give --sink, a filter flag or a delivery flag")
	}
	// Which expressions the Trigger has is known only in Run: here the
	// change is checked on a Trigger that has those to remove.
	empty := &knapi.Trigger{Spec: knapi.TriggerSpec{Broker: s.Broker}}
	for _, expr := range s.CESQLRemove {
		if expr == "" {
			return invalid.Errorf("--cesql-remove", "the expression is empty")
		}
		empty.Spec.Filters = append(empty.Spec.Filters, knapi.SubscriptionsAPIFilter{CESQL: expr})
	}
	return wiring.UpdateTrigger(empty, s)
}

func (f *spec) Build() (*knapi.Trigger, error) { return wiring.BuildTrigger(f.spec) }

func (f *spec) Mutate(t *knapi.Trigger) error { return wiring.UpdateTrigger(t, f.spec) }

// Warn says when Knative will ignore spec.filter: only for a Trigger made
// elsewhere whose filters this command did not touch (when it does, the exact
// filters move into spec.filters).
func (f *spec) Warn(t *knapi.Trigger, w io.Writer) {
	if wiring.FilterConflict(t) {
		fmt.Fprintf(w, "Warning: trigger %q has both spec.filter and spec.filters; Knative ignores spec.filter (--filter) when spec.filters is set\n", t.Name)
	}
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Path, pe.Err)
	}
	return err
}

func newCmdCreate() *cobra.Command {
	return &cobra.Command{
		Use:   "create NAME --sink SINK",
		Short: "Create a Trigger that delivers a Broker's matching events to a sink",
		Long: `create makes a Trigger that delivers a Broker's matching events to a sink.

An event must match every filter given. --filter alone is kept in spec.filter;
with --filter-prefix, --filter-suffix or --cesql, which go to spec.filters, the
--filter attributes go there too, as an "exact" filter (Knative ignores
spec.filter when spec.filters is set). Each --cesql is its own filter.`,
		Example: `  kubectl kymamesh trigger create orders --broker default --filter type=order.created --sink ksvc:order-handler
  kubectl kymamesh trigger create eu-orders --filter-prefix type=order. --cesql "region = 'eu'" --sink svc:eu-orders
  kubectl kymamesh trigger create audit --filters-file filters.yaml --sink http://audit.example.com/ --wait`,
	}
}

func newCmdUpdate() *cobra.Command {
	return &cobra.Command{
		Use:   "update NAME",
		Short: "Update a Trigger's sink, filters or delivery (its broker is immutable)",
		Long: `update changes a Trigger's sink, filters or delivery; what is not given stays.

--filter KEY=VALUE sets an exact attribute and --filter KEY- removes one.
--filter-prefix, --filter-suffix and --cesql add filters to spec.filters, next
to those the Trigger has (an event must match all); --cesql-remove EXPR takes
the CESQL filter with exactly that expression out, and --filters-file replaces
spec.filters. Once spec.filters is set, the exact attributes are kept there as
an "exact" filter (Knative ignores spec.filter then).`,
		Example: `  kubectl kymamesh trigger update orders --sink ksvc:order-handler-v2
  kubectl kymamesh trigger update orders --filter source=shop --filter type-
  kubectl kymamesh trigger update orders --cesql "source = 'shop'" --cesql-remove "source = 'old-shop'"
  kubectl kymamesh trigger update orders --filters-file filters.yaml`,
	}
}
