// Package batch holds "kubectl kymamesh batch": many plugin commands from a
// file or stdin, run in one process, several at once, for scripts that wire
// meshes in bulk.
package batch

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/google/shlex"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
)

// NewRoot builds a fresh command tree writing to the given streams: each
// line runs in a tree of its own, so it is parsed, completed and validated
// exactly as the same command typed alone. command is the line's first word:
// the tree may hold only that command (building every command for every line
// was a third of batch's CPU).
type NewRoot func(s genericiooptions.IOStreams, command string) *cobra.Command

// Options are the inputs of "batch".
type Options struct {
	Filename    string
	Concurrency int

	lines   []line        // parsed by Complete
	inherit []*pflag.Flag // the connection flags given to batch itself
	newRoot NewRoot
	genericiooptions.IOStreams
}

type line struct {
	number int
	text   string
	args   []string
}

// NewCmd returns "batch". newRoot makes the trees the lines run in (the
// plugin package passes its own constructor: no command imports another).
func NewCmd(f cmdutil.Factory, s genericiooptions.IOStreams, newRoot NewRoot) *cobra.Command {
	o := &Options{IOStreams: s, Concurrency: 8, newRoot: newRoot}
	cmd := &cobra.Command{
		Use:   "batch -f FILE",
		Short: "Run many kymamesh commands from a file or stdin, several at once, in one process",
		Long: `batch runs one kymamesh command per line of FILE (- for stdin), without the
"kubectl kymamesh" in front; blank lines and lines starting with # are skipped.
Each line is parsed and checked exactly as the same command typed alone, and
every line is checked before any runs, as a client dry run of it would be
(its flags, arguments and values; no request that writes): a line that fails
its checks stops the batch before anything is created, with each failing line
on stderr (exit 2 for a usage error, else 1). Up to --concurrency lines run at
once, sharing the connection to the API server. The connection flags given
to batch (--kubeconfig, --context, -n, --as-group, ...) reach every line
exactly as typed, unless the line gives its own.

It prints one result line per input line, in input order:
"LINE ok: OUTPUT" or "LINE error: MESSAGE", and exits 0 when every line
succeeded, 2 when one had a usage error, else 1.`,
		Example: `  for i in $(seq 1 500); do echo "trigger create t$i --sink ksvc:handler --filter type=t$i"; done > triggers.txt
  kubectl kymamesh batch -f triggers.txt -n shop --concurrency 16`,
		Args: cmdutil.NoArgs,
		RunE: cmdutil.RunE(f, o),
	}
	cmd.Flags().StringVarP(&o.Filename, "filename", "f", "", "File with one command per line; - reads stdin (required).")
	cmd.Flags().IntVar(&o.Concurrency, "concurrency", o.Concurrency, "How many lines run at once.")
	return cmd
}

// commands that cannot run as a batch line: they run until stopped, or
// would nest.
var notInBatch = map[string]bool{"batch": true, "tail": true, "completion": true, "__complete": true, "__completeNoDesc": true}

// Complete reads and parses every line, and notes batch's own connection flags.
func (o *Options) Complete(_ cmdutil.Factory, cmd *cobra.Command, _ []string) error {
	if o.Filename == "" {
		return invalid.Errorf("--filename", "a file of commands is required (- for stdin)")
	}
	in := o.In
	if o.Filename != "-" {
		f, err := os.Open(o.Filename)
		if err != nil {
			return invalid.Errorf("--filename", "%v", err)
		}
		defer f.Close()
		in = f
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		args, err := shlex.Split(text)
		if err != nil {
			return invalid.Errorf("--filename", "line %d: %v", n, err)
		}
		if len(args) >= 2 && args[0] == "kubectl" && args[1] == "kymamesh" {
			args = args[2:]
		}
		if len(args) == 0 || notInBatch[args[0]] {
			return invalid.Errorf("--filename", "line %d: %q cannot run in a batch", n, text)
		}
		o.lines = append(o.lines, line{number: n, text: text, args: args})
	}
	if err := sc.Err(); err != nil {
		return invalid.Errorf("--filename", "%v", err)
	}
	if len(o.lines) == 0 { // as kubectl apply -f of an empty file: likely a script's mistake
		return invalid.Errorf("--filename", "%s holds no commands", o.Filename)
	}
	// Changed, not Visit: the flags were parsed through the subcommand's
	// merged flag set, which marks the shared flag but not the root's set.
	cmd.Root().PersistentFlags().VisitAll(func(fl *pflag.Flag) {
		if fl.Changed {
			o.inherit = append(o.inherit, fl)
		}
	})
	return nil
}

// Validate checks the flags.
func (o *Options) Validate() error {
	if o.Concurrency < 1 || o.Concurrency > 256 {
		return invalid.Errorf("--concurrency", "%d: must be 1 to 256", o.Concurrency)
	}
	return nil
}

// result is what one line did.
type result struct {
	code      int
	out, warn string
}

