// Package tail holds "kubectl kymamesh tail": watch the events a Broker
// delivers, as they arrive, through a temporary receiver that tail removes.
package tail

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/dynamic"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/typed"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/output"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/flags"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/reach"
)

// Options are the inputs of "tail".
type Options struct {
	Spec        wiring.TailSpec
	Count       int
	Timeout     time.Duration
	WaitTimeout time.Duration
	Output      *flags.Output

	objs     []*unstructured.Unstructured // built by Complete: the receiver
	trigger  *knapi.Trigger
	triggers *typed.TriggerClient // made once by Run
	factory  cmdutil.Factory
	genericiooptions.IOStreams
}

// NewCmd returns "tail".
func NewCmd(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	o := &Options{IOStreams: s, Spec: wiring.TailSpec{Broker: "default", IdleTimeout: 2 * time.Minute}, WaitTimeout: 2 * time.Minute,
		Output: flags.ViewOutput("table", "table", "json").WithHelp("Output format: table or json (one CloudEvent per line).")}
	cmd := &cobra.Command{
		Use:   "tail",
		Short: "Watch the events a Broker delivers, as they arrive",
		Long: `tail shows the events a Broker delivers, as a Trigger with the given filters
would receive them. It creates a temporary receiver in the Broker's namespace
(a Deployment running the adapter image in its receive mode, its Service,
ServiceAccount, a Role that lets it delete only itself and a Secret holding a
random token only this tail knows, without which the receiver streams to
nobody) and a Trigger to it, port-forwards to the receiver and prints each
event as it arrives: a table line, or with -o json the structured CloudEvent
on one line. A line it cannot read as a CloudEvent is reported on stderr and
skipped.

It removes everything it created when it stops: on Ctrl-C, at --timeout or
after --count events. If tail itself is killed, the receiver deletes its own
Deployment once nobody has watched it for --receiver-idle-timeout, and
Kubernetes' garbage collector removes the rest with it.`,
		Example: `  kubectl kymamesh tail -n shop
  kubectl kymamesh tail -n shop --filter type=order.created --count 1 -o json
  kubectl kymamesh tail -n shop --cesql "source = 'commerce'" --timeout 5m`,
		Args: cmdutil.NoArgs,
		RunE: cmdutil.RunE(f, o),
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Spec.Broker, "broker", o.Spec.Broker, "Broker whose events to watch.")
	fl.StringArrayVar(&o.Spec.Filter, "filter", nil, "Exact attribute filter KEY=VALUE, repeatable, e.g. --filter type=order.created.")
	fl.StringArrayVar(&o.Spec.CESQL, "cesql", nil, "CloudEvents SQL filter, e.g. \"type LIKE 'order.%'\"; repeatable (an event must match all).")
	fl.IntVar(&o.Count, "count", 0, "Stop after this many events (0: until Ctrl-C or --timeout).")
	fl.DurationVar(&o.Timeout, "timeout", 0, "Stop after watching this long (0: no limit).")
	fl.DurationVar(&o.WaitTimeout, "wait-timeout", o.WaitTimeout, "How long to wait for the receiver and its Trigger to be ready.")
	fl.DurationVar(&o.Spec.IdleTimeout, "receiver-idle-timeout", o.Spec.IdleTimeout, "If tail is killed, the receiver removes itself after nobody watched it this long.")
	fl.StringVar(&o.Spec.Image, "image", flags.DefaultImage(), "Adapter image (its receive mode is the receiver).")
	o.Output.AddFlags(cmd)
	flags.Complete(cmd, "broker", "brokers")
	return cmd
}

// Complete names the session and builds its objects, which checks every
// flag before anything is created.
func (o *Options) Complete(f cmdutil.Factory, _ *cobra.Command, _ []string) error {
	o.factory = f
	ns, err := f.Namespace()
	if err != nil {
		return err
	}
	o.Spec.Namespace, o.Spec.Name = ns, wiring.TailName(utilrand.String(5))
	if o.Spec.Token, err = wiring.NewTailToken(); err != nil {
		return err
	}
	o.objs, o.trigger, err = wiring.BuildTail(o.Spec)
	return err
}

