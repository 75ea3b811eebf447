package explain

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"sync"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/output"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/tail"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/sender"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/dlstore"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/reach"
)

// ProbeExtension marks a probe's event (CloudEvents extension names are
// lower-case letters and digits only).
const ProbeExtension = wiring.ProbeExtension

// maxProbeTriggers bounds the receivers a probe makes (one per Trigger).
const maxProbeTriggers = 10

// ProbeResult is what happened to the probe event next to what explain
// predicted, Trigger by Trigger.
type ProbeResult struct {
	ID string `json:"id"`
	// Sent is the broker ingress's answer.
	Sent     sender.Result  `json:"sent"`
	Triggers []ProbeTrigger `json:"triggers"`
	// Agree says whether every Trigger did as predicted.
	Agree bool `json:"agree"`
	// DeadLetterStore says whether the namespace's dead-letter store was
	// watched ("watched"), or why not; empty when no Trigger taking the
	// event sends its dead letters there.
	DeadLetterStore string `json:"deadLetterStore,omitempty"`
	// DeadLetters are the probe's dead letters the store took meanwhile:
	// a subscriber that failed it after Knative's retries.
	DeadLetters []ProbeDeadLetter `json:"deadLetters,omitempty"`
}

// ProbeDeadLetter is one dead letter of the probe's event in the store.
type ProbeDeadLetter struct {
	StoreID     string `json:"storeId"`
	Destination string `json:"destination,omitempty"`
	Code        int    `json:"code,omitempty"`
	Reason      string `json:"reason,omitempty"`
	AfterMillis int64  `json:"afterMillis"`
}

// ProbeTrigger is one Trigger's prediction and observation: whether a
// Trigger with its filters (tail's receiver, the probe's mark added)
// received the event from the Broker within --probe-timeout.
type ProbeTrigger struct {
	Trigger   string `json:"trigger"`
	Predicted bool   `json:"predicted"`
	Arrived   bool   `json:"arrived"`
	// AfterMillis is when it arrived, from the send.
	AfterMillis int64 `json:"afterMillis,omitempty"`
}

// probeExplanation is -o json|yaml of explain --probe.
type probeExplanation struct {
	wiring.BrokerExplanation
	Probe ProbeResult `json:"probe"`
}

