package deadletter

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/output"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/flags"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/dlstore"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
)

// store is what every command that reads the store shares: the namespace,
// -o, and the connection.
type store struct {
	Output *flags.Output

	namespace string
	factory   cmdutil.Factory
	genericiooptions.IOStreams
}

func (s *store) complete(f cmdutil.Factory) error {
	s.factory = f
	ns, err := f.Namespace()
	s.namespace = ns
	return err
}

// with reaches the store and runs fn against it; the store's refusals
// become one line naming the namespace.
func (s *store) with(ctx context.Context, fn func(*dlstore.Client) error) error {
	c, stop, err := cmdutil.DeadLetterStore(ctx, s.factory, s.namespace)
	if err != nil {
		return err
	}
	defer stop()
	err = fn(c)
	var apiErr *dlstore.APIError
	if errors.As(err, &apiErr) && len(apiErr.Missing) > 0 {
		return fmt.Errorf("the dead-letter store in namespace %q holds no event %s ('kubectl kymamesh deadletter list -n %s' shows its ids)",
			s.namespace, strings.Join(apiErr.Missing, ", "), s.namespace)
	}
	if errors.As(err, &apiErr) {
		return fmt.Errorf("the dead-letter store in namespace %q: %s (HTTP %d)", s.namespace, apiErr.Message, apiErr.Status)
	}
	return err
}

// filter are --since, --destination and --code.
type filter struct {
	since       string
	destination string
	code        int
}

func (f *filter) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.since, "since", "", "Only events that last arrived within this long (1h, 7d) or since this RFC 3339 time.")
	cmd.Flags().StringVar(&f.destination, "destination", "", "Only events whose failed destination (knativeerrordest) is exactly this URL.")
	cmd.Flags().IntVar(&f.code, "code", 0, "Only events whose failed delivery got this HTTP status (knativeerrorcode).")
}

// build checks the flags and turns them into the store's filter.
func (f *filter) build(now time.Time) (dlstore.Filter, error) {
	out := dlstore.Filter{Destination: f.destination, Code: f.code}
	if f.code != 0 && (f.code < 100 || f.code > 599) {
		return out, invalid.Errorf("--code", "%d is not an HTTP status", f.code)
	}
	if f.since != "" {
		t, err := time.Parse(time.RFC3339, f.since)
		if err != nil {
			d, derr := wiring.ParseRetention(f.since)
			if derr != nil || d == 0 {
				return out, invalid.Errorf("--since", "%q: want a duration (1h, 7d) or an RFC 3339 time", f.since)
			}
			t = now.Add(-d)
		}
		out.Since = t.UTC().Format(time.RFC3339Nano)
	}
	return out, nil
}

// ListOptions are the inputs of "deadletter list".
type ListOptions struct {
	store
	filter
	Limit int
}

func newCmdList(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	o := &ListOptions{store: store{IOStreams: s, Output: flags.DataOutput().WithHelp("Output format: json or yaml ({items: [...]}).")}}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the events the namespace's dead-letter store holds",
		Example: `  kubectl kymamesh deadletter list -n shop
  kubectl kymamesh deadletter list -n shop --since 1h --code 500 -o json`,
		Args: cmdutil.NoArgs,
		RunE: cmdutil.RunE(f, o),
	}
	o.filter.addFlags(cmd)
	cmd.Flags().IntVar(&o.Limit, "limit", 0, "List at most this many (0: all).")
	o.Output.AddFlags(cmd)
	return cmd
}

// Complete takes the namespace.
func (o *ListOptions) Complete(f cmdutil.Factory, _ *cobra.Command, _ []string) error {
	return o.complete(f)
}

// Validate checks the flags.
func (o *ListOptions) Validate() error {
	if o.Limit < 0 {
		return invalid.Errorf("--limit", "%d: must not be negative", o.Limit)
	}
	if _, err := o.filter.build(time.Now()); err != nil {
		return err
	}
	return o.Output.Complete()
}

// Run lists the events.
func (o *ListOptions) Run(ctx context.Context) error {
	now := time.Now()
	fl, _ := o.filter.build(now)
	return o.with(ctx, func(c *dlstore.Client) error {
		items, err := c.List(ctx, fl, o.Limit)
		if err != nil {
			return err
		}
		if !o.Output.Human() {
			return o.Output.Data(o.Out, map[string]any{"items": items})
		}
		if len(items) == 0 {
			fmt.Fprintf(o.ErrOut, "No dead letters in namespace %s.\n", o.namespace)
			return nil
		}
		return output.DeadLetters(o.Out, items, now)
	})
}

