package cmdutil

import (
	"context"

	"github.com/spf13/cobra"
)

// Options is the one shape of every command: Complete takes the flags,
// arguments and clients' factory into the options (I/O set-up: namespace,
// files, printer), Validate only checks, Run does the work.
type Options interface {
	Complete(f Factory, cmd *cobra.Command, args []string) error
	Validate() error
	Run(ctx context.Context) error
}

// RunE is the cobra RunE of a command with options o. A command run with
// --dry-run=client gets clients that refuse every write (ReadOnly): the one
// place that decides that a client dry run changes nothing.
//
// Under a context from CheckOnly, RunE completes and validates the command
// with those clients, as a client dry run would, and does not run it.
func RunE(f Factory, o Options) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		check := cmd.Context() != nil && cmd.Context().Value(checkOnlyKey{}) != nil
		if clientDryRun(cmd) || check {
			f = ReadOnly(f)
		}
		if err := o.Complete(f, cmd, args); err != nil {
			return err
		}
		if err := o.Validate(); err != nil {
			return err
		}
		if check {
			return nil
		}
		return o.Run(cmd.Context())
	}
}

type checkOnlyKey struct{}

// CheckOnly returns a context under which a command is parsed, completed and
// validated but not run: batch checks every line this way before it runs any.
func CheckOnly(ctx context.Context) context.Context {
	return context.WithValue(ctx, checkOnlyKey{}, true)
}

// clientDryRun says whether cmd runs with --dry-run=client (a bare --dry-run
// is client too: the flag's NoOptDefVal).
func clientDryRun(cmd *cobra.Command) bool {
	fl := cmd.Flags().Lookup("dry-run")
	return fl != nil && fl.Value.String() == "client"
}
