package wiring

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	eventingduckv1 "knative.dev/eventing/pkg/apis/duck/v1"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/dlstore"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
)

// fakeProber stands for the cluster's side of the probe: its receiver gets
// the probe when the arrive-th probe event is sent (0: never).
type fakeProber struct {
	arrive  int
	code    int // the ingress's answer (0: 202)
	dead    []dlstore.Summary
	onWatch func()
	onSend  func(seq int) // after the seq-th send

	mu      sync.Mutex
	watches []string // broker/mark of each Watch
	sent    []cloudevents.Event
	closed  int
	n       int // sent to the current watch
	dlSince []time.Time
	w       *fakeWatch
}

type fakeWatch struct {
	p       *fakeProber
	arrived chan struct{}
}

func (w *fakeWatch) Arrived() <-chan struct{} { return w.arrived }
func (w *fakeWatch) Close() error {
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	w.p.closed++
	return nil
}

func (p *fakeProber) Watch(_ context.Context, ns, broker, mark string, _ time.Duration) (ProbeWatch, error) {
	p.mu.Lock()
	p.watches = append(p.watches, ns+"/"+broker+"/"+mark)
	p.w, p.n = &fakeWatch{p: p, arrived: make(chan struct{}, 1)}, 0
	p.mu.Unlock()
	if p.onWatch != nil {
		p.onWatch()
	}
	return p.w, nil
}

func (p *fakeProber) Send(_ context.Context, _, _ string, ev cloudevents.Event) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent = append(p.sent, ev)
	if p.code != 0 {
		return p.code, nil
	}
	if p.n++; p.n == p.arrive {
		p.w.arrived <- struct{}{}
	}
	if p.onSend != nil {
		p.onSend(len(p.sent))
	}
	return 202, nil
}

func (p *fakeProber) DeadLetters(_ context.Context, _ string, since time.Time) ([]dlstore.Summary, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dlSince = append(p.dlSince, since)
	return p.dead, nil
}

// asyncMesh is migrateMesh with Broker default's channel an in-memory
// channel with the async handler, and the dead-letter store as its
// dead-letter sink.
func asyncMesh(extra ...runtime.Object) []runtime.Object {
	objs := migrateMesh()
	b := objs[0].(*knapi.Broker)
	b.Annotations[asyncHandlerAnnotation] = "true"
	b.Spec.Delivery = &eventingduckv1.DeliverySpec{DeadLetterSink: DeadLetterSink("shop")}
	b.Status.Annotations = map[string]string{"knative.dev/channelKind": "InMemoryChannel", "knative.dev/channelName": "default-kne-trigger"}
	imc := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "messaging.knative.dev/v1", "kind": "InMemoryChannel",
		"metadata": map[string]any{"name": "default-kne-trigger", "namespace": "shop", "annotations": map[string]any{asyncHandlerAnnotation: "true"}}}}
	return append(append(objs, imc), extra...)
}

func fastDrain(t *testing.T) {
	t.Helper()
	d, r := minDrain, probeResend
	minDrain, probeResend = 50*time.Millisecond, 20*time.Millisecond
	t.Cleanup(func() { minDrain, probeResend = d, r })
}

func migrateWith(t *testing.T, ctx context.Context, m Mesh, spec MigrateSpec, step func(string)) error {
	t.Helper()
	p, err := PlanMigration(t.Context(), m, spec)
	if err != nil {
		t.Fatal(err)
	}
	return Migrate(ctx, m, spec, p, DryRunNone, func(Change) {}, step)
}

