package cmdutil

import (
	"context"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
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
		if err := checkConnectionFlags(cmd); err != nil {
			return err
		}
		check := cmd.Context() != nil && cmd.Context().Value(checkOnlyKey{}) != nil
		f := f // this run's: a later run of the same tree gets its own
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

// namespaceFromAnnotation marks a command (or group) that takes its
// namespaces from elsewhere than -n; its value says from where.
const namespaceFromAnnotation = "kymamesh.kyma-project.io/namespace-from"

// NamespaceFrom marks cmd and its subcommands as taking no -n: a -n given
// there is a usage error saying where the namespace comes from (from),
// rather than ignored.
func NamespaceFrom(cmd *cobra.Command, from string) {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[namespaceFromAnnotation] = from
}

// checkConnectionFlags checks what kubectl's connection flags hold before any
// request: -n where the command takes no namespace, and --request-timeout as
// kubectl reads it (seconds, or a duration), as usage errors.
func checkConnectionFlags(cmd *cobra.Command) error {
	if fl := cmd.Flags().Lookup("namespace"); fl != nil && fl.Changed {
		for c := cmd; c != nil; c = c.Parent() {
			if from := c.Annotations[namespaceFromAnnotation]; from != "" {
				return invalid.Errorf("--namespace", "%s does not take -n/--namespace: %s", cmd.CommandPath(), from)
			}
		}
	}
	if fl := cmd.Flags().Lookup("request-timeout"); fl != nil && fl.Changed {
		v := fl.Value.String()
		d, err := time.ParseDuration(v)
		if n, nerr := strconv.ParseInt(v, 10, 64); nerr == nil {
			d, err = time.Duration(n)*time.Second, nil
		}
		if err != nil || d < 0 {
			return invalid.Errorf("--request-timeout", "%q: want a whole number of seconds or a duration such as 1s, 2m or 3h (0 for none)", v)
		}
	}
	return nil
}