// ShowOptions are the inputs of "deadletter show".
type ShowOptions struct {
	store
	id string
}

func newCmdShow(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	o := &ShowOptions{store: store{IOStreams: s, Output: flags.DataOutput().WithHelp("Output format: json or yaml (the summary and the event).")}}
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show one stored event whole, and why its delivery failed",
		Example: `  kubectl kymamesh deadletter show 12 -n shop
  kubectl kymamesh deadletter show 12 -n shop -o json | jq .event > event.json   # for send -f, explain -f`,
		Args: cmdutil.ExactArgs("ID"),
		RunE: cmdutil.RunE(f, o),
	}
	o.Output.AddFlags(cmd)
	return cmd
}

// Complete takes the namespace and the id.
func (o *ShowOptions) Complete(f cmdutil.Factory, _ *cobra.Command, args []string) error {
	o.id = args[0]
	return o.complete(f)
}

// Validate checks the id.
func (o *ShowOptions) Validate() error {
	if err := ValidateID("ID", o.id); err != nil {
		return err
	}
	return o.Output.Complete()
}

// Run shows the event.
func (o *ShowOptions) Run(ctx context.Context) error {
	return o.with(ctx, func(c *dlstore.Client) error {
		e, err := c.Show(ctx, o.id)
		if dlstore.NotFound(err) {
			err = &dlstore.APIError{Status: 404, Missing: []string{o.id}}
		}
		if err != nil {
			return err
		}
		if !o.Output.Human() {
			return o.Output.Data(o.Out, e)
		}
		return output.DeadLetter(o.Out, e, time.Now())
	})
}

// ValidateID checks a store id: a positive number.
func ValidateID(field, id string) error {
	if n, err := strconv.ParseUint(id, 10, 64); err != nil || n == 0 {
		return invalid.Errorf(field, "%q is not a dead-letter id (a number that 'deadletter list' shows)", id)
	}
	return nil
}

// StatsOptions are the inputs of "deadletter stats".
type StatsOptions struct{ store }

func newCmdStats(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	o := &StatsOptions{store{IOStreams: s, Output: flags.DataOutput()}}
	cmd := &cobra.Command{
		Use:     "stats",
		Short:   "Count the stored events by destination and status code, with the oldest and newest",
		Example: `  kubectl kymamesh deadletter stats -n shop`,
		Args:    cmdutil.NoArgs,
		RunE:    cmdutil.RunE(f, o),
	}
	o.Output.AddFlags(cmd)
	return cmd
}

// Complete takes the namespace.
func (o *StatsOptions) Complete(f cmdutil.Factory, _ *cobra.Command, _ []string) error {
	return o.complete(f)
}

// Validate checks -o.
func (o *StatsOptions) Validate() error { return o.Output.Complete() }

// Run prints the counts.
func (o *StatsOptions) Run(ctx context.Context) error {
	return o.with(ctx, func(c *dlstore.Client) error {
		st, err := c.Stats(ctx)
		if err != nil {
			return err
		}
		if !o.Output.Human() {
			return o.Output.Data(o.Out, st)
		}
		return output.DeadLetterStats(o.Out, st, time.Now())
	})
}

// selection are replay's and purge's: ids, --all or --cesql, with the filters.
type selection struct {
	filter
	all   bool
	cesql string
	ids   []string
}

func (s *selection) addFlags(cmd *cobra.Command, verb string) {
	s.filter.addFlags(cmd)
	cmd.Flags().BoolVar(&s.all, "all", false, "All stored events ("+verb+" narrowed by --since, --destination, --code).")
	cmd.Flags().StringVar(&s.cesql, "cesql", "", "The stored events a CloudEvents SQL expression is true for, e.g. \"type = 'order.created'\".")
}

// build checks the selection before any request.
func (s *selection) build(now time.Time) (dlstore.Selection, error) {
	fl, err := s.filter.build(now)
	if err != nil {
		return dlstore.Selection{}, err
	}
	given := 0
	for _, b := range []bool{len(s.ids) > 0, s.all, s.cesql != ""} {
		if b {
			given++
		}
	}
	if given != 1 {
		return dlstore.Selection{}, invalid.Errorf("ID", "say which events: IDs, --all or --cesql EXPR (exactly one)")
	}
	for _, id := range s.ids {
		if err := ValidateID("ID", id); err != nil {
			return dlstore.Selection{}, err
		}
	}
	if s.cesql != "" {
		if err := wiring.ValidateCESQL("--cesql", s.cesql); err != nil {
			return dlstore.Selection{}, err
		}
	}
	return dlstore.Selection{IDs: s.ids, All: s.all, CESQL: s.cesql, Since: fl.Since, Before: fl.Before, Destination: fl.Destination, Code: fl.Code}, nil
}

