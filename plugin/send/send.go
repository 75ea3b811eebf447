// Package send holds "kubectl kymamesh send": CloudEvents to an application, a
// Broker, a Channel, any kn sink or a URL, once or as a measured load.
package send

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/output"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/flags"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/sender"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/reach"
)

// Ways of reaching an in-cluster target.
const (
	ViaPortForward = "port-forward"
	ViaDirect      = "direct"
)

// Options are the inputs of "send".
type Options struct {
	To, Via, IntegrationNamespace string
	Event                         *flags.Event
	Load                          sender.LoadOptions
	Timeout                       time.Duration
	Output                        *flags.Output
	DryRun                        flags.DryRun
	Results                       string
	Verbose                       bool
	// Token and TokenFile are presented as "Authorization: Bearer"; TLS
	// verifies an https target. On send these are the target's, not the
	// API server's (whose come from the kubeconfig).
	Token, TokenFile string
	TLS              sender.TLSOptions
	Retries          int
	// ServiceAccount ([NS/]NAME) has a token made for the target's OIDC
	// audience (or Audience, for a URL) and presented.
	ServiceAccount, Audience string

	namespace string
	nsErr     error  // reading the kubeconfig failed (Complete); reported after the flags
	saNS      string // --service-account's namespace and name, by Validate
	saName    string
	audience  string       // the resolved target's status.address.audience, by reach
	what      string       // the resolved target's object, for messages, by reach
	event     *event.Event // built by Complete
	token     sender.Token // from --token or --token-file, by Complete
	// noSecretAccess: the user may not read the application's credentials,
	// so none was presented; a 401 then says which flag to use.
	noSecretAccess bool
	// appTokenInfo is the application's token presented for app:APP.
	appTokenInfo *wiring.TokenInfo
	factory      cmdutil.Factory
	genericiooptions.IOStreams
}

