// Package explain holds "kubectl kymamesh explain": why one event is or is
// not delivered, Trigger by Trigger, with the clause that refuses it.
package explain

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/output"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/flags"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/dlstore"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/eventmatch"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
)

// Options are the inputs of "explain".
type Options struct {
	To                   string
	IntegrationNamespace string
	File                 string
	Event                *flags.Event
	Trigger              wiring.TriggerSpec
	ExitCode             bool
	Output               *flags.Output
	// DeadLetter is a dead-letter store's id: the stored event is the one explained.
	DeadLetter string
	// ServiceAccount ([NS/]NAME) is the sender whose token Knative's OIDC
	// checks, for --to broker:.
	ServiceAccount string
	// Probe also sends the event and watches which Triggers get it.
	Probe                   bool
	ProbeTimeout, ProbeWait time.Duration
	ProbeImage              string
	// Via is how the probe reaches the Broker: port-forward or direct (as send).
	Via string

	sender wiring.Sender

	filtersFile string
	offline     bool
	event       cloudevents.Event
	namespace   string
	nsErr       error // reading the kubeconfig failed (Complete); reported after the flags
	factory     cmdutil.Factory
	genericiooptions.IOStreams
}

// NewCmd returns "explain".
func NewCmd(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	o := &Options{IOStreams: s, Event: flags.NewEvent("/kubectl-kymamesh/explain", false),
		Output: flags.DataOutput().WithHelp("Output format: json or yaml (the verdicts).")}
	cmd := &cobra.Command{
		Use:   "explain (--to broker:NAME[:NS] | --filter ... | --cesql ...) (--type TYPE ... | -f EVENT.json)",
		Short: "Say whether an event reaches each Trigger of a Broker, and which clause refuses it",
		Long: `explain takes one event, given as send takes it (--type, --source, --ext, --data)
or as a structured CloudEvent in a file (-f; what 'tail -o json' prints), and says for
each Trigger of the Broker whether Knative's broker filter lets it through, and if
not, the first clause that refuses it: an attribute of spec.filter, a spec.filters
dialect (exact, prefix, suffix, all, any, not) or a CESQL expression, evaluated as
Knative evaluates them (a non-empty spec.filters makes spec.filter ignored). For
each Trigger it also says where the event goes, whether that is Ready, and what
Knative does when delivery fails: the attempts over about how long, then the
dead-letter sink or nothing. With Knative's OIDC authentication on, it also says
whether the EventPolicies applied to the Broker (or, with none, config-features'
default-authorization-mode) let the sender in: the ServiceAccount named by
--service-account, for an application its Subscription's identity; with no sender
known, whom they let in.

Without a cluster, --filter, --cesql, --filter-prefix, --filter-suffix or
--filters-file describe one Trigger as 'trigger create' takes them: "would this
Trigger take this event", a check to run in CI. With --exit-code, explain exits 3
when no Trigger takes the event.`,
		Example: `  kubectl kymamesh explain --to broker:default -n shop --type order.created --source commerce
  kubectl kymamesh explain --to broker:default -n shop -f event.json -o json
  kubectl kymamesh explain --cesql "type LIKE 'order.%' AND region = 'eu'" --type order.created --ext region=us --exit-code`,
		Args: cmdutil.NoArgs,
		RunE: cmdutil.RunE(f, o),
	}
	fl := cmd.Flags()
	fl.StringVar(&o.To, "to", "", "What to ask: broker:NAME[:NAMESPACE] (its Triggers), or app:APP (its Channel's Subscriptions and the Brokers they reach).")
	fl.StringVar(&o.IntegrationNamespace, "integration-namespace", wiring.DefaultIntegrationNamespace, "Namespace of the applications' adapters (for app:APP).")
	fl.StringVarP(&o.File, "filename", "f", "", "The event as a structured CloudEvent (JSON), or - for stdin.")
	o.Event.AddFlags(cmd, flags.EventHelp{})
	fl.StringArrayVar(&o.Trigger.Filter, "filter", nil, "Without --to: the Trigger's exact attribute filter KEY=VALUE, repeatable.")
	fl.StringArrayVar(&o.Trigger.Prefix, "filter-prefix", nil, "Without --to: a spec.filters prefix KEY=VALUE, repeatable.")
	fl.StringArrayVar(&o.Trigger.Suffix, "filter-suffix", nil, "Without --to: a spec.filters suffix KEY=VALUE, repeatable.")
	fl.StringArrayVar(&o.Trigger.CESQL, "cesql", nil, "Without --to: a CloudEvents SQL filter, repeatable.")
	fl.StringVar(&o.filtersFile, "filters-file", "", "Without --to: spec.filters as a YAML list, as trigger create takes it.")
	fl.StringVar(&o.DeadLetter, "dead-letter", "", "The event is this id's in the namespace's dead-letter store (deadletter list), explained against --to (broker:default if not given), with the reason its delivery failed.")
	fl.StringVar(&o.ServiceAccount, "service-account", "", "With --to broker: the sender, a ServiceAccount (NAMESPACE/NAME, or NAME in -n's namespace), whose token Knative's OIDC authentication checks against the Broker's EventPolicies (send --service-account sends with it). Without it the sender is unknown and explain says whom the EventPolicies let in.")
	fl.BoolVar(&o.Probe, "probe", false, "With --to broker: also send the event (marked with the extension "+ProbeExtension+"=ID) and watch, through one temporary receiver per Trigger as tail makes them (the Trigger's filters and the mark), which Triggers the Broker delivers it to; report that next to the prediction. Exit 1 when they differ. The receivers are removed as tail removes them.")
	fl.DurationVar(&o.ProbeTimeout, "probe-timeout", 30*time.Second, "How long the probe waits for the event at each receiver after sending it.")
	fl.DurationVar(&o.ProbeWait, "probe-wait-timeout", 2*time.Minute, "How long to wait for the probe's receivers and their Triggers to be ready.")
	fl.StringVar(&o.Via, "via", "port-forward", "How --probe reaches the Broker's address, as send: port-forward (to a ready pod behind its Service) or direct.")
	flags.Complete(cmd, "via", "values", "port-forward", "direct")
	fl.StringVar(&o.ProbeImage, "image", flags.DefaultImage(), "Adapter image of the probe's receivers (its receive mode, as tail's).")
	fl.BoolVar(&o.ExitCode, "exit-code", false, "Exit with 3 when no Trigger takes the event, for scripts.")
	o.Output.AddFlags(cmd)
	flags.Complete(cmd, "to", "values", "broker:", "app:")
	return cmd
}