// ReplayOptions are the inputs of "deadletter replay".
type ReplayOptions struct {
	store
	selection
	To     string
	Broker string
	Rate   float64
	DryRun bool

	rateSet bool
}

func newCmdReplay(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	o := &ReplayOptions{store: store{IOStreams: s, Output: flags.DataOutput().WithHelp("Output format: json or yaml ({results: [...], delivered, failed}).")},
		To: "original", Broker: "default"}
	cmd := &cobra.Command{
		Use:   "replay (ID... | --all | --cesql EXPR)",
		Short: "Send stored events again, from the store; each is deleted only once it is delivered",
		Long: `replay asks the store to send events again, one line per event as it is sent. The
store sends them itself (it reaches cluster addresses, and presents the pod's OIDC
token when one is mounted), each with its own id, its attributes and extensions
but not Knative's knativeerror* ones, and with kymameshreplays counting its replays.
An event is deleted from the store only after a 2xx; otherwise it stays. --to
original sends each to the subscriber that failed (knativeerrordest); --to broker
to the Broker's address, where every Trigger sees it again. Exits 1 if any event
failed.`,
		Example: `  kubectl kymamesh deadletter replay 12 13 -n shop
  kubectl kymamesh deadletter replay --all -n shop --rate 20
  kubectl kymamesh deadletter replay --cesql "type = 'order.created'" --to broker -n shop --dry-run`,
		RunE: cmdutil.RunE(f, o),
	}
	o.selection.addFlags(cmd, "replayed")
	fl := cmd.Flags()
	fl.StringVar(&o.To, "to", o.To, "Where to send: original (the subscriber that failed) or broker (the Broker's address: its Triggers filter again).")
	fl.StringVar(&o.Broker, "broker", o.Broker, "The Broker for --to broker.")
	fl.Float64Var(&o.Rate, "rate", 0, "Events a second (leave out: as fast as the targets answer).")
	fl.BoolVar(&o.DryRun, "dry-run", false, "Send nothing: say where each event would go.")
	flags.Complete(cmd, "to", "values", "original", "broker")
	flags.Complete(cmd, "broker", "brokers")
	o.Output.AddFlags(cmd)
	return cmd
}

// Complete takes the namespace and the ids.
func (o *ReplayOptions) Complete(f cmdutil.Factory, cmd *cobra.Command, args []string) error {
	o.ids, o.rateSet = args, cmd.Flags().Changed("rate")
	return o.complete(f)
}

// Validate checks everything before any request.
func (o *ReplayOptions) Validate() error {
	if _, err := o.selection.build(time.Now()); err != nil {
		return err
	}
	switch {
	case o.To != "original" && o.To != "broker":
		return invalid.Errorf("--to", "%q: want original or broker", o.To)
	case o.rateSet && !(o.Rate > 0):
		return invalid.Errorf("--rate", "%v: must be positive (leave --rate out to send as fast as the targets answer)", o.Rate)
	}
	if err := wiring.ValidateName("--broker", o.Broker); err != nil {
		return err
	}
	return o.Output.Complete()
}

// replayReport is -o json|yaml of a replay.
type replayReport struct {
	Results   []dlstore.ReplayResult `json:"results"`
	Delivered int                    `json:"delivered"`
	Failed    int                    `json:"failed"`
	DryRun    bool                   `json:"dryRun,omitempty"`
}