// NewCmd returns "send".
func NewCmd(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	o := &Options{factory: f, IOStreams: s, Via: ViaPortForward, IntegrationNamespace: wiring.DefaultIntegrationNamespace,
		Event: flags.NewEvent("/kubectl-kymamesh/send", true), Load: sender.LoadOptions{Count: 1, Concurrency: 1},
		Timeout: 30 * time.Second, DryRun: flags.NewDryRun(false)}
	cmd := &cobra.Command{
		Use:   "send --to TARGET --type TYPE",
		Short: "Send CloudEvents to an application, a Broker, a Channel, a kn sink or a URL",
		Long: `send posts CloudEvents 1.0 over HTTP. In-cluster targets are reached from this
machine without creating anything in the cluster: the target's address is read
from its status, then a port-forward to a ready pod behind its Service carries the
event (--via direct dials the address itself, e.g. inside a cluster or through
HTTP_PROXY). With --count above 1 it sends a measured load and prints a summary.
To app:APP it presents the application's newest valid token (source token)
when you may read its Secret; else give --token or --token-file. On send,
--token, --certificate-authority and --insecure-skip-tls-verify are the
target's (an https URL), not the API server's: that one's come from the
kubeconfig.
Exit code 1 if any event was not acknowledged: by an application's adapter
(app:) with 202, by other targets with any 2xx. Redirects are not followed.`,
		Example: `  kubectl kymamesh send --to app:shop --type order.created --data '{"id":1}'
  kubectl kymamesh send --to broker:default:orders --type order.created --ext region=eu --data @order.json
  kubectl kymamesh send --to http://127.0.0.1:8080/ --type ping --count 10000 --concurrency 32 -o json
  echo '{"id":2}' | kubectl kymamesh send --to channel:shop -n kyma-integration --type t --data - --dry-run=client`,
		Args: cmdutil.NoArgs,
		RunE: cmdutil.RunE(f, o),
	}
	fl := cmd.Flags()
	fl.StringVar(&o.To, "to", "", "Target: app:APP, broker:NAME[:NS], channel:NAME[:NS], another kn sink, or an http(s) URL.")
	fl.StringVar(&o.Via, "via", o.Via, "How to reach an in-cluster target: port-forward or direct.")
	fl.StringVar(&o.IntegrationNamespace, "integration-namespace", o.IntegrationNamespace, "Namespace of the applications' adapters (for app:APP).")
	o.Event.AddFlags(cmd, flags.EventHelp{Type: "Event type (required).",
		Source: "Event source (an application's adapter replaces it with the application's name).",
		ID:     "Event id; a UUID if empty (with --count, each event adds a sequence number)."})
	fl.StringVar(&o.Event.Spec.Mode, "mode", o.Event.Spec.Mode, "Content mode: binary or structured.")
	fl.IntVar(&o.Load.Count, "count", o.Load.Count, "How many events to send.")
	fl.IntVar(&o.Load.Concurrency, "concurrency", o.Load.Concurrency, "How many to send at once (one connection pool).")
	fl.Float64Var(&o.Load.Rate, "rate", 0, "Events per second at most; 0 for as fast as the target takes them.")
	fl.DurationVar(&o.Timeout, "timeout", o.Timeout, "Timeout of each request.")
	fl.IntVar(&o.Retries, "retries", 0, "Send an event again, up to this many times, when it was refused with 503 or 429 (after its Retry-After) or its connection failed before an answer; never after another answer or a timeout.")
	o.Output = flags.DataOutput().WithHelp("Output format: json or yaml (the result, or the load summary).")
	o.Output.AddFlags(cmd)
	fl.StringVar(&o.Results, "results", "", "Write one JSON line per event to this file: id, status, latencyMillis, error.")
	o.DryRun.AddFlag(cmd)
	flags.Complete(cmd, "to", "targets")
	flags.Complete(cmd, "via", "values", ViaPortForward, ViaDirect)
	flags.Complete(cmd, "mode", "values", sender.ModeBinary, sender.ModeStructured)
	fl.BoolVarP(&o.Verbose, "verbose", "v", false, "Say on stderr how the target is reached.")
	// kubectl's names; on send they are the event target's (they shadow the
	// API server's connection flags of the same names).
	fl.StringVar(&o.Token, "token", "", "Bearer token to present to the target (an application's token: source token create).")
	fl.StringVar(&o.TokenFile, "token-file", "", "File holding the bearer token; read again when it changes, so a load can switch tokens mid-run.")
	fl.StringVar(&o.TLS.CAFile, "certificate-authority", "", "CA certificate file (PEM) to verify an https target with.")
	fl.BoolVar(&o.TLS.Insecure, "insecure-skip-tls-verify", false, "Do not verify an https target's certificate (insecure).")
	fl.StringVar(&o.ServiceAccount, "service-account", "", "With Knative's OIDC authentication on: present a token of this ServiceAccount (NAMESPACE/NAME, or NAME in -n's namespace), made by a TokenRequest for the target's audience (status.address.audience), as a sender of that identity would; for testing what EventPolicies allow.")
	fl.StringVar(&o.Audience, "audience", "", "The OIDC audience of --service-account's token when the target is a URL (a Broker's or Channel's is read from its status).")
	return cmd
}

// Complete reads the namespace, the dry-run strategy and the event's data
// (the flag, a file or stdin), and builds the event.
func (o *Options) Complete(f cmdutil.Factory, _ *cobra.Command, _ []string) error {
	o.factory = f
	if err := o.DryRun.Complete(); err != nil {
		return err
	}
	// A kubeconfig that cannot be read is the cluster's error: it waits
	// until the flags are checked (Validate), and a client dry run or a URL
	// target never needs it.
	var err error
	o.namespace, o.nsErr = f.Namespace()
	if o.nsErr != nil {
		o.namespace = "default" // a stand-in so that the flags' syntax can be checked
	}
	if o.event, err = o.Event.Build(o.In); err != nil {
		return err
	}
	switch {
	case o.ServiceAccount != "" && (o.Token != "" || o.TokenFile != ""):
		return invalid.Errorf("--service-account", "cannot be combined with --token or --token-file: give one")
	case o.Token != "" && o.TokenFile != "":
		return invalid.Errorf("--token-file", "cannot be combined with --token: give one")
	case o.Token != "":
		o.token, err = sender.StaticToken("--token", o.Token)
	case o.TokenFile != "":
		o.token, err = sender.TokenFile("--token-file", o.TokenFile)
	}
	return err
}