// Complete reads the namespace, the event (flags or file) and the filters file.
func (o *Options) Complete(f cmdutil.Factory, cmd *cobra.Command, _ []string) error {
	o.factory = f
	// A kubeconfig that cannot be read is the cluster's error: it waits
	// until the flags are checked, and the offline form never needs it.
	var err error
	o.namespace, o.nsErr = f.Namespace()
	if o.nsErr != nil {
		o.namespace = "default" // a stand-in so that the flags' syntax can be checked
	}
	o.offline = len(o.Trigger.Filter)+len(o.Trigger.Prefix)+len(o.Trigger.Suffix)+len(o.Trigger.CESQL) > 0 || o.filtersFile != ""
	if o.filtersFile != "" {
		if o.Trigger.FiltersFile, err = os.ReadFile(o.filtersFile); err != nil {
			return invalid.Errorf("--filters-file", "%s: %v", o.filtersFile, unwrap(err))
		}
	}
	if o.DeadLetter != "" {
		if cmd.Flags().Changed("filename") {
			return invalid.Errorf("--dead-letter", "the event is the stored one: leave out --filename")
		}
		if name := o.Event.Given(); name != "" {
			return invalid.Errorf("--dead-letter", "the event is the stored one: leave out --%s", name)
		}
		return nil
	}
	if o.File != "" {
		if name := o.Event.Given(); name != "" {
			return invalid.Errorf("--filename", "the event is the file's: leave out --%s", name)
		}
		return o.readEvent()
	}
	ev, err := o.Event.Build(o.In)
	if err != nil {
		return err
	}
	o.event = *ev
	return nil
}