// Validate checks the flags BuildTail does not.
func (o *Options) Validate() error {
	switch {
	case o.Count < 0:
		return invalid.Errorf("--count", "%d: must not be negative", o.Count)
	case o.Timeout < 0:
		return invalid.Errorf("--timeout", "%s: must not be negative", o.Timeout)
	case o.WaitTimeout <= 0:
		return invalid.Errorf("--wait-timeout", "%s: must be positive", o.WaitTimeout)
	}
	return o.Output.Complete()
}

// Run creates the receiver and its Trigger, streams the events and removes
// what it created, however it stops.
func (o *Options) Run(ctx context.Context) (err error) {
	// The Broker first: without it the Trigger would never be Ready, and
	// nothing should be made for that (nor in a namespace that does not exist).
	ev, err := o.factory.Eventing()
	if err != nil {
		return err
	}
	o.triggers = ev.Triggers(o.Spec.Namespace)
	if _, err := ev.Brokers(o.Spec.Namespace).Get(ctx, o.Spec.Broker, metav1.GetOptions{}); err != nil {
		if apierrors.IsNotFound(err) {
			return fmt.Errorf("broker %q does not exist in namespace %q: make it with 'kubectl kymamesh enable ns %s' (or 'broker create'), or name another with --broker",
				o.Spec.Broker, o.Spec.Namespace, o.Spec.Namespace)
		}
		return wiring.APIError(err, "get", "broker", o.Spec.Broker, o.Spec.Namespace)
	}
	dyn, err := o.factory.Dynamic()
	if err != nil {
		return err
	}
	owner, err := o.create(ctx, dyn)
	if owner != nil {
		defer func() {
			if cerr := o.remove(dyn, owner); cerr != nil && err == nil {
				err = cerr
			}
		}()
	}
	if err != nil {
		return err
	}
	stream, stop, err := o.connect(ctx)
	if err != nil {
		return err
	}
	defer stop()
	if err := o.subscribe(ctx, owner); err != nil {
		return err
	}
	fmt.Fprintf(o.ErrOut, "watching events of broker %s/%s (trigger %s); Ctrl-C to stop\n", o.Spec.Namespace, o.Spec.Broker, o.Spec.Name)
	return o.watch(ctx, stream)
}

// create makes the receiver: the Deployment first, then what it owns. It
// returns the Deployment once it exists, so that it is removed whatever
// happens next.
func (o *Options) create(ctx context.Context, dyn dynamic.Interface) (*unstructured.Unstructured, error) {
	var owner *unstructured.Unstructured
	for i, obj := range o.objs {
		gvr := wiring.TailGVRs[i]
		if owner != nil {
			wiring.OwnedBy(obj, owner)
		}
		created, err := dyn.Resource(gvr).Namespace(o.Spec.Namespace).Create(ctx, obj, metav1.CreateOptions{FieldManager: wiring.ManagedByValue})
		if err != nil {
			return owner, wiring.APIError(err, "create", obj.GetKind(), obj.GetName(), o.Spec.Namespace)
		}
		if owner == nil {
			owner = created
		}
	}
	return owner, nil
}

// connect waits for a ready receiver pod, port-forwards to it and opens the
// event stream.
func (o *Options) connect(ctx context.Context) (*bufio.Reader, func(), error) {
	core, err := o.factory.Core()
	if err != nil {
		return nil, nil, err
	}
	cfg, err := o.factory.RESTConfig()
	if err != nil {
		return nil, nil, err
	}
	spin := output.NewSpinner(o.ErrOut, "waiting for the receiver "+o.Spec.Name)
	pp, err := o.readyPod(ctx, func(ctx context.Context) (reach.PodPort, error) {
		return reach.ResolvePodPort(ctx, core, "http://"+o.Spec.Name+"."+o.Spec.Namespace+".svc")
	})
	spin.Done()
	if err != nil {
		return nil, nil, err
	}
	fwd, err := reach.ForwardPort(cfg, pp)
	if err != nil {
		return nil, nil, fmt.Errorf("port-forward to the receiver pod %s/%s: %w", pp.Namespace, pp.Pod, err)
	}
	body, err := openStream(ctx, fmt.Sprintf("http://127.0.0.1:%d/events", fwd.Local), o.Spec.Token)
	if err != nil {
		fwd.Stop()
		return nil, nil, errors.Join(err, fwd.Err())
	}
	return bufio.NewReader(body), func() { body.Close(); fwd.Stop() }, nil
}