// Run checks every line, then runs the lines, at most Concurrency at once,
// and prints each result in input order as soon as the lines before it are
// done.
func (o *Options) Run(ctx context.Context) error {
	if err := o.check(ctx); err != nil {
		return err
	}
	results := o.each(ctx, func(l line) result { return o.runLine(ctx, l) })
	failed, usage := 0, false
	for i, l := range o.lines {
		r := <-results[i]
		status := "ok"
		if r.code != cmdutil.ExitOK {
			status, failed = "error", failed+1
			usage = usage || r.code == cmdutil.ExitUsage
		}
		fmt.Fprintf(o.Out, "%d %s: %s\n", l.number, status, r.out)
		if r.warn != "" {
			fmt.Fprintf(o.ErrOut, "%d: %s\n", l.number, r.warn)
		}
	}
	switch {
	case failed == 0:
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("%d of %d lines failed or did not run: %w", failed, len(o.lines), context.Cause(ctx))
	case usage:
		return invalid.Errorf("--filename", "%d of %d lines failed, one or more with a usage error", failed, len(o.lines))
	}
	return fmt.Errorf("%d of %d lines failed", failed, len(o.lines))
}

// check parses, completes and validates every line as its client dry run
// would, with clients that refuse to write, and runs none: the help promises
// that a batch with a bad line creates nothing. Each failing line is
// reported on stderr; the exit code is 2 if one is a usage error, else 1.
func (o *Options) check(ctx context.Context) error {
	results := o.each(cmdutil.CheckOnly(ctx), func(l line) result { return o.runLine(cmdutil.CheckOnly(ctx), l) })
	failed, usage := 0, false
	for i, l := range o.lines {
		r := <-results[i]
		if r.code == cmdutil.ExitOK {
			continue
		}
		failed++
		usage = usage || r.code == cmdutil.ExitUsage
		fmt.Fprintf(o.ErrOut, "%d error: %s\n", l.number, r.out)
	}
	switch {
	case failed == 0:
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("checking the lines: %w", context.Cause(ctx))
	case usage:
		return invalid.Errorf("--filename", "%d of %d lines failed their checks; none was run", failed, len(o.lines))
	}
	return fmt.Errorf("%d of %d lines failed their checks; none was run", failed, len(o.lines))
}

// each calls do for every line from at most Concurrency workers and returns
// one channel per line with its result; lines not started when ctx ends get
// "not run".
func (o *Options) each(ctx context.Context, do func(line) result) []chan result {
	results := make([]chan result, len(o.lines))
	for i := range results {
		results[i] = make(chan result, 1)
	}
	work := make(chan int)
	for w := 0; w < min(o.Concurrency, len(o.lines)); w++ {
		go func() {
			for i := range work {
				results[i] <- do(o.lines[i])
			}
		}()
	}
	go func() {
		defer close(work)
		for i := range o.lines {
			select {
			case work <- i:
			case <-ctx.Done():
				for ; i < len(o.lines); i++ {
					results[i] <- result{code: cmdutil.ExitInterrupted, out: "not run: " + context.Cause(ctx).Error()}
				}
				return
			}
		}
	}()
	return results
}

// runLine runs one line in a tree of its own and returns its outcome.
func (o *Options) runLine(ctx context.Context, l line) result {
	var out, errOut bytes.Buffer
	root := o.newRoot(genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, l.args[0])
	o.inheritFlags(root)
	root.SetArgs(l.args)
	err := root.ExecuteContext(ctx)
	r := result{code: cmdutil.ExitCode(err), out: oneLine(out.String()), warn: oneLine(errOut.String())}
	if err != nil {
		r.out = cmdutil.OneLine(err)
	}
	return r
}

// inheritFlags gives the line's tree batch's connection flags, once the line
// is parsed, for those the line does not give itself. The values are copied,
// not re-parsed from their String(): "--as-group=[g1]" is what a string
// array's String() gives, and a list flag repeated on the line must replace
// batch's, not add to it.
func (o *Options) inheritFlags(root *cobra.Command) {
	if len(o.inherit) == 0 {
		return
	}
	prev := root.PersistentPreRun
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		for _, from := range o.inherit {
			to := cmd.Flags().Lookup(from.Name)
			if to == nil || to.Changed {
				continue
			}
			var err error
			list, fromList := from.Value.(pflag.SliceValue)
			toList, toIsList := to.Value.(pflag.SliceValue)
			if fromList && toIsList {
				err = toList.Replace(list.GetSlice())
			} else {
				err = to.Value.Set(from.Value.String())
			}
			if err != nil {
				return fmt.Errorf("--%s from batch: %w", from.Name, err)
			}
			to.Changed = true
		}
		if prev != nil {
			prev(cmd, args)
		}
		return nil
	}
}

// oneLine joins a command's output lines with "; ".
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(strings.TrimSpace(s), "\n", " ; ")), " ")
}