// An async channel is probed after its senders moved, until a probe
// arrives (here the third, the first two lost); the receiver is closed; the
// probe's mark is the only filter it needs; the migration carries the async
// handler to both Brokers it makes; dead letters are counted from the drain's start.
func TestMigrateProbesAsyncChannel(t *testing.T) {
	fastDrain(t)
	m, _ := knativeFake(asyncMesh()...)
	p := &fakeProber{arrive: 3, dead: []dlstore.Summary{{Destination: "http://h.shop.svc", Code: 500}, {Destination: "http://h.shop.svc", Code: 500}}}
	var steps []string
	spec := MigrateSpec{Name: "default", Namespace: "shop", Channel: "imc", Timeout: 5 * time.Second, Prober: p}
	if err := migrateWith(t, t.Context(), m, spec, func(s string) { steps = append(steps, s) }); err != nil {
		t.Fatal(err)
	}
	all := strings.Join(steps, "\n")
	t.Log(all)
	// The first hop's source (default) is async; the temporary Broker's
	// status, as this fake makes it, names no channel: no second probe.
	if len(p.watches) != 1 || !strings.HasPrefix(p.watches[0], "shop/default/migrate-") || p.closed != 1 || len(p.sent) != 3 {
		t.Fatalf("watches %v, closed %d, sent %d", p.watches, p.closed, len(p.sent))
	}
	mark := strings.TrimPrefix(p.watches[0], "shop/default/")
	for i, ev := range p.sent {
		if ev.Extensions()[ProbeExtension] != mark || ev.Type() != ProbeEventType || ev.ID() != mark+"-"+string(rune('1'+i)) {
			t.Fatalf("probe %d: %v", i, ev)
		}
	}
	if !strings.Contains(all, "probe "+mark+" arrived through broker default after its senders moved") ||
		!strings.Contains(all, "warning: dead letters during the drain of broker default: 2 in the store since") ||
		!strings.Contains(all, "2 to http://h.shop.svc (HTTP 500)") {
		t.Fatalf("steps:\n%s", all)
	}
	if len(p.dlSince) == 0 || p.dlSince[0].IsZero() {
		t.Fatalf("dead letters read since %v", p.dlSince)
	}
	b, err := m.Eventing.Brokers("shop").Get(t.Context(), "default", metav1.GetOptions{})
	if err != nil || b.Annotations[asyncHandlerAnnotation] != "true" || b.Annotations[MigrateProbedAnnotation] != "" {
		t.Fatalf("broker default after: %v %v", err, b.Annotations)
	}
}

// Stopped while it waits for the probe: the receiver is closed, the error
// says to re-run; the re-run probes again (nothing arrived) and finishes.
// Once a probe arrived (the mark on the Broker), a re-run does not probe again.
func TestMigrateProbeStoppedAndContinued(t *testing.T) {
	fastDrain(t)
	m, dyn := knativeFake(asyncMesh()...)
	ctx, cancel := context.WithCancel(t.Context())
	p := &fakeProber{onWatch: cancel} // Ctrl-C as the receiver is ready
	spec := MigrateSpec{Name: "default", Namespace: "shop", Channel: "imc", Timeout: 5 * time.Second, Prober: p}
	err := migrateWith(t, ctx, m, spec, func(string) {})
	if err == nil || !strings.Contains(err.Error(), "stopped while probing broker \"default\"; re-run to continue") || p.closed != 1 {
		t.Fatalf("the stopped run: %v, closed %d", err, p.closed)
	}
	channelStatus(t, dyn, nil) // the fake's writes dropped what the controller keeps
	p2 := &fakeProber{arrive: 1}
	spec.Prober = p2
	if err := migrateWith(t, t.Context(), m, spec, func(string) {}); err != nil {
		t.Fatal(err)
	}
	if len(p2.watches) != 1 || p2.closed != 1 || len(p2.sent) != 1 {
		t.Fatalf("the re-run: watches %v, closed %d, sent %d", p2.watches, p2.closed, len(p2.sent))
	}

	m, dyn = knativeFake(asyncMesh()...)
	now := time.Now().UTC().Format(time.RFC3339Nano)
	channelStatus(t, dyn, map[string]any{MigrateDrainAnnotation: now, MigrateProbedAnnotation: now})
	p3 := &fakeProber{arrive: 1}
	spec.Prober = p3
	var steps []string
	if err := migrateWith(t, t.Context(), m, spec, func(s string) { steps = append(steps, s) }); err != nil {
		t.Fatal(err)
	}
	if len(p3.watches) != 0 {
		t.Fatalf("a re-run after the probe arrived probed again: %v\n%s", p3.watches, strings.Join(steps, "\n"))
	}
}

