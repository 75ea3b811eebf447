package wiring

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	eventingduckv1 "knative.dev/eventing/pkg/apis/duck/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/dlstore"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/eventmatch"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
)

// The drain's probe (docs/usage.md, "broker migrate", "The probe"): for a
// channel that may acknowledge before it delivers, after the senders moved,
// probe events go to the old Broker's address and are awaited at a
// temporary receiver whose temporary Trigger on the old Broker takes only
// events carrying this probe's mark. No user's Trigger may take the probe:
// the plugin never delivers a synthetic event to a subscriber it did not make.

// ProbeExtension marks a probe's event (CloudEvents extension names are
// lower-case letters and digits only); explain --probe uses it too.
const ProbeExtension = "kymameshprobe"

// MigrateProbedAnnotation, on the Broker being drained, is when the probe
// arrived (RFC 3339): a re-run does not probe again.
const MigrateProbedAnnotation = "kymamesh.kyma-project.io/migrate-probed"

// The probe event's type and source, which no user's filter is expected to
// take (and the drain checks that none does).
const (
	ProbeEventType   = "dev.kymamesh.migrate.probe"
	ProbeEventSource = "kubectl-kymamesh/broker-migrate"
)

// Probe modes (--probe).
const (
	ProbeAuto   = "auto"   // only when the channel may acknowledge before it delivers
	ProbeAlways = "always" // on every drain
	ProbeNever  = "never"  // never: the warning and the retry windows only
)

// ProbeModes are the values --probe takes.
var ProbeModes = []string{ProbeAuto, ProbeAlways, ProbeNever}

// probeResend is how long the drain waits for a probe before it sends
// another (a variable for the tests).
var probeResend = 5 * time.Second

// DrainProbe is what the drain's probe needs from outside wiring: a
// receiver, a way to the Broker's address, and the dead-letter store.
// plugin/broker gives it (through tail's receiver, as explain --probe).
type DrainProbe interface {
	// Watch makes a temporary receiver and a Trigger on broker in ns that
	// takes only events whose ProbeExtension is mark, and returns once the
	// Trigger is Ready (within wait). Close removes both.
	Watch(ctx context.Context, ns, broker, mark string, wait time.Duration) (ProbeWatch, error)
	// Send posts ev to the Broker's address and returns the HTTP status
	// of the answer (0 with an error when none came).
	Send(ctx context.Context, ns, broker string, ev cloudevents.Event) (int, error)
	// DeadLetters lists what the namespace's dead-letter store took since.
	DeadLetters(ctx context.Context, ns string, since time.Time) ([]dlstore.Summary, error)
}

// ProbeWatch is a running probe receiver.
type ProbeWatch interface {
	// Arrived gets a value when an event with the watch's mark arrives.
	Arrived() <-chan struct{}
	Close() error
}

// ValidateProbeMode checks --probe.
func ValidateProbeMode(mode string) error {
	if mode != "" && !slices.Contains(ProbeModes, mode) {
		return invalid.Errorf("--probe", "%q: want one of %s", mode, strings.Join(ProbeModes, ", "))
	}
	return nil
}

// ProbeEvent is the seq-th probe event of the probe marked mark.
func ProbeEvent(mark string, seq int) cloudevents.Event {
	ev := cloudevents.NewEvent()
	ev.SetID(fmt.Sprintf("%s-%d", mark, seq))
	ev.SetType(ProbeEventType)
	ev.SetSource(ProbeEventSource)
	ev.SetTime(time.Now().UTC())
	ev.SetExtension(ProbeExtension, mark)
	return ev
}

// probeTakers names the Triggers that would deliver ev to their subscriber,
// as Knative's broker filter decides; tail's and the probe's own Triggers
// are the plugin's receivers and do not count.
func probeTakers(triggers []knapi.Trigger, ev cloudevents.Event) []string {
	var out []string
	for i := range triggers {
		t := &triggers[i]
		if tailReceiver(t) {
			continue
		}
		if eventmatch.Trigger(t.Spec, ev).Takes {
			out = append(out, t.Name)
		}
	}
	sort.Strings(out)
	return out
}

// tailReceiver says whether t is a tail session's own Trigger, by its form
// as BuildTail makes it (named for the session, to the session's Service),
// not by the label alone, which anyone may copy onto a Trigger that feeds a
// real subscriber.
func tailReceiver(t *knapi.Trigger) bool {
	s := t.Labels[TailLabel]
	ref := t.Spec.Subscriber.Ref
	return s != "" && t.Name == s && strings.HasPrefix(s, TailComponent+"-") && ref != nil && ref.Kind == "Service" &&
		ref.Name == s && (ref.Namespace == "" || ref.Namespace == t.Namespace) && t.Spec.Subscriber.URI == nil
}