// Validate checks the flags and the target's syntax; it needs no cluster.
func (o *Options) Validate() error {
	switch {
	case o.To == "" && o.DryRun.Strategy != wiring.DryRunClient:
		return invalid.Errorf("--to", "a target is required")
	case o.Via != ViaPortForward && o.Via != ViaDirect:
		return invalid.Errorf("--via", "%q: want port-forward or direct", o.Via)
	case o.Load.Count < 1:
		return invalid.Errorf("--count", "%d: must be at least 1", o.Load.Count)
	case o.Load.Concurrency < 1 || o.Load.Concurrency > 1000:
		return invalid.Errorf("--concurrency", "%d: must be 1 to 1000", o.Load.Concurrency)
	case o.Load.Rate < 0:
		return invalid.Errorf("--rate", "%g: must not be negative", o.Load.Rate)
	case math.IsNaN(o.Load.Rate) || math.IsInf(o.Load.Rate, 0):
		return invalid.Errorf("--rate", "%g: must be a finite number of events per second (0 for as fast as the target takes them)", o.Load.Rate)
	case o.Timeout <= 0:
		return invalid.Errorf("--timeout", "%s: must be positive", o.Timeout)
	case o.Retries < 0 || o.Retries > 100:
		return invalid.Errorf("--retries", "%d: must be 0 to 100", o.Retries)
	}
	if err := o.Output.Complete(); err != nil {
		return err
	}
	if o.To != "" {
		if _, err := reach.CheckTarget(o.To, o.namespace); err != nil {
			return err
		}
	}
	if (o.TLS.CAFile != "" || o.TLS.Insecure) && o.To != "" && !strings.HasPrefix(o.To, "https://") {
		flag := "--certificate-authority"
		if o.TLS.Insecure {
			flag = "--insecure-skip-tls-verify"
		}
		return invalid.Errorf(flag, "is for an https URL target; %q is not one (on send it is the target's TLS, not the API server's)", o.To)
	}
	if _, err := o.TLS.Config(); err != nil {
		return err
	}
	if err := o.validateServiceAccount(); err != nil {
		return err
	}
	if err := checkResultsPath(o.Results); err != nil {
		return err
	}
	if o.nsErr != nil && o.needsCluster() {
		return o.nsErr
	}
	return nil
}

// needsCluster says whether the send reads anything from the cluster: a
// client dry run and a URL target without --service-account do not.
func (o *Options) needsCluster() bool {
	if o.DryRun.Strategy == wiring.DryRunClient {
		return false
	}
	isURL := strings.HasPrefix(o.To, "http://") || strings.HasPrefix(o.To, "https://")
	return !isURL || o.ServiceAccount != ""
}

// validateServiceAccount checks --service-account and --audience against
// the target: a URL has no status to read the audience from; an
// application's adapter takes the application's own token.
func (o *Options) validateServiceAccount() error {
	isURL := strings.HasPrefix(o.To, "http://") || strings.HasPrefix(o.To, "https://")
	switch {
	case o.ServiceAccount == "" && o.Audience != "":
		return invalid.Errorf("--audience", "is the audience of --service-account's token: give --service-account too")
	case o.ServiceAccount == "":
		return nil
	case strings.HasPrefix(o.To, "app:"):
		return invalid.Errorf("--service-account", "an application's adapter takes the application's own token (source token), not a ServiceAccount's: leave out --service-account")
	case isURL && o.Audience == "":
		return invalid.Errorf("--service-account", "a URL target has no status to read the OIDC audience from: give --audience (the Broker's or Channel's status.address.audience)")
	case !isURL && o.To != "" && o.Audience != "":
		return invalid.Errorf("--audience", "is for a URL target: the audience of %s is read from its status", o.To)
	}
	var err error
	o.saNS, o.saName, err = wiring.ParseServiceAccount("--service-account", o.ServiceAccount, o.namespace)
	return err
}

