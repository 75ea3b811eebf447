package cmdutil

import (
	"context"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/flags"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// Spec is what a noun's create or update knows beyond the shared flags: its
// own flags, how they become a spec, and which combinations it refuses.
type Spec interface {
	AddFlags(cmd *cobra.Command)
	// Complete takes the flags into the spec: name and namespace, files read.
	Complete(cmd *cobra.Command, name, namespace string, in io.Reader) error
	// Validate checks the spec without building anything or a cluster.
	Validate() error
}

// CreateSpec builds the object a create sends.
type CreateSpec[T runtime.Object] interface {
	Spec
	Build() (T, error)
}

// UpdateSpec changes an object read from the cluster.
type UpdateSpec[T runtime.Object] interface {
	Spec
	Mutate(T) error
}

// warner is a spec that has something to say about the object on stderr.
type warner[T runtime.Object] interface{ Warn(obj T, w io.Writer) }

// explainer is a spec that knows what an API error means for its object
// (policy allow: EventPolicies refused while OIDC is off); nil when it has
// nothing to add.
type explainer interface{ Explain(err error) error }

// MutateOptions are the inputs of every "<noun> create" and "<noun> update".
type MutateOptions[T runtime.Object, L runtime.Object] struct {
	Mutation *flags.Mutation
	create   CreateSpec[T] // one of create and update is set
	update   UpdateSpec[T]
	kind     Kind[T, L]
	op       string // created, updated

	arg             string // what the argument is called: NAME, APP
	name, namespace string
	factory         Factory
	genericiooptions.IOStreams
}

// NewCmdCreate returns "<noun> create NAME" for kind, with cmd's Use, Short and Example.
func NewCmdCreate[T runtime.Object, L runtime.Object](f Factory, s genericiooptions.IOStreams, k Kind[T, L], spec CreateSpec[T], cmd *cobra.Command) *cobra.Command {
	o := &MutateOptions[T, L]{Mutation: flags.NewMutation(flags.WaitReady), create: spec, kind: k, op: wiring.OpCreated, IOStreams: s}
	return o.command(f, spec, cmd)
}

// NewCmdUpdate returns "<noun> update NAME" for kind.
func NewCmdUpdate[T runtime.Object, L runtime.Object](f Factory, s genericiooptions.IOStreams, k Kind[T, L], spec UpdateSpec[T], cmd *cobra.Command) *cobra.Command {
	o := &MutateOptions[T, L]{Mutation: flags.NewMutation(flags.WaitReady), update: spec, kind: k, op: "updated", IOStreams: s}
	return o.command(f, spec, cmd)
}

// command completes cmd; its Use names the argument ("create NAME", "allow APP").
func (o *MutateOptions[T, L]) command(f Factory, spec Spec, cmd *cobra.Command) *cobra.Command {
	o.arg = "NAME"
	if w := strings.Fields(cmd.Use); len(w) > 1 {
		o.arg = w[1]
	}
	cmd.Args = ExactArgs(o.arg)
	cmd.RunE = RunE(f, o)
	if o.update != nil {
		cmd.ValidArgsFunction = CompleteNames(f, o.kind, false)
	}
	spec.AddFlags(cmd)
	o.Mutation.AddFlags(cmd)
	return cmd
}

func (o *MutateOptions[T, L]) spec() Spec {
	if o.create != nil {
		return o.create
	}
	return o.update
}

// Complete reads the namespace, the dry-run strategy and printer, and the
// spec's flags and files. The client is made in Run, once the object is
// built: a bad input never reaches a cluster, and a client dry run of a
// create needs none.
func (o *MutateOptions[T, L]) Complete(f Factory, cmd *cobra.Command, args []string) error {
	o.name, o.factory = args[0], f
	if err := o.Mutation.Complete(); err != nil {
		return err
	}
	ns, err := f.Namespace()
	if err != nil {
		return err
	}
	o.namespace = ns
	return o.spec().Complete(cmd, o.name, ns, o.In)
}

// Validate checks the flags and the spec; a create also builds its object
// (pure, no cluster), so that every input is checked before any request (a
// batch checks all its lines this way before it runs one). Nothing is sent.
func (o *MutateOptions[T, L]) Validate() error {
	if err := wiring.ValidateName(o.arg, o.name); err != nil {
		return err
	}
	if err := o.Mutation.Validate(); err != nil {
		return err
	}
	if err := o.spec().Validate(); err != nil {
		return err
	}
	if o.create != nil {
		_, err := o.create.Build()
		return err
	}
	return nil
}

// Run builds the object once and creates it, or reads, changes and writes it
// back; then waits if asked and prints it. A create's object names itself:
// its name and namespace are the built object's (policy allow makes
// APP-to-BROKER in --to's namespace).
func (o *MutateOptions[T, L]) Run(ctx context.Context) error {
	var obj T
	var err error
	verb, name, namespace := "update", o.name, o.namespace
	if o.create != nil {
		verb = "create"
		if obj, err = o.create.Build(); err != nil {
			return err
		}
		m := objectMeta(obj)
		name, namespace = m.GetName(), m.GetNamespace()
		o.warn(obj)
		if o.Mutation.Strategy == wiring.DryRunClient {
			return o.Mutation.PrintChanges(o.Out, o.ErrOut, wiring.Change{Object: obj, Op: o.op})
		}
	}
	c, err := o.kind.Client(o.factory, namespace)
	if err != nil {
		return err
	}
	if o.create != nil {
		obj, err = wiring.Create(ctx, c, obj, o.Mutation.Strategy)
	} else {
		obj, err = wiring.Update(ctx, c, name, o.Mutation.Strategy, o.update.Mutate)
		if err == nil {
			o.warn(obj)
		}
	}
	if err != nil {
		if e, ok := o.spec().(explainer); ok {
			if x := e.Explain(err); x != nil {
				return x
			}
		}
		return wiring.APIError(err, verb, o.kind.Singular, name, namespace)
	}
	return Finish(ctx, o.factory, o.Mutation, c, o.kind.Singular, wiring.Change{Object: obj, Op: o.op}, o.Out, o.ErrOut)
}

func (o *MutateOptions[T, L]) warn(obj T) {
	if w, ok := o.spec().(warner[T]); ok {
		w.Warn(obj, o.ErrOut)
	}
}
