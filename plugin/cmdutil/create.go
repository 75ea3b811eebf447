package cmdutil

import (
	"context"
	"io"

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

// MutateOptions are the inputs of every "<noun> create" and "<noun> update".
type MutateOptions[T runtime.Object, L runtime.Object] struct {
	Mutation *flags.Mutation
	create   CreateSpec[T] // one of create and update is set
	update   UpdateSpec[T]
	kind     Kind[T, L]

	name, namespace string
	factory         Factory
	genericiooptions.IOStreams
}

// NewCmdCreate returns "<noun> create NAME" for kind, with cmd's Use, Short and Example.
func NewCmdCreate[T runtime.Object, L runtime.Object](f Factory, s genericiooptions.IOStreams, k Kind[T, L], spec CreateSpec[T], cmd *cobra.Command) *cobra.Command {
	o := &MutateOptions[T, L]{Mutation: flags.NewMutation(wiring.OpCreated, true), create: spec, kind: k, IOStreams: s}
	return o.command(f, spec, cmd)
}

// NewCmdUpdate returns "<noun> update NAME" for kind.
func NewCmdUpdate[T runtime.Object, L runtime.Object](f Factory, s genericiooptions.IOStreams, k Kind[T, L], spec UpdateSpec[T], cmd *cobra.Command) *cobra.Command {
	o := &MutateOptions[T, L]{Mutation: flags.NewMutation("updated", true), update: spec, kind: k, IOStreams: s}
	return o.command(f, spec, cmd)
}

func (o *MutateOptions[T, L]) command(f Factory, spec Spec, cmd *cobra.Command) *cobra.Command {
	cmd.Args = ExactArgs("NAME")
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
	if err := wiring.ValidateName("NAME", o.name); err != nil {
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
// back; then waits if asked and prints it.
func (o *MutateOptions[T, L]) Run(ctx context.Context) error {
	var obj T
	var err error
	verb := "update"
	if o.create != nil {
		verb = "create"
		if obj, err = o.create.Build(); err != nil {
			return err
		}
		o.warn(obj)
		if o.Mutation.Strategy == wiring.DryRunClient {
			return o.Mutation.Print(obj, o.Out)
		}
	}
	c, err := o.kind.Client(o.factory, o.namespace)
	if err != nil {
		return err
	}
	if o.create != nil {
		obj, err = wiring.Create(ctx, c, obj, o.Mutation.Strategy)
	} else {
		obj, err = wiring.Update(ctx, c, o.name, o.Mutation.Strategy, o.update.Mutate)
		if err == nil {
			o.warn(obj)
		}
	}
	if err != nil {
		return wiring.APIError(err, verb, o.kind.Singular, o.name, o.namespace)
	}
	return Finish(ctx, o.factory, o.Mutation, c, o.kind.Singular, obj, o.Out, o.ErrOut)
}

func (o *MutateOptions[T, L]) warn(obj T) {
	if w, ok := o.spec().(warner[T]); ok {
		w.Warn(obj, o.ErrOut)
	}
}