// probe sends the event to the Broker, marked, and watches through one
// tail receiver per Trigger (its filters and the mark) which of them the
// Broker delivers it to, within --probe-timeout. Every receiver is removed
// before it returns, also when ctx is cancelled (Ctrl-C).
func (o *Options) probe(ctx context.Context, m wiring.Mesh, ns, broker string, x wiring.BrokerExplanation) (res ProbeResult, err error) {
	if len(x.Triggers) > maxProbeTriggers {
		return res, fmt.Errorf("--probe watches at most %d Triggers (one receiver each); broker %q has %d", maxProbeTriggers, broker, len(x.Triggers))
	}
	res.ID = "probe-" + utilrand.String(8)
	triggers := map[string]*knapi.Trigger{}
	l, err := m.Eventing.Triggers(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return res, wiring.APIError(err, "list", "triggers", "", ns)
	}
	for i := range l.Items {
		triggers[l.Items[i].Name] = &l.Items[i]
	}
	// The receivers, made side by side: each waits for a pod.
	sessions := make([]*tail.Session, len(x.Triggers))
	errs := make([]error, len(x.Triggers))
	var wg sync.WaitGroup
	for i, t := range x.Triggers {
		real, ok := triggers[t.Trigger]
		if !ok {
			errs[i] = fmt.Errorf("trigger %q in namespace %q is gone since it was explained", t.Trigger, ns)
			continue
		}
		filter, filters := markedFilters(real.Spec, res.ID)
		wg.Add(1)
		go func() {
			defer wg.Done()
			spec := wiring.TailSpec{Namespace: ns, Broker: broker, Image: o.ProbeImage, IdleTimeout: 2 * time.Minute}
			sessions[i], errs[i] = tail.StartSession(ctx, o.factory, spec, filter, filters, o.ProbeWait, o.ErrOut)
		}()
	}
	wg.Wait()
	defer func() {
		for _, s := range sessions {
			if s != nil {
				if cerr := s.Close(); cerr != nil && err == nil {
					err = cerr
				}
			}
		}
	}()
	if err := errors.Join(errs...); err != nil {
		return res, err
	}

	arrived := make([]time.Duration, len(sessions))
	var mu sync.Mutex
	watchCtx, cancel := context.WithTimeout(ctx, o.ProbeTimeout)
	defer cancel()
	t0 := time.Now()
	for i, s := range sessions {
		events := s.Events()
		go func() {
			for {
				select {
				case e, ok := <-events:
					if !ok {
						return
					}
					if e.Extensions()[ProbeExtension] == res.ID {
						mu.Lock()
						if arrived[i] == 0 {
							arrived[i] = time.Since(t0)
						}
						mu.Unlock()
					}
				case <-watchCtx.Done():
					return
				}
			}
		}()
	}
	store, stopStore := o.watchStore(ctx, m, ns, broker, triggers, x, &res)
	if stopStore != nil {
		defer stopStore()
	}
	ev := o.event.Clone()
	ev.SetExtension(ProbeExtension, res.ID)
	if res.Sent, err = o.sendProbe(ctx, ns, broker, ev); err != nil {
		return res, err
	}
	// With OIDC on, the sender's verdict is part of the prediction: a
	// refused sender's event reaches no Trigger.
	letIn := x.Auth == nil || x.Auth.Allowed == nil || *x.Auth.Allowed
	if !res.Sent.ACK {
		cancel() // nothing to wait for
	}
	var polled time.Time // the store's last look
	// Until every predicted Trigger got it, or the timeout: one that
	// should not must be given the whole time to prove it.
	for watchCtx.Err() == nil {
		mu.Lock()
		all := true
		for i, t := range x.Triggers {
			all = all && (arrived[i] > 0 || !(t.Takes && letIn))
		}
		mu.Unlock()
		// A failed delivery reaches the store only after its retries: with
		// a store to watch, the probe watches for the whole timeout.
		if all && letIn && !anyRefused(x) && store == nil {
			break
		}
		if store != nil && time.Since(polled) >= time.Second {
			o.collectDeadLetters(watchCtx, store, ev.ID(), t0, &res)
			polled = time.Now()
		}
		select {
		case <-watchCtx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
	if ctx.Err() != nil {
		return res, context.Cause(ctx)
	}
	if store != nil {
		o.collectDeadLetters(ctx, store, ev.ID(), t0, &res) // the last look
	}
	res.Agree = true
	mu.Lock()
	defer mu.Unlock()
	for i, t := range x.Triggers {
		p := ProbeTrigger{Trigger: t.Trigger, Predicted: t.Takes && letIn, Arrived: arrived[i] > 0, AfterMillis: arrived[i].Milliseconds()}
		res.Agree = res.Agree && p.Predicted == p.Arrived
		res.Triggers = append(res.Triggers, p)
	}
	return res, nil
}

// watchStore opens the namespace's dead-letter store when a Trigger that
// takes the event sends its dead letters there (its own delivery, or the
// Broker's): a subscriber that fails the probe shows up in it. It says in
// res why the store is not watched when it cannot be reached.
func (o *Options) watchStore(ctx context.Context, m wiring.Mesh, ns, broker string, triggers map[string]*knapi.Trigger, x wiring.BrokerExplanation, res *ProbeResult) (*dlstore.Client, func()) {
	b, err := m.Eventing.Brokers(ns).Get(ctx, broker, metav1.GetOptions{})
	if err != nil {
		return nil, nil
	}
	var brokerDLS *duckv1.Destination
	if b.Spec.Delivery != nil {
		brokerDLS = b.Spec.Delivery.DeadLetterSink
	}
	uses := false
	for _, t := range x.Triggers {
		tr, ok := triggers[t.Trigger]
		if !ok || !t.Takes {
			continue
		}
		dls := brokerDLS
		if tr.Spec.Delivery != nil && tr.Spec.Delivery.DeadLetterSink != nil {
			dls = tr.Spec.Delivery.DeadLetterSink
		}
		uses = uses || wiring.IsDeadLetterStore(dls, ns)
	}
	if !uses {
		return nil, nil
	}
	c, stop, err := cmdutil.DeadLetterStore(ctx, o.factory, ns)
	if err != nil {
		res.DeadLetterStore = "not watched: " + err.Error()
		return nil, nil
	}
	res.DeadLetterStore = "watched"
	return c, stop
}

// collectDeadLetters adds the store's dead letters of the event (by id,
// arrived since the probe was sent) to res.
func (o *Options) collectDeadLetters(ctx context.Context, c *dlstore.Client, id string, t0 time.Time, res *ProbeResult) {
	list, err := c.List(ctx, dlstore.Filter{Since: t0.Add(-time.Second).UTC().Format(time.RFC3339)}, 0)
	if err != nil {
		return // the next round tries again; a store gone is said by the absence
	}
	seen := map[string]bool{}
	for _, d := range res.DeadLetters {
		seen[d.StoreID] = true
	}
	for _, s := range list {
		if s.EventID != id || seen[s.ID] || s.Arrived.Before(t0.Add(-time.Second)) {
			continue
		}
		res.DeadLetters = append(res.DeadLetters, ProbeDeadLetter{StoreID: s.ID, Destination: s.Destination, Code: s.Code,
			Reason: s.Reason, AfterMillis: s.Arrived.Sub(t0).Milliseconds()})
	}
}

func anyRefused(x wiring.BrokerExplanation) bool {
	for _, t := range x.Triggers {
		if !t.Takes {
			return true
		}
	}
	return false
}

// markedFilters are a Trigger's filters with the probe's mark added in the
// same dialect: an exact filter in spec.filters when it has those (then
// spec.filter is ignored, as Knative ignores it), else an attribute of
// spec.filter.
func markedFilters(spec knapi.TriggerSpec, id string) (*knapi.TriggerFilter, []knapi.SubscriptionsAPIFilter) {
	mark := map[string]string{ProbeExtension: id}
	if len(spec.Filters) > 0 {
		filters := append(append([]knapi.SubscriptionsAPIFilter{}, spec.Filters...), knapi.SubscriptionsAPIFilter{Exact: mark})
		return spec.Filter, filters
	}
	attrs := map[string]string{}
	if spec.Filter != nil {
		maps.Copy(attrs, spec.Filter.Attributes)
	}
	maps.Copy(attrs, mark)
	return &knapi.TriggerFilter{Attributes: attrs}, nil
}

// sendProbe posts ev to the Broker as send does: its address through a
// port-forward, with --service-account's token when given.
func (o *Options) sendProbe(ctx context.Context, ns, broker string, ev cloudevents.Event) (sender.Result, error) {
	dyn, err := o.factory.Dynamic()
	if err != nil {
		return sender.Result{}, err
	}
	to := "broker:" + broker + ":" + ns
	addr, err := reach.ResolveTarget(ctx, dyn, to, ns, "")
	if err != nil {
		return sender.Result{}, err
	}
	target := sender.Target{URL: addr.URL, Name: to}
	if o.ServiceAccount != "" {
		if addr.Audience == "" {
			return sender.Result{}, fmt.Errorf("%s has no OIDC audience: Knative's authentication-oidc is off, and the probe is sent without a token; leave out --service-account", addr.What)
		}
		saNS, saName, _ := wiring.ParseServiceAccount("--service-account", o.ServiceAccount, o.namespace)
		tok, err := wiring.ServiceAccountToken(ctx, dyn, saNS, saName, addr.Audience, wiring.ServiceAccountTokenTTL)
		if err != nil {
			return sender.Result{}, err
		}
		target.Token = func() string { return tok }
	}
	if o.Via == "direct" {
		return sender.New(target, sender.ModeBinary, 1, 30*time.Second).Send(ctx, &ev), nil
	}
	core, err := o.factory.Core()
	if err != nil {
		return sender.Result{}, err
	}
	pp, err := reach.ResolvePodPort(ctx, core, addr.URL)
	if err != nil {
		return sender.Result{}, err
	}
	cfg, err := o.factory.RESTConfig()
	if err != nil {
		return sender.Result{}, err
	}
	fwd, err := reach.ForwardPort(cfg, pp)
	if err != nil {
		return sender.Result{}, fmt.Errorf("port-forward to pod %s/%s port %d: %w", pp.Namespace, pp.Pod, pp.Port, err)
	}
	defer fwd.Stop()
	u, _ := url.Parse(addr.URL)
	target.URL, target.Host = fmt.Sprintf("http://127.0.0.1:%d%s", fwd.Local, u.RequestURI()), u.Host
	return sender.New(target, sender.ModeBinary, 1, 30*time.Second).Send(ctx, &ev), nil
}

// printProbe writes the probe's outcome under the verdicts.
func printProbe(w io.Writer, p ProbeResult, timeout time.Duration) error {
	sent := fmt.Sprintf("HTTP %d", p.Sent.StatusCode)
	if p.Sent.Error != "" {
		sent = p.Sent.Error
	}
	if _, err := fmt.Fprintf(w, "probe %s sent (%s=%s): %s\n", p.ID, ProbeExtension, p.ID, sent); err != nil {
		return err
	}
	rows := make([][]string, 0, len(p.Triggers))
	for _, t := range p.Triggers {
		obs := "not within " + timeout.String()
		if t.Arrived {
			obs = fmt.Sprintf("arrived after %s", (time.Duration(t.AfterMillis) * time.Millisecond).String())
		}
		agree := "yes"
		if t.Predicted != t.Arrived {
			agree = "NO"
		}
		rows = append(rows, []string{t.Trigger, map[bool]string{true: "takes", false: "refuses"}[t.Predicted], obs, agree})
	}
	if err := output.Table(w, []string{"trigger", "predicted", "observed", "as predicted"}, rows, false); err != nil {
		return err
	}
	switch {
	case p.DeadLetterStore == "":
		return nil
	case p.DeadLetterStore != "watched":
		_, err := fmt.Fprintf(w, "dead-letter store: %s\n", p.DeadLetterStore)
		return err
	case len(p.DeadLetters) == 0:
		_, err := fmt.Fprintf(w, "dead-letter store: no dead letter of the probe within %s\n", timeout)
		return err
	}
	for _, d := range p.DeadLetters {
		line := fmt.Sprintf("dead-letter store: the probe was dead-lettered after %s (entry %s): %s answered %d",
			time.Duration(d.AfterMillis)*time.Millisecond, d.StoreID, d.Destination, d.Code)
		if d.Reason != "" {
			line += ": " + d.Reason
		}
		if _, err := fmt.Fprintln(w, line); err != nil {
			return err
		}
	}
	return nil
}