// Run replays and reports each event.
func (o *ReplayOptions) Run(ctx context.Context) error {
	sel, _ := o.selection.build(time.Now())
	req := dlstore.ReplayRequest{Selection: sel, Rate: o.Rate, DryRun: o.DryRun}
	if o.To == "broker" {
		ev, err := o.factory.Eventing()
		if err != nil {
			return err
		}
		b, err := ev.Brokers(o.namespace).Get(ctx, o.Broker, metav1.GetOptions{})
		if err != nil {
			return wiring.APIError(err, "get", "broker", o.Broker, o.namespace)
		}
		if b.Status.Address == nil || b.Status.Address.URL == nil {
			return fmt.Errorf("broker %q in namespace %q has no address yet (not Ready): nothing was replayed", o.Broker, o.namespace)
		}
		req.To = b.Status.Address.URL.String()
		// With Knative's OIDC authentication on, the Broker takes only a
		// token for its audience: the store replays with a token of its own
		// pod's ServiceAccount, made for that audience.
		if a := b.Status.Address.Audience; a != nil && *a != "" && !o.DryRun {
			tok, err := o.storeToken(ctx, *a)
			if err != nil {
				return err
			}
			req.Token = tok
		}
	}
	report := replayReport{Results: []dlstore.ReplayResult{}, DryRun: o.DryRun}
	return o.with(ctx, func(c *dlstore.Client) error {
		done, err := c.Replay(ctx, req, func(r dlstore.ReplayResult) error {
			report.Results = append(report.Results, r)
			if o.Output.Human() {
				return output.ReplayLine(o.Out, r)
			}
			return nil
		})
		if err != nil {
			return err
		}
		report.Delivered, report.Failed = done.Delivered, done.Failed
		if !o.Output.Human() {
			if err := o.Output.Data(o.Out, report); err != nil {
				return err
			}
		} else {
			what := "replayed"
			if o.DryRun {
				what = "would replay"
			}
			fmt.Fprintf(o.ErrOut, "%s %d events: %d delivered, %d failed\n", what, len(report.Results), done.Delivered, done.Failed)
		}
		if done.Failed > 0 {
			return fmt.Errorf("%d of %d events failed; they stay in the store", done.Failed, len(report.Results))
		}
		return nil
	})
}

// storeToken makes a token of the store pod's ServiceAccount (its
// Deployment's serviceAccountName, else the namespace's default) for
// audience: the identity the replays are sent with, as the pod's own
// projected token would be. An hour covers a slow replay.
func (o *ReplayOptions) storeToken(ctx context.Context, audience string) (string, error) {
	dyn, err := o.factory.Dynamic()
	if err != nil {
		return "", err
	}
	sa := "default"
	dep, err := dyn.Resource(appsv1.SchemeGroupVersion.WithResource("deployments")).Namespace(o.namespace).Get(ctx, wiring.DeadLetterName, metav1.GetOptions{})
	if err != nil {
		return "", wiring.APIError(err, "get", "deployment", wiring.DeadLetterName, o.namespace)
	}
	if name, _, _ := unstructured.NestedString(dep.Object, "spec", "template", "spec", "serviceAccountName"); name != "" {
		sa = name
	}
	tok, err := wiring.ServiceAccountToken(ctx, dyn, o.namespace, sa, audience, wiring.ServiceAccountTokenTTL)
	if err != nil {
		return "", fmt.Errorf("replaying to broker %q with Knative's OIDC authentication on needs a token of the store's serviceaccount %q: %w", o.Broker, sa, err)
	}
	return tok, nil
}

// PurgeOptions are the inputs of "deadletter purge".
type PurgeOptions struct {
	store
	selection
}

func newCmdPurge(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	o := &PurgeOptions{store: store{IOStreams: s, Output: flags.DataOutput().WithHelp("Output format: json or yaml ({deleted: [ID...]}).")}}
	cmd := &cobra.Command{
		Use:   "purge (ID... | --all | --cesql EXPR)",
		Short: "Delete stored events without sending them",
		Example: `  kubectl kymamesh deadletter purge 12 -n shop
  kubectl kymamesh deadletter purge --all --code 400 -n shop`,
		RunE: cmdutil.RunE(f, o),
	}
	o.selection.addFlags(cmd, "purged")
	o.Output.AddFlags(cmd)
	return cmd
}

// Complete takes the namespace and the ids.
func (o *PurgeOptions) Complete(f cmdutil.Factory, _ *cobra.Command, args []string) error {
	o.ids = args
	return o.complete(f)
}

// Validate checks the selection before any request.
func (o *PurgeOptions) Validate() error {
	if _, err := o.selection.build(time.Now()); err != nil {
		return err
	}
	return o.Output.Complete()
}

// Run deletes the events.
func (o *PurgeOptions) Run(ctx context.Context) error {
	sel, _ := o.selection.build(time.Now())
	return o.with(ctx, func(c *dlstore.Client) error {
		ids, err := c.Purge(ctx, sel)
		if err != nil {
			return err
		}
		if !o.Output.Human() {
			return o.Output.Data(o.Out, map[string]any{"deleted": ids})
		}
		fmt.Fprintf(o.Out, "purged %d events", len(ids))
		if len(ids) > 0 {
			fmt.Fprintf(o.Out, ": %s", strings.Join(ids, ", "))
		}
		fmt.Fprintln(o.Out)
		return nil
	})
}
