package cmdutil

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/output"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/flags"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
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

// DeleteOptions are the inputs of every "<noun> delete NAME...".
type DeleteOptions[T runtime.Object, L runtime.Object] struct {
	DryRun      flags.DryRun
	Wait        bool
	WaitTimeout time.Duration

	names     []string
	namespace string
	kind      Kind[T, L]
	factory   Factory
	genericiooptions.IOStreams
}

// NewCmdDelete returns "<noun> delete NAME...".
func NewCmdDelete[T runtime.Object, L runtime.Object](f Factory, s genericiooptions.IOStreams, k Kind[T, L]) *cobra.Command {
	o := &DeleteOptions[T, L]{DryRun: flags.NewDryRun(true), WaitTimeout: 60 * time.Second, kind: k, IOStreams: s}
	cmd := &cobra.Command{
		Use:     "delete NAME [NAME...]",
		Short:   fmt.Sprintf("Delete %s", k.Plural),
		Example: fmt.Sprintf("  kubectl kymamesh %s delete my-%s -n demo\n  kubectl kymamesh %s delete my-%s --wait", k.Singular, k.Singular, k.Singular, k.Singular),
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return invalid.Errorf("", "NAME is required (see '%s -h')", cmd.CommandPath())
			}
			return nil
		},
		RunE: RunE(f, o),
	}
	cmd.ValidArgsFunction = CompleteNames(f, k, true)
	o.DryRun.AddFlag(cmd)
	cmd.Flags().BoolVar(&o.Wait, "wait", false, "Wait until each object is gone (its finalizers done).")
	cmd.Flags().DurationVar(&o.WaitTimeout, "wait-timeout", o.WaitTimeout, "How long --wait waits, e.g. 30s or 2m.")
	return cmd
}

// Complete reads the names, the namespace and the dry-run strategy.
func (o *DeleteOptions[T, L]) Complete(f Factory, _ *cobra.Command, args []string) error {
	o.names, o.factory = args, f
	if err := o.DryRun.Complete(); err != nil {
		return err
	}
	var err error
	o.namespace, err = f.Namespace()
	return err
}

// Validate checks the names and the flags.
func (o *DeleteOptions[T, L]) Validate() error {
	for _, name := range o.names {
		if err := wiring.ValidateName("NAME", name); err != nil {
			return err
		}
	}
	if o.Wait && o.WaitTimeout <= 0 {
		return invalid.Errorf("", "--wait-timeout: must be positive, got %s", o.WaitTimeout)
	}
	if o.Wait && o.DryRun.Strategy != wiring.DryRunNone {
		return invalid.Errorf("", "--wait cannot be combined with --dry-run")
	}
	return nil
}

// Run deletes each object, and waits until each is gone if asked. As kubectl
// delete does, it tries every name: one that fails is reported and the rest
// still go, so a script learns of each failure, not only the first.
func (o *DeleteOptions[T, L]) Run(ctx context.Context) error {
	c, err := o.kind.Client(o.factory, o.namespace)
	if err != nil {
		return err
	}
	suffix := o.DryRun.Strategy.Suffix()
	if suffix != "" {
		suffix = " " + suffix
	}
	// Each failure but the last is printed as it comes; the last is returned,
	// for main to print and to decide the exit code.
	var last error
	fail := func(err error) {
		if last != nil {
			fmt.Fprintf(o.ErrOut, "error: %s\n", OneLine(last))
		}
		last = err
	}
	deleted := make([]string, 0, len(o.names))
	for _, name := range o.names {
		if ctx.Err() != nil { // interrupted: what is left is not tried
			fail(context.Cause(ctx))
			break
		}
		if err := wiring.Delete(ctx, c, name, o.DryRun.Strategy); err != nil {
			fail(wiring.APIError(err, "delete", o.kind.Singular, name, o.namespace))
			continue
		}
		deleted = append(deleted, name)
		fmt.Fprintf(o.Out, "%s/%s deleted%s\n", o.kind.Resource, name, suffix)
	}
	if o.Wait {
		for _, name := range deleted {
			if err := wiring.WaitDeleted(ctx, c, o.kind.Singular, name, o.WaitTimeout); err != nil {
				fail(wiring.APIError(err, "wait for the deletion of", o.kind.Singular, name, o.namespace))
				if ctx.Err() != nil {
					break
				}
			}
		}
	}
	return last
}

