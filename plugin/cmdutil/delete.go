package cmdutil

import (
	"context"
	"fmt"
	"reflect"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/output"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/flags"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
)

// DeleteOptions are the inputs of every "<noun> delete NAME...".
type DeleteOptions[T runtime.Object, L runtime.Object] struct {
	flags.DryRun
	flags.Waiting
	Output *flags.Output

	names     []string
	namespace string
	kind      Kind[T, L]
	factory   Factory
	genericiooptions.IOStreams
}

// NewCmdDelete returns "<noun> delete NAME...".
func NewCmdDelete[T runtime.Object, L runtime.Object](f Factory, s genericiooptions.IOStreams, k Kind[T, L]) *cobra.Command {
	o := &DeleteOptions[T, L]{DryRun: flags.NewDryRun(true), Waiting: flags.NewWaiting(flags.WaitGone), Output: flags.NameOutput(), kind: k, IOStreams: s}
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
	o.Waiting.AddFlags(cmd)
	o.Output.AddFlags(cmd)
	return cmd
}

// Complete reads the names, the namespace, the dry-run strategy and -o.
func (o *DeleteOptions[T, L]) Complete(f Factory, _ *cobra.Command, args []string) error {
	o.names, o.factory = args, f
	if err := o.DryRun.Complete(); err != nil {
		return err
	}
	if err := o.Output.Complete(); err != nil {
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
	return o.Waiting.Validate(o.Strategy)
}

// Run deletes each object, and waits until each is gone if asked. As kubectl
// delete does, it tries every name: one that fails is reported and the rest
// still go, so a script learns of each failure, not only the first.
func (o *DeleteOptions[T, L]) Run(ctx context.Context) error {
	c, err := o.kind.Client(o.factory, o.namespace)
	if err != nil {
		return err
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
		if err := wiring.Delete(ctx, c, name, o.Strategy); err != nil {
			fail(wiring.APIError(err, "delete", o.kind.Singular, name, o.namespace))
			continue
		}
		deleted = append(deleted, name)
		gone := o.kind.named(name, o.namespace)
		if err := output.Changes(o.Out, o.ErrOut, o.Output.Printer(), o.Strategy.Suffix(), []wiring.Change{{Object: gone, Op: wiring.OpDeleted}}); err != nil {
			fail(err)
		}
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

// named returns an empty object of the kind with a name, to report its deletion.
func (k Kind[T, L]) named(name, namespace string) T {
	var zero T
	obj := reflect.New(reflect.TypeOf(zero).Elem()).Interface().(T)
	m := objectMeta(obj)
	m.SetName(name)
	m.SetNamespace(namespace)
	return obj
}