// serviceAccountToken makes --service-account's token for the target's
// audience (a TokenRequest) the one presented.
func (o *Options) serviceAccountToken(ctx context.Context, target string) error {
	aud := o.Audience
	if aud == "" {
		aud = o.audience
	}
	if aud == "" {
		return fmt.Errorf("%s has no OIDC audience (status.address.audience): Knative's authentication-oidc is off (or has not reached it yet), so it takes events without a token; leave out --service-account", target)
	}
	dyn, err := o.factory.Dynamic()
	if err != nil {
		return err
	}
	tok, err := wiring.ServiceAccountToken(ctx, dyn, o.saNS, o.saName, aud, wiring.ServiceAccountTokenTTL)
	if err != nil {
		return err
	}
	o.verbosef("presenting a token of serviceaccount %s/%s for audience %s", o.saNS, o.saName, aud)
	o.token = func() string { return tok }
	return nil
}

// checkResultsPath checks, with the other flags and in a dry run too, that
// --results can be made where it points, without making it: its folder
// exists and it is not a folder itself.
func checkResultsPath(path string) error {
	if path == "" {
		return nil
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return invalid.Errorf("--results", "%s is a directory", path)
	}
	dir := filepath.Dir(path)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return invalid.Errorf("--results", "%s: its directory %s does not exist", path, dir)
	}
	return nil
}

// Run resolves the target, reaches it and sends the event Validate built.
func (o *Options) Run(ctx context.Context) error {
	ev := o.event
	if o.DryRun.Strategy == wiring.DryRunClient {
		if !o.Output.Human() { // the event itself, as -o asks: the JSON event format
			return o.print(ev)
		}
		return output.EventDryRun(o.Out, ev, o.Event.Spec.Mode)
	}
	target, fwd, err := o.reach(ctx)
	if err != nil {
		return err
	}
	if fwd != nil {
		defer fwd.Stop()
	}
	if strings.HasPrefix(o.To, "app:") {
		// The adapter answers 202 once its Channel took the event and
		// nothing else 2xx: another 2xx did not come from its event path.
		target.Acks = sender.AdapterAcks
		if o.token == nil {
			if err := o.appToken(ctx, strings.TrimPrefix(o.To, "app:")); err != nil {
				return err
			}
		}
	}
	if o.ServiceAccount != "" {
		what := o.what
		if what == "" {
			what = o.To
		}
		if err := o.serviceAccountToken(ctx, what); err != nil {
			return err
		}
	}
	target.Token = o.token
	if target.TLS, err = o.TLS.Config(); err != nil {
		return err
	}
	// --results is made (truncating an earlier run's) only once nothing is
	// left that could refuse the run before it sends.
	var results *os.File
	if o.Results != "" {
		if results, err = os.Create(o.Results); err != nil {
			return invalid.Errorf("--results", "%v", err)
		}
		defer results.Close()
		o.Load.Results = results
	}
	s := sender.New(target, o.Event.Spec.Mode, o.Load.Concurrency, o.Timeout)
	s.SetRetries(o.Retries)
	if o.Load.Count == 1 {
		return withForwardError(o.single(ctx, s, ev), fwd)
	}
	bar := output.NewLoadProgress(o.ErrOut, o.Load.Count) // on a terminal only
	if bar != nil {
		o.Load.Progress = bar.Event
	}
	sum, err := s.Load(ctx, ev, o.Load)
	bar.Done()
	if err != nil {
		return err
	}
	if results != nil {
		if err := results.Close(); err != nil {
			return fmt.Errorf("--results: %w", err)
		}
	}
	output.LoadSummary(o.ErrOut, sum)
	if err := o.print(sum); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return fmt.Errorf("stopped after %d of %d events, %d acknowledged: %w", sum.Sent, o.Load.Count, sum.Acknowledged, context.Cause(ctx))
	}
	if sum.Failed > 0 || sum.Sent < o.Load.Count {
		err := fmt.Errorf("%d of %d events were not acknowledged%s", o.Load.Count-sum.Acknowledged, o.Load.Count, o.tokenHint(sum.ByStatus["401 Unauthorized"] > 0, sum.ByStatus["403 Forbidden"] > 0))
		return withForwardError(err, fwd)
	}
	return nil
}

