package cmdutil

import (
	"context"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/output"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/flags"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// DescribeOptions are the inputs of every "<noun> describe NAME".
type DescribeOptions[T runtime.Object, L runtime.Object] struct {
	Output *flags.Output

	name, namespace string
	kind            Kind[T, L]
	factory         Factory
	genericiooptions.IOStreams
}

// NewCmdDescribe returns "<noun> describe NAME".
func NewCmdDescribe[T runtime.Object, L runtime.Object](f Factory, s genericiooptions.IOStreams, k Kind[T, L]) *cobra.Command {
	o := &DescribeOptions[T, L]{Output: flags.ObjectOutput(), kind: k, IOStreams: s}
	cmd := &cobra.Command{
		Use:     "describe NAME",
		Short:   fmt.Sprintf("Show a %s with its address, sink and conditions", k.Singular),
		Example: fmt.Sprintf("  kubectl kymamesh %s describe my-%s -n demo\n  kubectl kymamesh %s describe my-%s -o yaml", k.Singular, k.Singular, k.Singular, k.Singular),
		Args:    ExactArgs("NAME"),
		RunE:    RunE(f, o),
	}
	o.Output.AddFlags(cmd)
	cmd.ValidArgsFunction = CompleteNames(f, k, false)
	return cmd
}

// Complete reads the name, the namespace and -o.
func (o *DescribeOptions[T, L]) Complete(f Factory, _ *cobra.Command, args []string) error {
	o.name, o.factory = args[0], f
	if err := o.Output.Complete(); err != nil {
		return err
	}
	var err error
	o.namespace, err = f.Namespace()
	return err
}

// Validate checks the name.
func (o *DescribeOptions[T, L]) Validate() error {
	return wiring.ValidateName("NAME", o.name)
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
	if !o.Output.Human() {
		return o.Output.Objects(o.Out, obj)
	}
	m := objectMeta(obj)
	fields := append([]output.Field{{Name: "Name", Value: m.GetName()}, {Name: "Namespace", Value: m.GetNamespace()},
		{Name: "Age", Value: output.Age(m.GetCreationTimestamp().Time, time.Now())}}, o.kind.Fields(obj)...)
	return output.Describe(o.Out, fields, wiring.Conditions(obj), time.Now())
}