// channelStatus gives Broker default its channel's status (and the
// annotations given), as Knative's controller keeps it.
func channelStatus(t *testing.T, dyn *dynamicfake.FakeDynamicClient, ann map[string]any) {
	t.Helper()
	o, err := dyn.Tracker().Get(knapi.Brokers, "shop", "default")
	if err != nil {
		t.Fatal(err)
	}
	u := o.(*unstructured.Unstructured)
	_ = unstructured.SetNestedStringMap(u.Object, map[string]string{"knative.dev/channelKind": "InMemoryChannel", "knative.dev/channelName": "default-kne-trigger"}, "status", "annotations")
	for k, v := range ann {
		_ = unstructured.SetNestedField(u.Object, v, "metadata", "annotations", k)
	}
	if err := dyn.Tracker().Update(knapi.Brokers, u, "shop"); err != nil {
		t.Fatal(err)
	}
}

// A user's Trigger that would take the probe (no filter) keeps the probe
// from being sent: no receiver is made, the drain says why and goes on.
func TestMigrateNoProbeThroughAUsersTrigger(t *testing.T) {
	fastDrain(t)
	all := &knapi.Trigger{ObjectMeta: metav1.ObjectMeta{Name: "everything", Namespace: "shop"},
		Spec: knapi.TriggerSpec{Broker: "default", Subscriber: duckv1.Destination{Ref: &duckv1.KReference{APIVersion: "v1", Kind: "Service", Name: "h"}}}}
	m, _ := knativeFake(asyncMesh(all)...)
	p := &fakeProber{arrive: 1}
	var steps []string
	spec := MigrateSpec{Name: "default", Namespace: "shop", Channel: "imc", Timeout: 5 * time.Second, Prober: p}
	if err := migrateWith(t, t.Context(), m, spec, func(s string) { steps = append(steps, s) }); err != nil {
		t.Fatal(err)
	}
	if len(p.watches) != 0 || len(p.sent) != 0 || !strings.Contains(strings.Join(steps, "\n"),
		"warning: not probing broker default: trigger(s) everything of broker default would deliver the probe (type dev.kymamesh.migrate.probe) to their subscriber") {
		t.Fatalf("watches %v, sent %d, steps:\n%s", p.watches, len(p.sent), strings.Join(steps, "\n"))
	}
}

// A refusal of the probe (OIDC's 401) ends the drain at once, naming
// --probe=never; a probe that never arrives ends it at --timeout. Both
// close the receiver and leave the old Broker in place for a re-run.
func TestMigrateProbeRefusedOrLost(t *testing.T) {
	fastDrain(t)
	for _, tc := range []struct {
		p    *fakeProber
		want string
	}{
		{&fakeProber{code: 401}, "refused the drain's probe (HTTP 401); run with --probe=never"},
		{&fakeProber{code: 503}, "no probe sent to broker \"default\" in namespace \"shop\" arrived within 300ms"},
		{&fakeProber{}, "arrived within 300ms (--timeout;"},
	} {
		m, _ := knativeFake(asyncMesh()...)
		spec := MigrateSpec{Name: "default", Namespace: "shop", Channel: "imc", Timeout: 300 * time.Millisecond, Prober: tc.p}
		err := migrateWith(t, t.Context(), m, spec, func(string) {})
		if err == nil || !strings.Contains(err.Error(), tc.want) || tc.p.closed != 1 {
			t.Errorf("%d: %v, closed %d", tc.p.code, err, tc.p.closed)
		}
		if _, err := m.Eventing.Brokers("shop").Get(t.Context(), "default", metav1.GetOptions{}); err != nil {
			t.Errorf("%d: the old broker: %v", tc.p.code, err)
		}
	}
}