// appToken makes the application's newest valid token the one presented,
// when the user may read its credentials; when it has none, none is.
func (o *Options) appToken(ctx context.Context, app string) error {
	dyn, err := o.factory.Dynamic()
	if err != nil {
		return err
	}
	tok, info, err := wiring.NewestTokenInfo(ctx, dyn, wiring.CredentialsSpec{App: app, Namespace: o.IntegrationNamespace}, time.Now())
	switch {
	case errors.Is(err, wiring.ErrCannotReadCredentials):
		o.noSecretAccess = true
		o.verbosef("may not read secret %s/%s: sending without a token", o.IntegrationNamespace, wiring.CredentialsSecretName(app))
		return nil
	case err != nil:
		return err
	case tok != "":
		o.verbosef("presenting application %s's newest token", app)
		o.token = func() string { return tok }
		o.appTokenInfo = &info
	}
	return nil
}

// tokenHint is what a 401 adds to the error: which flag to use; and a 403
// to a --service-account's token: an EventPolicy question.
func (o *Options) tokenHint(unauthorized, forbidden bool) string {
	switch {
	case forbidden && o.ServiceAccount != "" && !unauthorized:
		return fmt.Sprintf(" (403: the token of serviceaccount %s/%s was taken, but no EventPolicy on the target lets it send there)", o.saNS, o.saName)
	case !unauthorized:
		return ""
	case o.noSecretAccess:
		return fmt.Sprintf(" (401: the application requires a token and you may not read secret %s/%s: give --token or --token-file)",
			o.IntegrationNamespace, wiring.CredentialsSecretName(strings.TrimPrefix(o.To, "app:")))
	case o.token == nil && o.audience != "":
		return fmt.Sprintf(" (401: Knative's OIDC authentication is on and %s takes only tokens for audience %s: give --service-account NS/NAME)", o.what, o.audience)
	case o.token == nil:
		return " (401: the target requires a bearer token: give --token or --token-file)"
	}
	if t := o.appTokenInfo; t != nil {
		// The kubelet updates a mounted Secret within about a minute (its
		// sync period plus its cache's TTL): a token made just now may not
		// be the adapter's yet.
		if age := time.Since(t.Created); age < 2*time.Minute {
			return fmt.Sprintf(" (401: the application's newest token, %s, was made %s ago: its adapter takes it once the kubelet updates the mounted Secret, about a minute at most; send again then)", t.ID, age.Round(time.Second))
		}
	}
	return " (401: the token was refused: it is not, or no longer, valid)"
}

// withForwardError adds to a failed send what the pod's side of a
// port-forward reported, if anything: through a forward, a refused connection
// to the pod only shows as a closed connection here.
func withForwardError(err error, fwd *reach.PortForward) error {
	if err == nil || fwd == nil || fwd.Err() == nil {
		return err
	}
	return fmt.Errorf("%w (%w)", err, fwd.Err())
}