// openStream opens the receiver's event stream with the session's token,
// which only this tail holds.
func openStream(ctx context.Context, url, token string) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := (&http.Client{Transport: &http.Transport{Proxy: nil}}).Do(req)
	if err != nil {
		return nil, fmt.Errorf("opening the receiver's event stream: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		resp.Body.Close()
		return nil, fmt.Errorf("opening the receiver's event stream: HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(msg)))
	}
	return resp.Body, nil
}

// readyPod polls until the receiver's Service has a ready pod, within --wait-timeout.
func (o *Options) readyPod(ctx context.Context, resolve func(context.Context) (reach.PodPort, error)) (reach.PodPort, error) {
	ctx, cancel := context.WithTimeout(ctx, o.WaitTimeout)
	defer cancel()
	for {
		pp, err := resolve(ctx)
		if err == nil {
			return pp, nil
		}
		select {
		case <-ctx.Done():
			if errors.Is(context.Cause(ctx), context.DeadlineExceeded) {
				return pp, fmt.Errorf("the receiver %s/%s was not ready within %s (--wait-timeout): %w", o.Spec.Namespace, o.Spec.Name, o.WaitTimeout, err)
			}
			return pp, context.Cause(ctx)
		case <-time.After(300 * time.Millisecond):
		}
	}
}

// subscribe creates the Trigger to the receiver and waits for it to be Ready.
func (o *Options) subscribe(ctx context.Context, owner *unstructured.Unstructured) error {
	wiring.OwnedBy(o.trigger, owner)
	t, err := o.triggers.Create(ctx, o.trigger, metav1.CreateOptions{FieldManager: wiring.ManagedByValue})
	if err != nil {
		return wiring.APIError(err, "create", "trigger", o.trigger.Name, o.Spec.Namespace)
	}
	spin := output.NewSpinner(o.ErrOut, "waiting for trigger "+t.Name+" to be Ready")
	_, err = wiring.WaitReady(ctx, o.triggers, "trigger", t, o.WaitTimeout)
	spin.Done()
	return err
}

// watch prints events until --count, --timeout or ctx ends it.
func (o *Options) watch(ctx context.Context, stream *bufio.Reader) error {
	if o.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, o.Timeout, errTimeout)
		defer cancel()
	}
	lines := make(chan []byte)
	failed := make(chan error, 1)
	go func() {
		for {
			line, err := stream.ReadBytes('\n')
			if err != nil {
				failed <- err
				return
			}
			select {
			case lines <- line:
			case <-ctx.Done():
				return
			}
		}
	}()
	printer := output.NewEventStream(o.Out, o.Output.Format)
	n := 0
	for o.Count == 0 || n < o.Count {
		select {
		case <-ctx.Done():
			if errors.Is(context.Cause(ctx), errTimeout) {
				if o.Count > 0 {
					return fmt.Errorf("received %d of %d events within %s (--timeout)", n, o.Count, o.Timeout)
				}
				return nil
			}
			// Ctrl-C is how a tail without --count or --timeout ends: exit
			// 128+n as documented, but no "error:" line.
			return cmdutil.StoppedError{Cause: context.Cause(ctx)}
		case err := <-failed:
			return fmt.Errorf("the receiver's event stream ended after %d events: %w", n, err)
		case line := <-lines:
			e, err := parseLine(line)
			if err != nil {
				// One bad line must not end the watch: say so, go on.
				fmt.Fprintf(o.ErrOut, "skipped a line that is not a CloudEvent: %v\n", err)
				continue
			}
			if err := printer.Print(e, line, time.Now()); err != nil {
				return err
			}
			n++
		}
	}
	return nil
}

var errTimeout = errors.New("--timeout reached")

// parseLine reads one line of the stream as a valid CloudEvent.
func parseLine(line []byte) (*event.Event, error) {
	e := event.New()
	if err := e.UnmarshalJSON(line); err != nil {
		return nil, err
	}
	if err := e.Validate(); err != nil {
		return nil, err
	}
	return &e, nil
}