// DescribeOptions are the inputs of every "<noun> describe NAME".
type DescribeOptions[T runtime.Object, L runtime.Object] struct {
	PrintFlags *output.PrintFlags

	name, namespace string
	kind            Kind[T, L]
	factory         Factory
	genericiooptions.IOStreams
}

// NewCmdDescribe returns "<noun> describe NAME".
func NewCmdDescribe[T runtime.Object, L runtime.Object](f Factory, s genericiooptions.IOStreams, k Kind[T, L]) *cobra.Command {
	o := &DescribeOptions[T, L]{PrintFlags: output.NewPrintFlags(""), kind: k, IOStreams: s}
	cmd := &cobra.Command{
		Use:     "describe NAME",
		Short:   fmt.Sprintf("Show a %s with its address, sink and conditions", k.Singular),
		Example: fmt.Sprintf("  kubectl kymamesh %s describe my-%s -n demo\n  kubectl kymamesh %s describe my-%s -o yaml", k.Singular, k.Singular, k.Singular, k.Singular),
		Args:    ExactArgs("NAME"),
		RunE:    RunE(f, o),
	}
	o.PrintFlags.AddFlags(cmd)
	cmd.ValidArgsFunction = CompleteNames(f, k, false)
	flags.Complete(cmd, "output", "values", "json", "yaml", "name", "jsonpath=", "go-template=")
	return cmd
}

// Complete reads the name and the namespace.
func (o *DescribeOptions[T, L]) Complete(f Factory, _ *cobra.Command, args []string) error {
	o.name, o.factory = args[0], f
	var err error
	o.namespace, err = f.Namespace()
	return err
}

// Validate checks the name and -o.
func (o *DescribeOptions[T, L]) Validate() error {
	if err := wiring.ValidateName("NAME", o.name); err != nil {
		return err
	}
	return checkOutput(o.PrintFlags)
}

// Run reads the object and shows it.
func (o *DescribeOptions[T, L]) Run(ctx context.Context) error {
	c, err := o.kind.Client(o.factory, o.namespace)
	if err != nil {
		return err
	}
	obj, err := c.Get(ctx, o.name, metav1.GetOptions{})
	if err != nil {
		return wiring.APIError(err, "get", o.kind.Singular, o.name, o.namespace)
	}
	if !output.IsHuman(*o.PrintFlags.OutputFormat) {
		return printMachine(o.PrintFlags, obj, o.IOStreams)
	}
	m := objectMeta(obj)
	fields := append([]output.Field{{Name: "Name", Value: m.GetName()}, {Name: "Namespace", Value: m.GetNamespace()},
		{Name: "Age", Value: output.Age(m.GetCreationTimestamp().Time, time.Now())}}, o.kind.Fields(obj)...)
	return output.Describe(o.Out, fields, wiring.Conditions(obj), time.Now())
}

// ListOptions are the inputs of every "<noun> list".
type ListOptions[T runtime.Object, L runtime.Object] struct {
	PrintFlags               *output.PrintFlags
	AllNamespaces, NoHeaders bool
	Selector                 string

	namespace string
	kind      Kind[T, L]
	factory   Factory
	genericiooptions.IOStreams
}