func (o *Options) single(ctx context.Context, s *sender.Sender, ev *event.Event) error {
	t0 := time.Now()
	res := s.Send(ctx, ev)
	if o.Load.Results != nil {
		r := sender.EventResult{ID: res.ID, Status: res.StatusCode, LatencyMillis: float64(time.Since(t0).Microseconds()) / 1000, Error: res.Error, Attempts: res.Attempts}
		if err := sender.WriteResults(o.Load.Results, []sender.EventResult{r}); err != nil {
			return fmt.Errorf("--results: %w", err)
		}
	}
	if !o.Output.Human() {
		if err := o.print(res); err != nil {
			return err
		}
	} else if res.Reply != nil {
		b, _ := json.MarshalIndent(res.Reply, "", "  ")
		fmt.Fprintln(o.Out, string(b))
	}
	if !res.ACK {
		if res.Error == "" {
			res.Error = fmt.Sprintf("HTTP %d", res.StatusCode)
		}
		return fmt.Errorf("event %s was not acknowledged by %s: %s%s", res.ID, res.Target, res.Error, o.tokenHint(res.StatusCode == http.StatusUnauthorized, res.StatusCode == http.StatusForbidden))
	}
	if o.Output.Human() {
		fmt.Fprintf(o.ErrOut, "event %s accepted by %s (HTTP %d)\n", res.ID, res.Target, res.StatusCode)
	}
	return nil
}

// reach resolves the target's URL and, for an in-cluster address reached by
// port-forward, forwards a local port to a ready pod behind its Service (the
// forward is nil otherwise).
func (o *Options) reach(ctx context.Context) (sender.Target, *reach.PortForward, error) {
	isURL := strings.HasPrefix(o.To, "http://") || strings.HasPrefix(o.To, "https://")
	addr := o.To // a URL, checked by Validate
	if app, ok := strings.CutPrefix(o.To, "app:"); ok && o.Via != ViaDirect {
		// The port-forward reads the adapter's Service anyway (and says
		// when there is none): no separate read first.
		addr = reach.AppAddress(app, o.IntegrationNamespace)
	} else if !isURL {
		dyn, err := o.factory.Dynamic()
		if err != nil {
			return sender.Target{}, nil, err
		}
		a, err := reach.ResolveTarget(ctx, dyn, o.To, o.namespace, o.IntegrationNamespace)
		if err != nil {
			return sender.Target{}, nil, err
		}
		addr, o.audience, o.what = a.URL, a.Audience, a.What
	}
	if isURL || o.Via == ViaDirect {
		o.verbosef("sending to %s directly", addr)
		return sender.Target{URL: addr, Name: o.To}, nil, nil
	}
	core, err := o.factory.Core()
	if err != nil {
		return sender.Target{}, nil, err
	}
	pp, err := reach.ResolvePodPort(ctx, core, addr)
	if err != nil {
		return sender.Target{}, nil, err
	}
	cfg, err := o.factory.RESTConfig()
	if err == nil {
		var fwd *reach.PortForward
		if fwd, err = reach.ForwardPort(cfg, pp); err == nil {
			return o.forwarded(addr, pp, fwd), fwd, nil
		}
	}
	return sender.Target{}, nil, fmt.Errorf("port-forward to pod %s/%s port %d: %w", pp.Namespace, pp.Pod, pp.Port, err)
}

// forwarded is the target as reached through fwd.
func (o *Options) forwarded(addr string, pp reach.PodPort, fwd *reach.PortForward) sender.Target {
	u, _ := url.Parse(addr)
	o.verbosef("sending to %s through a port-forward to pod %s/%s port %d (local port %d)", addr, pp.Namespace, pp.Pod, pp.Port, fwd.Local)
	return sender.Target{URL: fmt.Sprintf("http://127.0.0.1:%d%s", fwd.Local, u.RequestURI()), Host: u.Host, Name: o.To}
}

// print writes a result as -o asks: nothing without -o, else JSON or YAML.
func (o *Options) print(v any) error {
	if o.Output.Human() {
		return nil
	}
	return o.Output.Data(o.Out, v)
}

func (o *Options) verbosef(format string, args ...any) {
	if o.Verbose {
		fmt.Fprintf(o.ErrOut, format+"\n", args...)
	}
}
