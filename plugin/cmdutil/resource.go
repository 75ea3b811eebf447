package cmdutil

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/output"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// Kind describes one resource the plugin manages, so that list, describe and
// delete are written once for all of them.
type Kind[T runtime.Object, L runtime.Object] struct {
	Singular, Plural string // "trigger", "triggers"
	Resource         string // "trigger.eventing.knative.dev", for messages
	Client           func(f Factory, namespace string) (wiring.Client[T, L], error)
	Items            func(L) []T
	// Columns come after NAME; the table adds READY, REASON and AGE itself.
	Columns, WideColumns []string
	Row                  func(obj T, wide bool) []string
	// Fields are the describe view's key fields after name and namespace.
	Fields func(obj T) []output.Field
}

// readyColumns returns an object's READY and REASON cells.
func readyColumns(obj runtime.Object) (string, string) {
	for _, c := range wiring.Conditions(obj) {
		if c.Type == "Ready" {
			return string(c.Status), c.Reason
		}
	}
	return "Unknown", ""
}

func objectMeta(obj runtime.Object) metav1.Object {
	m, err := meta.Accessor(obj)
	if err != nil {
		// Every Kind's type has object metadata; reaching this is a programming error.
		panic(err)
	}
	return m
}

// clientFor resolves the namespace and the kind's client in one step.
func clientFor[T runtime.Object, L runtime.Object](f Factory, k Kind[T, L], allNamespaces bool) (wiring.Client[T, L], string, error) {
	ns, err := f.Namespace()
	if err != nil {
		return nil, "", err
	}
	if allNamespaces {
		ns = ""
	}
	c, err := k.Client(f, ns)
	return c, ns, err
}

// NewCmdDelete returns "<noun> delete NAME...".
func NewCmdDelete[T runtime.Object, L runtime.Object](f Factory, s genericiooptions.IOStreams, k Kind[T, L]) *cobra.Command {
	m := NewMutationFlags("deleted", false)
	cmd := &cobra.Command{
		Use:     "delete NAME [NAME...]",
		Short:   fmt.Sprintf("Delete %s", k.Plural),
		Example: fmt.Sprintf("  kubectl kymamesh %s delete my-%s -n demo", k.Singular, k.Singular),
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return UsageErrorf("NAME is required (see '%s -h')", cmd.CommandPath())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := m.Validate(); err != nil {
				return err
			}
			for _, name := range args {
				if err := wiring.ValidateName("NAME", name); err != nil {
					return err
				}
			}
			c, ns, err := clientFor(f, k, false)
			if err != nil {
				return err
			}
			for _, name := range args {
				if err := wiring.Delete(cmd.Context(), c, name, m.DryRun); err != nil {
					return wiring.APIError(err, "delete", k.Singular, name, ns)
				}
				fmt.Fprintf(s.Out, "%s/%s %s\n", k.Resource, name, dryRunOp("deleted", m.DryRun))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&m.DryRunValue, "dry-run", m.DryRunValue, `Must be "none", "server", or "client".`)
	cmd.Flags().Lookup("dry-run").NoOptDefVal = "client"
	return cmd
}

func dryRunOp(op string, d wiring.DryRun) string {
	switch d {
	case wiring.DryRunClient:
		return op + " (dry run)"
	case wiring.DryRunServer:
		return op + " (server dry run)"
	}
	return op
}

// NewCmdDescribe returns "<noun> describe NAME".
func NewCmdDescribe[T runtime.Object, L runtime.Object](f Factory, s genericiooptions.IOStreams, k Kind[T, L]) *cobra.Command {
	printFlags := genericclioptions.NewPrintFlags("")
	cmd := &cobra.Command{
		Use:     "describe NAME",
		Short:   fmt.Sprintf("Show a %s with its address, sink and conditions", k.Singular),
		Example: fmt.Sprintf("  kubectl kymamesh %s describe my-%s -n demo\n  kubectl kymamesh %s describe my-%s -o yaml", k.Singular, k.Singular, k.Singular, k.Singular),
		Args:    ExactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := wiring.ValidateName("NAME", args[0]); err != nil {
				return err
			}
			if err := checkOutput(printFlags); err != nil {
				return err
			}
			c, ns, err := clientFor(f, k, false)
			if err != nil {
				return err
			}
			obj, err := c.Get(cmd.Context(), args[0], metav1.GetOptions{})
			if err != nil {
				return wiring.APIError(err, "get", k.Singular, args[0], ns)
			}
			if !output.IsHuman(*printFlags.OutputFormat) {
				return printMachine(printFlags, obj, s)
			}
			m := objectMeta(obj)
			fields := append([]output.Field{{Name: "Name", Value: m.GetName()}, {Name: "Namespace", Value: m.GetNamespace()},
				{Name: "Age", Value: output.Age(m.GetCreationTimestamp().Time, time.Now())}}, k.Fields(obj)...)
			return output.Describe(s.Out, fields, wiring.Conditions(obj), time.Now())
		},
	}
	printFlags.AddFlags(cmd)
	return cmd
}