// remove deletes the Trigger, then the Deployment in the foreground, which
// the garbage collector completes only once its dependents are gone; it
// waits for that, so that nothing is left when tail exits. It runs on its
// own short deadline: ctx may already be cancelled (Ctrl-C).
func (o *Options) remove(dyn dynamic.Interface, owner *unstructured.Unstructured) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_ = o.triggers.Delete(ctx, o.Spec.Name, metav1.DeleteOptions{}) // not found if it was never made
	deployments := dyn.Resource(wiring.DeploymentsGVR).Namespace(o.Spec.Namespace)
	fg := metav1.DeletePropagationForeground
	if err := deployments.Delete(ctx, owner.GetName(), metav1.DeleteOptions{PropagationPolicy: &fg}); err != nil {
		return fmt.Errorf("removing the receiver %s/%s: %w (it removes itself after %s)", o.Spec.Namespace, owner.GetName(), err, o.Spec.IdleTimeout)
	}
	for {
		_, err := deployments.Get(ctx, owner.GetName(), metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("removing the receiver %s/%s: still there after 60s (it removes itself after %s)", o.Spec.Namespace, owner.GetName(), o.Spec.IdleTimeout)
		case <-time.After(200 * time.Millisecond):
		}
	}
	fmt.Fprintf(o.ErrOut, "removed the receiver %s and its trigger\n", owner.GetName())
	return nil
}

// Session is a tail receiver driven by another command (explain --probe):
// the same objects, made, watched and removed as tail makes, watches and
// removes them, with the Trigger's filters the caller gives.
type Session struct {
	o      *Options
	dyn    dynamic.Interface
	owner  *unstructured.Unstructured
	stream *bufio.Reader
	stop   func()
	done   chan struct{}
}

// StartSession makes a receiver in spec.Namespace (spec.Name and Token
// are filled in) whose Trigger has filter and filters as its own, waits
// until it is Ready and opens its stream. On error, what was made is
// removed before it returns.
func StartSession(ctx context.Context, f cmdutil.Factory, spec wiring.TailSpec, filter *knapi.TriggerFilter, filters []knapi.SubscriptionsAPIFilter, wait time.Duration, errOut io.Writer) (*Session, error) {
	var err error
	spec.Name = wiring.TailName(utilrand.String(5))
	if spec.Token, err = wiring.NewTailToken(); err != nil {
		return nil, err
	}
	o := &Options{Spec: spec, WaitTimeout: wait, factory: f, IOStreams: genericiooptions.IOStreams{Out: io.Discard, ErrOut: errOut}}
	if o.objs, o.trigger, err = wiring.BuildTail(spec); err != nil {
		return nil, err
	}
	o.trigger.Spec.Filter, o.trigger.Spec.Filters = filter, filters
	ev, err := f.Eventing()
	if err != nil {
		return nil, err
	}
	o.triggers = ev.Triggers(spec.Namespace)
	s := &Session{o: o, done: make(chan struct{})}
	if s.dyn, err = f.Dynamic(); err != nil {
		return nil, err
	}
	s.owner, err = o.create(ctx, s.dyn)
	if err == nil {
		s.stream, s.stop, err = o.connect(ctx)
	}
	if err == nil {
		err = o.subscribe(ctx, s.owner)
	}
	if err != nil {
		return nil, errors.Join(err, s.Close())
	}
	return s, nil
}

// Name is the session's receiver and Trigger name.
func (s *Session) Name() string { return s.o.Spec.Name }

// Events sends each CloudEvent the receiver gets on the channel it
// returns, until the stream ends (Close).
func (s *Session) Events() <-chan *event.Event {
	ch := make(chan *event.Event)
	go func() {
		defer close(ch)
		for {
			line, err := s.stream.ReadBytes('\n')
			if err != nil {
				return
			}
			if e, err := parseLine(line); err == nil {
				select {
				case ch <- e:
				case <-s.done:
					return
				}
			}
		}
	}()
	return ch
}

// Close ends the stream and removes the receiver and its Trigger, as tail
// does when it stops.
func (s *Session) Close() error {
	close(s.done)
	if s.stop != nil {
		s.stop()
	}
	if s.owner == nil {
		return nil
	}
	return s.o.remove(s.dyn, s.owner)
}