// --probe: never keeps the warning and makes nothing; always probes a
// synchronous channel too; a server dry run never reaches a drain.
func TestMigrateProbeModes(t *testing.T) {
	fastDrain(t)
	m, _ := knativeFake(asyncMesh()...)
	p := &fakeProber{arrive: 1}
	var steps []string
	spec := MigrateSpec{Name: "default", Namespace: "shop", Channel: "imc", Timeout: 5 * time.Second, Prober: p, Probe: ProbeNever}
	if err := migrateWith(t, t.Context(), m, spec, func(s string) { steps = append(steps, s) }); err != nil {
		t.Fatal(err)
	}
	if len(p.watches) != 0 || !strings.Contains(strings.Join(steps, "\n"), "this drain does not probe it (--probe=never)") {
		t.Fatalf("never: %v\n%s", p.watches, strings.Join(steps, "\n"))
	}

	m, _ = knativeFake(migrateMesh()...) // a synchronous channel
	p = &fakeProber{arrive: 1}
	spec = MigrateSpec{Name: "default", Namespace: "shop", Channel: "imc", Timeout: 5 * time.Second, Prober: p, Probe: ProbeAlways}
	if err := migrateWith(t, t.Context(), m, spec, func(string) {}); err != nil {
		t.Fatal(err)
	}
	if len(p.watches) != 2 || p.closed != 2 {
		t.Fatalf("always: watches %v, closed %d", p.watches, p.closed)
	}

	m, _ = knativeFake(asyncMesh()...)
	p = &fakeProber{arrive: 1}
	spec = MigrateSpec{Name: "default", Namespace: "shop", Channel: "imc", Timeout: 5 * time.Second, Prober: p, Probe: ProbeAlways}
	plan, err := PlanMigration(t.Context(), m, spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := Migrate(t.Context(), m, spec, plan, DryRunServer, func(Change) {}, func(string) {}); err != nil {
		t.Fatal(err)
	}
	if len(p.watches)+len(p.sent)+len(p.dlSince) != 0 {
		t.Fatalf("a server dry run probed: %v %d", p.watches, len(p.sent))
	}
	if err := (MigrateSpec{Name: "default", Namespace: "shop", Channel: "imc", Timeout: time.Second, Probe: "sometimes"}).Validate(); err == nil ||
		!strings.Contains(err.Error(), `--probe: "sometimes": want one of auto, always, never`) {
		t.Fatalf("a bad --probe: %v", err)
	}
}

// Which Triggers would deliver the probe to a subscriber: Knative's filter
// decides; tail's receivers are the plugin's own and do not count.
// tailTrigger is a Trigger with tail's label for session to Service svc
// (the session's own when omitted).
func tailTrigger(name, session string, svc ...string) knapi.Trigger {
	to := session
	if len(svc) > 0 {
		to = svc[0]
	}
	return knapi.Trigger{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop", Labels: map[string]string{TailLabel: session}},
		Spec: knapi.TriggerSpec{Broker: "default", Subscriber: duckv1.Destination{Ref: &duckv1.KReference{APIVersion: "v1", Kind: "Service", Name: to}}}}
}

func TestProbeTakers(t *testing.T) {
	tr := func(name string, labels map[string]string, f *knapi.TriggerFilter, fs ...knapi.SubscriptionsAPIFilter) knapi.Trigger {
		return knapi.Trigger{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}, Spec: knapi.TriggerSpec{Broker: "default", Filter: f, Filters: fs}}
	}
	attrs := func(kv ...string) *knapi.TriggerFilter {
		a := knapi.TriggerFilterAttributes{}
		for i := 0; i < len(kv); i += 2 {
			a[kv[i]] = kv[i+1]
		}
		return &knapi.TriggerFilter{Attributes: a}
	}
	got := probeTakers([]knapi.Trigger{
		tr("typed", nil, attrs("type", "order.created")),
		tr("none", nil, nil),
		tr("empty", nil, attrs()),
		tr("source", nil, attrs("source", ProbeEventSource)),
		tr("prefix", nil, nil, knapi.SubscriptionsAPIFilter{Prefix: map[string]string{"type": "dev.kymamesh."}}),
		tr("cesql-false", nil, nil, knapi.SubscriptionsAPIFilter{CESQL: "type = 'x'"}),
		tailTrigger("kymamesh-tail-x", "kymamesh-tail-x"),
		// The label copied onto a Trigger to a real subscriber does not
		// make it the plugin's receiver.
		tailTrigger("copied", "kymamesh-tail-x"),
		tailTrigger("kymamesh-tail-y", "kymamesh-tail-y", "orders"),
	}, ProbeEvent("migrate-x", 1))
	if strings.Join(got, ",") != "copied,empty,kymamesh-tail-y,none,prefix,source" {
		t.Fatalf("takers: %v", got)
	}
}