// NewCmdList returns "<noun> list".
func NewCmdList[T runtime.Object, L runtime.Object](f Factory, s genericiooptions.IOStreams, k Kind[T, L]) *cobra.Command {
	o := &ListOptions[T, L]{PrintFlags: output.NewPrintFlags(""), kind: k, IOStreams: s}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   fmt.Sprintf("List %s", k.Plural),
		Example: fmt.Sprintf("  kubectl kymamesh %s list -n demo\n  kubectl kymamesh %s list -A -o wide", k.Singular, k.Singular),
		Args:    NoArgs,
		RunE:    RunE(f, o),
	}
	o.PrintFlags.AddFlags(cmd)
	flags.Complete(cmd, "output", "values", "wide", "json", "yaml", "name", "jsonpath=", "go-template=")
	AddListFlags(cmd, &o.AllNamespaces, &o.NoHeaders, &o.Selector)
	return cmd
}

// AddListFlags registers -A, --no-headers and -l, as kubectl names them.
func AddListFlags(cmd *cobra.Command, allNamespaces, noHeaders *bool, selector *string) {
	cmd.Flags().BoolVarP(allNamespaces, "all-namespaces", "A", false, "List across all namespaces.")
	cmd.Flags().BoolVar(noHeaders, "no-headers", false, "Do not print the header line.")
	cmd.Flags().StringVarP(selector, "selector", "l", "", "Label selector to filter on, e.g. app=shop.")
}

// Complete reads the namespace.
func (o *ListOptions[T, L]) Complete(f Factory, _ *cobra.Command, _ []string) error {
	o.factory = f
	var err error
	o.namespace, err = f.Namespace()
	if o.AllNamespaces {
		o.namespace = ""
	}
	return err
}

// Validate checks -o and the selector.
func (o *ListOptions[T, L]) Validate() error {
	if _, err := labels.Parse(o.Selector); err != nil {
		return invalid.Errorf("", "--selector: %w", err)
	}
	return checkOutput(o.PrintFlags)
}

// Run lists the objects and prints a table, or the list in the -o format.
func (o *ListOptions[T, L]) Run(ctx context.Context) error {
	format := *o.PrintFlags.OutputFormat
	c, err := o.kind.Client(o.factory, o.namespace)
	if err != nil {
		return err
	}
	list, err := c.List(ctx, metav1.ListOptions{LabelSelector: o.Selector})
	if err != nil {
		return wiring.APIError(err, "list", o.kind.Plural, "", o.namespace)
	}
	items := o.kind.Items(list)
	if !output.IsHuman(format) {
		return printMachine(o.PrintFlags, list, o.IOStreams)
	}
	if len(items) == 0 {
		where := fmt.Sprintf(" in namespace %q", o.namespace)
		if o.AllNamespaces {
			where = ""
		}
		fmt.Fprintf(o.ErrOut, "No %s found%s.\n", o.kind.Plural, where)
		return nil
	}
	return output.Table(o.Out, o.kind.headers(o.AllNamespaces, format == "wide"), o.kind.rows(items, o.AllNamespaces, format == "wide"), o.NoHeaders)
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
func checkOutput(flags *output.PrintFlags) error {
	if output.IsHuman(*flags.OutputFormat) {
		return nil
	}
	if _, err := flags.ToPrinter(); err != nil {
		return invalid.Errorf("", "--output: %w", err)
	}
	return nil
}

// printMachine prints obj in a -o format (json, yaml, name, templates).
// apiVersion and kind are set from the scheme first, on list items too: an
// object built in code (a client-side dry run) has none.
func printMachine(flags *output.PrintFlags, obj runtime.Object, s genericiooptions.IOStreams) error {
	p, err := flags.ToPrinter()
	if err != nil {
		return invalid.Errorf("", "--output: %w", err)
	}
	setKinds := func(o runtime.Object) error {
		kinds, _, err := wiring.Scheme().ObjectKinds(o)
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

// Pointers returns pointers to a typed list's items (a Kind's Items).
func Pointers[E any](items []E) []*E {
	out := make([]*E, len(items))
	for i := range items {
		out[i] = &items[i]
	}
	return out
}
