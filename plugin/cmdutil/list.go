package cmdutil

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/output"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/flags"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
)

// ListOptions are the inputs of every "<noun> list".
type ListOptions[T runtime.Object, L runtime.Object] struct {
	Output                   *flags.Output
	AllNamespaces, NoHeaders bool
	Selector                 string

	namespace string
	kind      Kind[T, L]
	factory   Factory
	genericiooptions.IOStreams
}

// NewCmdList returns "<noun> list".
func NewCmdList[T runtime.Object, L runtime.Object](f Factory, s genericiooptions.IOStreams, k Kind[T, L]) *cobra.Command {
	o := &ListOptions[T, L]{Output: flags.ObjectOutput("wide"), kind: k, IOStreams: s}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   fmt.Sprintf("List %s", k.Plural),
		Example: fmt.Sprintf("  kubectl kymamesh %s list -n demo\n  kubectl kymamesh %s list -A -o wide", k.Singular, k.Singular),
		Args:    NoArgs,
		RunE:    RunE(f, o),
	}
	o.Output.AddFlags(cmd)
	AddListFlags(cmd, &o.AllNamespaces, &o.NoHeaders, &o.Selector)
	return cmd
}

// AddListFlags registers -A, --no-headers and -l, as kubectl names them.
func AddListFlags(cmd *cobra.Command, allNamespaces, noHeaders *bool, selector *string) {
	cmd.Flags().BoolVarP(allNamespaces, "all-namespaces", "A", false, "List across all namespaces.")
	cmd.Flags().BoolVar(noHeaders, "no-headers", false, "Do not print the header line.")
	cmd.Flags().StringVarP(selector, "selector", "l", "", "Label selector to filter on, e.g. app=shop.")
}

// Complete reads the namespace and -o.
func (o *ListOptions[T, L]) Complete(f Factory, _ *cobra.Command, _ []string) error {
	o.factory = f
	if err := o.Output.Complete(); err != nil {
		return err
	}
	var err error
	o.namespace, err = f.Namespace()
	if o.AllNamespaces {
		o.namespace = ""
	}
	return err
}

// Validate checks the selector.
func (o *ListOptions[T, L]) Validate() error {
	if _, err := labels.Parse(o.Selector); err != nil {
		return invalid.Errorf("", "--selector: %w", err)
	}
	return nil
}

// Run lists the objects and prints a table, or the list in the -o format.
func (o *ListOptions[T, L]) Run(ctx context.Context) error {
	format := o.Output.Format
	c, err := o.kind.Client(o.factory, o.namespace)
	if err != nil {
		return err
	}
	list, err := c.List(ctx, metav1.ListOptions{LabelSelector: o.Selector})
	if err != nil {
		return wiring.APIError(err, "list", o.kind.Plural, "", o.namespace)
	}
	items := o.kind.Items(list)
	if !o.Output.Human() {
		return o.Output.Objects(o.Out, list)
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