// NewCmdList returns "<noun> list".
func NewCmdList[T runtime.Object, L runtime.Object](f Factory, s genericiooptions.IOStreams, k Kind[T, L]) *cobra.Command {
	printFlags := genericclioptions.NewPrintFlags("")
	var allNamespaces, noHeaders bool
	var selector string
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   fmt.Sprintf("List %s", k.Plural),
		Example: fmt.Sprintf("  kubectl kymamesh %s list -n demo\n  kubectl kymamesh %s list -A -o wide", k.Singular, k.Singular),
		Args:    NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format := *printFlags.OutputFormat
			if err := checkOutput(printFlags); err != nil {
				return err
			}
			c, ns, err := clientFor(f, k, allNamespaces)
			if err != nil {
				return err
			}
			list, err := c.List(cmd.Context(), metav1.ListOptions{LabelSelector: selector})
			if err != nil {
				return wiring.APIError(err, "list", k.Plural, "", ns)
			}
			items := k.Items(list)
			if !output.IsHuman(format) {
				return printMachine(printFlags, list, s)
			}
			if len(items) == 0 {
				where := fmt.Sprintf(" in namespace %q", ns)
				if allNamespaces {
					where = ""
				}
				fmt.Fprintf(s.ErrOut, "No %s found%s.\n", k.Plural, where)
				return nil
			}
			return output.Table(s.Out, k.headers(allNamespaces, format == "wide"), k.rows(items, allNamespaces, format == "wide"), noHeaders)
		},
	}
	printFlags.AddFlags(cmd)
	cmd.Flags().BoolVarP(&allNamespaces, "all-namespaces", "A", false, "List across all namespaces.")
	cmd.Flags().BoolVar(&noHeaders, "no-headers", false, "Do not print the header line.")
	cmd.Flags().StringVarP(&selector, "selector", "l", "", "Label selector to filter on, e.g. app=shop.")
	return cmd
}

func (k Kind[T, L]) headers(allNamespaces, wide bool) []string {
	h := []string{"name"}
	if allNamespaces {
		h = []string{"namespace", "name"}
	}
	h = append(h, k.Columns...)
	h = append(h, "ready", "reason", "age")
	if wide {
		h = append(h, k.WideColumns...)
	}
	return h
}

func (k Kind[T, L]) rows(items []T, allNamespaces, wide bool) [][]string {
	now := time.Now()
	rows := make([][]string, 0, len(items))
	for _, it := range items {
		m := objectMeta(it)
		row := []string{m.GetName()}
		if allNamespaces {
			row = []string{m.GetNamespace(), m.GetName()}
		}
		cells := k.Row(it, wide)
		row = append(row, cells[:len(k.Columns)]...)
		ready, reason := readyColumns(it)
		row = append(row, ready, reason, output.Age(m.GetCreationTimestamp().Time, now))
		if wide {
			row = append(row, cells[len(k.Columns):]...)
		}
		rows = append(rows, row)
	}
	return rows
}

// checkOutput refuses an unknown -o before any request is made.
func checkOutput(flags *genericclioptions.PrintFlags) error {
	if output.IsHuman(*flags.OutputFormat) {
		return nil
	}
	if _, err := flags.ToPrinter(); err != nil {
		return UsageErrorf("--output: %w", err)
	}
	return nil
}

// printMachine prints obj in a -o format (json, yaml, name, templates). Typed
// clients leave apiVersion and kind empty, also on list items, so both are set
// from the scheme first.
func printMachine(flags *genericclioptions.PrintFlags, obj runtime.Object, s genericiooptions.IOStreams) error {
	p, err := flags.ToPrinter()
	if err != nil {
		return UsageErrorf("--output: %w", err)
	}
	setKinds := func(o runtime.Object) error {
		kinds, _, err := Scheme().ObjectKinds(o)
		if err != nil {
			return err
		}
		o.GetObjectKind().SetGroupVersionKind(kinds[0])
		return nil
	}
	if err := setKinds(obj); err != nil {
		return err
	}
	if !meta.IsListType(obj) {
		return p.PrintObj(obj, s.Out)
	}
	if err := meta.EachListItem(obj, setKinds); err != nil {
		return err
	}
	// The name printer takes no typed lists; it prints each item instead.
	if *flags.OutputFormat == "name" {
		return meta.EachListItem(obj, func(o runtime.Object) error { return p.PrintObj(o, s.Out) })
	}
	return p.PrintObj(obj, s.Out)
}