func TestTriggersWindowAndDeadLetters(t *testing.T) {
	delivery := func(retry int32, delay string) *eventingduckv1.DeliverySpec {
		lin := eventingduckv1.BackoffPolicyLinear
		return &eventingduckv1.DeliverySpec{Retry: &retry, BackoffDelay: &delay, BackoffPolicy: &lin}
	}
	b := &knapi.Broker{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: "shop"}, Spec: knapi.BrokerSpec{Delivery: delivery(2, "PT1S")}}
	own := knapi.Trigger{Spec: knapi.TriggerSpec{Delivery: delivery(1, "PT1S")}}
	if w := triggersWindow(b, []knapi.Trigger{own, {}}); w != 3*time.Second { // the Broker's, 1 + 2, for the Trigger without one
		t.Errorf("window %s", w)
	}
	if w := triggersWindow(b, []knapi.Trigger{own}); w != time.Second {
		t.Errorf("window %s", w)
	}
	if storeSinked(b, []knapi.Trigger{own}) {
		t.Error("no store, yet sinked")
	}
	own.Spec.Delivery.DeadLetterSink = DeadLetterSink("shop")
	if !storeSinked(b, []knapi.Trigger{own}) {
		t.Error("a Trigger's store not seen")
	}
	if got := deadLetterCounts([]dlstore.Summary{{Destination: "b", Code: 500}, {Destination: "a", Code: 404}, {Destination: "b", Code: 500}, {}}); got != "1 to a (HTTP 404), 2 to b (HTTP 500), 1 to unknown destination (HTTP 0)" {
		t.Errorf("counts: %s", got)
	}
	if err := ValidateProbeMode("auto"); err != nil {
		t.Error(err)
	}
	var no errNoProbe
	if !errors.As(error(errNoProbe("x")), &no) {
		t.Error("errNoProbe")
	}
}

// A Broker of another class, or on another channel kind, may answer first.
func TestAsyncChannelClass(t *testing.T) {
	m, _ := knativeFake()
	b := &knapi.Broker{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: "shop", Annotations: map[string]string{BrokerClassAnnotation: "Kafka"}}}
	if got := asyncChannel(t.Context(), m, b); got != "is of class Kafka, not the channel-based Broker" {
		t.Errorf("kafka broker: %q", got)
	}
	b.Annotations[BrokerClassAnnotation] = "MTChannelBasedBroker"
	if got := asyncChannel(t.Context(), m, b); got != "" {
		t.Errorf("channel-based broker without channel status: %q", got)
	}
}

// A channel that may answer first is given its Triggers' retry window (here
// the Broker's, an hour) after the probe arrived, after a probe that could
// not be sent, and without the probe; a synchronous channel is not.
func TestMigrateAsyncDrainWaitsTheTriggersWindow(t *testing.T) {
	fastDrain(t)
	hour := func(objs []runtime.Object) []runtime.Object {
		b := objs[0].(*knapi.Broker)
		if b.Spec.Delivery == nil {
			b.Spec.Delivery = &eventingduckv1.DeliverySpec{}
		}
		retry, delay, lin := int32(1), "PT1H", eventingduckv1.BackoffPolicyLinear
		b.Spec.Delivery.Retry, b.Spec.Delivery.BackoffDelay, b.Spec.Delivery.BackoffPolicy = &retry, &delay, &lin
		return objs
	}
	all := &knapi.Trigger{ObjectMeta: metav1.ObjectMeta{Name: "everything", Namespace: "shop"},
		Spec: knapi.TriggerSpec{Broker: "default", Subscriber: duckv1.Destination{Ref: &duckv1.KReference{APIVersion: "v1", Kind: "Service", Name: "h"}}}}
	for _, tc := range []struct {
		name  string
		objs  []runtime.Object
		probe string
		want  string // "" for a drain that ends
	}{
		{"probed", hour(asyncMesh()), "", "the retry windows"},
		{"not probed: a user's Trigger takes it", hour(asyncMesh(all)), "", "the retry windows"},
		{"--probe=never", hour(asyncMesh()), ProbeNever, "the retry windows"},
		{"synchronous", hour(migrateMesh()), "", ""},
	} {
		m, _ := knativeFake(tc.objs...)
		p := &fakeProber{arrive: 1}
		spec := MigrateSpec{Name: "default", Namespace: "shop", Channel: "imc", Timeout: 5 * time.Second, Prober: p, Probe: tc.probe}
		err := migrateWith(t, t.Context(), m, spec, func(string) {})
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "longer than --timeout 5s")):
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