// probe sends probe events to Broker src until one arrives at the
// temporary receiver (a new one every probeResend, each sent after the
// senders moved), within --timeout, and returns when it arrived. The
// receiver and its Trigger are removed before it returns, on Ctrl-C too.
func (mg *migration) probe(ctx context.Context, src *knapi.Broker) (arrivedAt time.Time, err error) {
	ns, p := src.Namespace, mg.s.Prober
	mark := "migrate-" + utilrand.String(8)
	if err := mg.noProbeTakers(ctx, src, mark); err != nil {
		return arrivedAt, err
	}
	mg.step(fmt.Sprintf("probing broker %s: a temporary receiver and trigger taking only %s=%s", src.Name, ProbeExtension, mark))
	w, err := p.Watch(ctx, ns, src.Name, mark, mg.s.Timeout)
	if err != nil {
		if ctx.Err() != nil {
			return arrivedAt, fmt.Errorf("stopped while probing broker %q; re-run to continue: %w", src.Name, context.Cause(ctx))
		}
		return arrivedAt, err
	}
	defer func() {
		if cerr := w.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	deadline := time.Now().Add(mg.s.Timeout)
	for seq := 1; ; seq++ {
		// Checked again before each send: a Trigger made or changed since
		// (the receiver's Trigger takes seconds to be Ready, the probe runs
		// up to --timeout) must not get the probe either.
		if err := mg.noProbeTakers(ctx, src, mark); err != nil {
			if ctx.Err() != nil {
				return arrivedAt, fmt.Errorf("stopped while probing broker %q; re-run to continue: %w", src.Name, context.Cause(ctx))
			}
			return arrivedAt, err
		}
		code, serr := p.Send(ctx, ns, src.Name, ProbeEvent(mark, seq))
		last := answer(code, serr)
		switch {
		case serr == nil && code >= 400 && code < 500 && code != 404 && code != 429:
			// A refusal (401/403 with OIDC, 400) comes again on every send.
			return arrivedAt, fmt.Errorf("broker %q in namespace %q refused the drain's probe (HTTP %d); run with --probe=never to drain by the retry windows alone", src.Name, ns, code)
		case serr != nil || code/100 != 2:
			mg.step(fmt.Sprintf("probe %d to broker %s not acknowledged (%s); sending another", seq, src.Name, last))
		}
		wait := min(probeResend, time.Until(deadline))
		select {
		case <-w.Arrived():
			// Said before the receiver's removal, which is reported as it ends.
			mg.step(fmt.Sprintf("probe %s arrived through broker %s after its senders moved", mark, src.Name))
			return time.Now().UTC(), nil
		case <-ctx.Done():
			return arrivedAt, fmt.Errorf("stopped while probing broker %q; re-run to continue: %w", src.Name, context.Cause(ctx))
		case <-time.After(max(wait, 0)):
		}
		if !time.Now().Before(deadline) {
			return arrivedAt, fmt.Errorf("no probe sent to broker %q in namespace %q arrived within %s (--timeout; %d sent, the last answered %s): its channel has not dispatched what it holds, or the probe did not reach it; re-run to continue", src.Name, ns, mg.s.Timeout, seq, last)
		}
	}
}

// noProbeTakers is an errNoProbe naming the Triggers of Broker src that
// would deliver the probe marked mark to their subscriber, or nil.
func (mg *migration) noProbeTakers(ctx context.Context, src *knapi.Broker, mark string) error {
	l, err := mg.m.Eventing.Triggers(src.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return APIError(err, "list", "triggers", "", src.Namespace)
	}
	var onSrc []knapi.Trigger
	for _, t := range l.Items {
		if t.Spec.Broker == src.Name {
			onSrc = append(onSrc, t)
		}
	}
	if takers := probeTakers(onSrc, ProbeEvent(mark, 1)); len(takers) > 0 {
		return errNoProbe(fmt.Sprintf("trigger(s) %s of broker %s would deliver the probe (type %s) to their subscriber", strings.Join(takers, ", "), src.Name, ProbeEventType))
	}
	return nil
}

func answer(code int, err error) string {
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("HTTP %d", code)
}

// errNoProbe says why the drain could not probe; the drain goes on without.
type errNoProbe string

func (e errNoProbe) Error() string { return string(e) }

// triggersWindow is the longest retry window of the Triggers' deliveries
// (a Trigger without one has the Broker's): how long a channel that
// answered early may still be delivering an event it took.
func triggersWindow(b *knapi.Broker, triggers []knapi.Trigger) time.Duration {
	var w time.Duration
	for i := range triggers {
		d := triggers[i].Spec.Delivery
		if d == nil {
			d = b.Spec.Delivery
		}
		w = max(w, deliveryWindow(d))
	}
	if len(triggers) == 0 {
		w = deliveryWindow(b.Spec.Delivery)
	}
	return w
}

// deliveryWindow is retryWindow of a typed delivery.
func deliveryWindow(d *eventingduckv1.DeliverySpec) time.Duration {
	if d == nil {
		return 0
	}
	raw, err := runtime.DefaultUnstructuredConverter.ToUnstructured(d)
	if err != nil {
		return 0
	}
	return retryWindow(&unstructured.Unstructured{Object: map[string]any{"spec": map[string]any{"delivery": raw}}})
}

// storeSinked says whether the Broker or one of its Triggers sends its dead
// letters to the namespace's dead-letter store.
func storeSinked(b *knapi.Broker, triggers []knapi.Trigger) bool {
	if IsDeadLetterStore(deadLetterSinkOf(b), b.Namespace) {
		return true
	}
	for i := range triggers {
		if d := triggers[i].Spec.Delivery; d != nil && IsDeadLetterStore(d.DeadLetterSink, b.Namespace) {
			return true
		}
	}
	return false
}

// deadLetterCounts says how many dead letters arrived, by failed
// destination and code, in a stable order.
func deadLetterCounts(items []dlstore.Summary) string {
	by := map[string]int{}
	for _, s := range items {
		dest := s.Destination
		if dest == "" {
			dest = "unknown destination"
		}
		by[fmt.Sprintf("%s (HTTP %d)", dest, s.Code)]++
	}
	keys := make([]string, 0, len(by))
	for k := range by {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d to %s", by[k], k)
	}
	return strings.Join(parts, ", ")
}