// readEvent reads a structured CloudEvent from -f.
func (o *Options) readEvent() error {
	var data []byte
	var err error
	if o.File == "-" {
		data, err = io.ReadAll(o.In)
	} else {
		data, err = os.ReadFile(o.File)
	}
	if err != nil {
		return invalid.Errorf("--filename", "%s: %v", o.File, unwrap(err))
	}
	if err := json.Unmarshal(data, &o.event); err != nil {
		return invalid.Errorf("--filename", "%s is not a structured CloudEvent: %v", o.File, err)
	}
	if err := o.event.Validate(); err != nil {
		return invalid.Errorf("--filename", "%s: %v", o.File, strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	return nil
}

// Validate checks that there is one Trigger or Broker to ask.
func (o *Options) Validate() error {
	if err := o.Output.Complete(); err != nil {
		return err
	}
	if o.DeadLetter != "" {
		if n, err := strconv.ParseUint(o.DeadLetter, 10, 64); err != nil || n == 0 {
			return invalid.Errorf("--dead-letter", "%q is not a dead-letter id (a number that 'deadletter list' shows)", o.DeadLetter)
		}
		if o.offline || strings.HasPrefix(o.To, "app:") {
			return invalid.Errorf("--dead-letter", "a dead letter is explained against a Broker: --to broker:NAME, not filter flags or an application")
		}
		if o.To == "" {
			o.To = "broker:default"
		}
	}
	switch {
	case o.Probe && (o.offline || o.DeadLetter != "" || !strings.HasPrefix(o.To, "broker:")):
		return invalid.Errorf("--probe", "sends the event to a Broker and watches its Triggers: give --to broker:NAME (not an application, filter flags or --dead-letter)")
	case o.Via != "port-forward" && o.Via != "direct":
		return invalid.Errorf("--via", "%q: want port-forward or direct", o.Via)
	case o.Probe && (o.ProbeTimeout <= 0 || o.ProbeWait <= 0):
		return invalid.Errorf("--probe-timeout", "%s and --probe-wait-timeout %s: must be positive", o.ProbeTimeout, o.ProbeWait)
	case o.offline && o.ServiceAccount != "":
		return invalid.Errorf("--service-account", "is a sender at a Broker: give --to broker:NAME, not filter flags")
	case o.offline && o.To != "":
		return invalid.Errorf("--to", "give either --to (the Triggers of a Broker) or filter flags (one Trigger, no cluster), not both")
	case !o.offline && o.To == "":
		return invalid.Errorf("--to", "say what to ask: --to broker:NAME[:NAMESPACE] or app:APP, or a Trigger's filters (--filter, --cesql, --filters-file)")
	case o.offline:
		_, err := wiring.ExplainOffline(o.Trigger, o.event)
		return err
	}
	if app, ok := strings.CutPrefix(o.To, "app:"); ok {
		if o.ServiceAccount != "" {
			return invalid.Errorf("--service-account", "an application's events reach a Broker under its Subscription's identity, which explain reads: leave out --service-account")
		}
		if err := wiring.ValidateName("--to", app); err != nil {
			return err
		}
		if err := wiring.ValidateNamespaceName("--integration-namespace", o.IntegrationNamespace); err != nil {
			return err
		}
		return o.nsErr
	}
	if _, _, err := o.broker(); err != nil {
		return err
	}
	if o.ServiceAccount != "" {
		ns, name, err := wiring.ParseServiceAccount("--service-account", o.ServiceAccount, o.namespace)
		if err != nil {
			return err
		}
		o.sender = wiring.Sender{Subject: wiring.ServiceAccountSubject(ns, name), Given: true}
	}
	return o.nsErr
}

// broker reads --to: broker:NAME[:NAMESPACE].
func (o *Options) broker() (string, string, error) {
	rest, ok := strings.CutPrefix(o.To, "broker:")
	name, ns, _ := strings.Cut(rest, ":")
	if ns == "" {
		ns = o.namespace
	}
	if !ok || name == "" || strings.Contains(ns, ":") {
		return "", "", invalid.Errorf("--to", "%q: want broker:NAME[:NAMESPACE] or app:APP", o.To)
	}
	if err := wiring.ValidateName("--to", name); err != nil {
		return "", "", err
	}
	return name, ns, wiring.ValidateNamespaceName("--to", ns)
}

// Run asks the Trigger (offline) or the Broker's Triggers and prints the verdicts.
func (o *Options) Run(ctx context.Context) error {
	if o.offline {
		v, err := wiring.ExplainOffline(o.Trigger, o.event)
		if err != nil {
			return err
		}
		if !o.Output.Human() {
			err = o.Output.Data(o.Out, v)
		} else {
			err = printVerdict(o.Out, v)
		}
		return o.found(err, v.Takes, "the Trigger does not take the event")
	}
	m, err := cmdutil.Mesh(o.factory, wiring.DryRunNone)
	if err != nil {
		return err
	}
	if app, ok := strings.CutPrefix(o.To, "app:"); ok {
		x, err := wiring.ExplainApp(ctx, m, app, o.IntegrationNamespace, o.event)
		if err != nil {
			return err
		}
		if !o.Output.Human() {
			err = o.Output.Data(o.Out, x)
		} else {
			err = printApp(o.Out, x)
		}
		return o.found(err, x.Taken > 0, fmt.Sprintf("no Trigger takes application %q's event", app))
	}
	name, ns, _ := o.broker()
	if o.DeadLetter != "" {
		return o.explainDeadLetter(ctx, m, ns, name)
	}
	x, err := wiring.ExplainBroker(ctx, m, ns, name, o.event, o.sender)
	if err != nil {
		return err
	}
	if o.Probe {
		if x.Auth != nil && x.Auth.OIDC && o.ServiceAccount == "" {
			return fmt.Errorf("--probe: Knative's OIDC authentication is on, so the probe must present a token: give --service-account NS/NAME (a sender the EventPolicies let in, or one they refuse, to probe that)")
		}
		return o.runProbe(ctx, m, ns, name, x)
	}
	if !o.Output.Human() {
		err = o.Output.Data(o.Out, x)
	} else {
		err = printBroker(o.Out, x)
	}
	return o.found(err, x.Taken > 0, fmt.Sprintf("no Trigger of broker %q takes the event", name))
}

// runProbe prints the verdicts, probes and prints what happened; exit 1
// when a Trigger did not do as predicted.
func (o *Options) runProbe(ctx context.Context, m wiring.Mesh, ns, name string, x wiring.BrokerExplanation) error {
	if o.Output.Human() {
		if err := printBroker(o.Out, x); err != nil {
			return err
		}
	}
	p, err := o.probe(ctx, m, ns, name, x)
	if err != nil {
		return err
	}
	if !o.Output.Human() {
		err = o.Output.Data(o.Out, probeExplanation{BrokerExplanation: x, Probe: p})
	} else {
		err = printProbe(o.Out, p, o.ProbeTimeout)
	}
	if err == nil && !p.Agree {
		return fmt.Errorf("probe %s: the Broker did not do what explain predicted for every Trigger", p.ID)
	}
	return o.found(err, x.Taken > 0, fmt.Sprintf("no Trigger of broker %q takes the event", name))
}

// deadLetterExplanation is -o json|yaml of explain --dead-letter: the
// stored event's summary (why its delivery failed) and the Broker's verdicts.
type deadLetterExplanation struct {
	DeadLetter dlstore.Summary `json:"deadLetter"`
	// FailedAt are the Triggers whose delivery failed (BrokerExplanation.FailedAt).
	FailedAt []string `json:"failedAt"`
	wiring.BrokerExplanation
}

// explainDeadLetter reads the stored event from the namespace's store and
// explains it against the Broker, with the reason its delivery failed.
func (o *Options) explainDeadLetter(ctx context.Context, m wiring.Mesh, ns, broker string) error {
	c, stop, err := cmdutil.DeadLetterStore(ctx, o.factory, o.namespace)
	if err != nil {
		return err
	}
	e, err := c.Show(ctx, o.DeadLetter)
	stop()
	if dlstore.NotFound(err) {
		return fmt.Errorf("the dead-letter store in namespace %q holds no event %s ('kubectl kymamesh deadletter list -n %s' shows its ids)", o.namespace, o.DeadLetter, o.namespace)
	}
	if err != nil {
		return err
	}
	ev, err := dlstore.CloudEvent(e)
	if err != nil {
		return err
	}
	x, err := wiring.ExplainBroker(ctx, m, ns, broker, ev, o.sender)
	if err != nil {
		return err
	}
	failed := x.FailedAt(e.Destination)
	if !o.Output.Human() {
		err = o.Output.Data(o.Out, deadLetterExplanation{DeadLetter: e.Summary, FailedAt: failed, BrokerExplanation: x})
	} else if err = output.DeadLetterReason(o.Out, e.Summary); err == nil {
		err = printFailedAt(o.Out, broker, e.Destination, failed)
		if err == nil {
			err = printBroker(o.Out, x)
		}
	}
	return o.found(err, x.Taken > 0, fmt.Sprintf("no Trigger of broker %q takes the event", broker))
}

// printFailedAt names the Triggers whose delivery the dead letter records.
func printFailedAt(w io.Writer, broker, destination string, triggers []string) error {
	var err error
	switch {
	case destination == "":
		return nil
	case len(triggers) == 0:
		_, err = fmt.Fprintf(w, "no Trigger of broker %s that takes the event sends to %s now (changed since it failed?)\n", broker, destination)
	default:
		_, err = fmt.Fprintf(w, "the failed delivery: trigger %s, subscriber %s\n", strings.Join(triggers, ", "), destination)
	}
	return err
}

// found turns "not taken" into exit 3 when --exit-code asks.
func (o *Options) found(err error, taken bool, what string) error {
	if err == nil && o.ExitCode && !taken {
		return cmdutil.FoundError{What: what}
	}
	return err
}

func printVerdict(w io.Writer, v eventmatch.Verdict) error {
	line := "the Trigger takes the event"
	if !v.Takes {
		line = fmt.Sprintf("the Trigger does not take the event: %s: %s", v.Clause, v.Why)
	}
	if v.Note != "" {
		line += "\nnote: " + v.Note
	}
	_, err := fmt.Fprintln(w, line)
	return err
}

func printBroker(w io.Writer, x wiring.BrokerExplanation) error {
	if _, err := fmt.Fprintf(w, "broker %s/%s  ready %s%s  %d of %d Triggers take the event\n", x.Namespace, x.Broker, x.Ready, paren(x.Reason), x.Taken, len(x.Triggers)); err != nil {
		return err
	}
	if err := printAuth(w, x.Auth); err != nil {
		return err
	}
	if len(x.Triggers) == 0 {
		_, err := fmt.Fprintln(w, "the Broker has no Trigger: the event goes nowhere")
		return err
	}
	rows := make([][]string, 0, len(x.Triggers))
	for _, t := range x.Triggers {
		takes, why := "yes", t.Delivery
		if !t.Takes {
			takes, why = "no", t.Clause+": "+t.Why
		}
		if t.Note != "" {
			why += " (note: " + t.Note + ")"
		}
		rows = append(rows, []string{t.Trigger, takes, t.Ready + paren(t.Reason), t.Subscriber, why})
	}
	return output.Table(w, []string{"trigger", "takes", "ready", "subscriber", "why / then"}, rows, false)
}

// printAuth says whether Knative's OIDC lets the sender in, when it is on
// or a sender was named.
func printAuth(w io.Writer, a *wiring.AuthExplanation) error {
	if a == nil {
		return nil
	}
	line := "oidc: "
	switch {
	case a.Allowed == nil:
		line += a.Why
	case *a.Allowed:
		line += "sender let in: " + a.Why
	default:
		line += "sender refused: " + a.Why
	}
	if a.Audience != "" {
		line += "; a token must be for audience " + a.Audience + " (else 401)"
	}
	if a.Note != "" {
		line += "\nnote: " + a.Note
	}
	_, err := fmt.Fprintln(w, line)
	return err
}

func printApp(w io.Writer, x wiring.AppExplanation) error {
	var parts []string
	found := false
	for _, obj := range x.Source.Objects {
		found = found || obj.Found
		state := "ready"
		switch {
		case !obj.Found:
			state = "missing"
		case obj.Ready != "True":
			state = "not ready" + paren(obj.Reason)
		}
		parts = append(parts, strings.ToLower(obj.Kind)+" "+state)
	}
	if !found {
		parts = []string{"not found here (no adapter, Service, Channel or SinkBinding of its name)"}
	}
	if _, err := fmt.Fprintf(w, "application %s/%s: %s\nthe adapter sends the event with source %q\n", x.Namespace, x.App, strings.Join(parts, ", "), x.App); err != nil {
		return err
	}
	if len(x.Subscriptions) == 0 {
		_, err := fmt.Fprintln(w, "no Subscription from its Channel: the event goes nowhere")
		return err
	}
	for _, s := range x.Subscriptions {
		if _, err := fmt.Fprintf(w, "subscription %s  ready %s%s  -> %s\n", s.Name, s.Ready, paren(s.Reason), s.To); err != nil {
			return err
		}
	}
	for _, b := range x.Brokers {
		if err := printBroker(w, b); err != nil {
			return err
		}
	}
	return nil
}

func paren(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

func unwrap(err error) error {
	if u, ok := err.(interface{ Unwrap() error }); ok && u.Unwrap() != nil {
		return u.Unwrap()
	}
	return err
}