// A user's Trigger that would take the probe, made after the drain checked
// (while the receiver's Trigger became Ready, or between two probes), stops
// the probe before the next send: no probe goes to the Broker once it exists;
// the receiver is closed and the drain goes on by the retry windows.
func TestMigrateProbeStopsForATriggerMadeMeanwhile(t *testing.T) {
	fastDrain(t)
	for _, after := range []int{0, 2} { // made during Watch, after the 2nd send
		all := &knapi.Trigger{ObjectMeta: metav1.ObjectMeta{Name: "everything", Namespace: "shop"},
			Spec: knapi.TriggerSpec{Broker: "default", Subscriber: duckv1.Destination{Ref: &duckv1.KReference{APIVersion: "v1", Kind: "Service", Name: "h"}}}}
		m, _ := knativeFake(asyncMesh()...)
		mk := func() {
			if _, err := m.Eventing.Triggers("shop").Create(t.Context(), all, metav1.CreateOptions{}); err != nil {
				t.Error(err)
			}
		}
		p := &fakeProber{} // the probe never arrives
		if after == 0 {
			p.onWatch = mk
		} else {
			p.onSend = func(seq int) {
				if seq == after {
					mk()
				}
			}
		}
		var steps []string
		spec := MigrateSpec{Name: "default", Namespace: "shop", Channel: "imc", Timeout: 5 * time.Second, Prober: p}
		if err := migrateWith(t, t.Context(), m, spec, func(s string) { steps = append(steps, s) }); err != nil {
			t.Fatalf("after %d: %v", after, err)
		}
		p.mu.Lock()
		sent, closed := len(p.sent), p.closed
		p.mu.Unlock()
		if sent != after || closed != 1 || !strings.Contains(strings.Join(steps, "\n"),
			"warning: not probing broker default: trigger(s) everything of broker default would deliver the probe") {
			t.Fatalf("after %d: sent %d, closed %d, steps:\n%s", after, sent, closed, strings.Join(steps, "\n"))
		}
	}
}

// The probe's own receiver, as tail builds it (and as Knative defaults its
// subscriber's namespace), is the plugin's: re-checking takers before each
// probe must not stop at it.
func TestTailsOwnTriggerIsNoProbeTaker(t *testing.T) {
	_, tr, err := BuildTail(TailSpec{Name: TailName("abcde"), Namespace: "shop", Broker: "default", Image: "ghcr.io/x/y:1",
		IdleTimeout: time.Minute, Token: strings.Repeat("a", 64)})
	if err != nil {
		t.Fatal(err)
	}
	tr.Spec.Filter = &knapi.TriggerFilter{Attributes: knapi.TriggerFilterAttributes{ProbeExtension: "migrate-x"}}
	withNS := tr.DeepCopy()
	withNS.Spec.Subscriber.Ref.Namespace = "shop"
	if got := probeTakers([]knapi.Trigger{*tr, *withNS}, ProbeEvent("migrate-x", 1)); len(got) != 0 {
		t.Fatalf("tail's own trigger counted as a taker: %v", got)
	}
}
