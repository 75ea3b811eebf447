package broker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/tail"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/sender"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/dlstore"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/reach"
)

// drainProbe is wiring.DrainProbe through the cluster: tail's receiver
// (explain --probe's too), the Broker reached through a port-forward to the
// pod behind its address as send reaches it, the dead-letter store as the
// deadletter commands reach it.
type drainProbe struct {
	factory cmdutil.Factory
	image   string
	direct  bool // --via direct: the Broker's address as it is, no port-forward
	errOut  io.Writer
}

var _ wiring.DrainProbe = (*drainProbe)(nil)

// Watch starts a tail receiver whose Trigger takes only events marked mark.
func (p *drainProbe) Watch(ctx context.Context, ns, broker, mark string, wait time.Duration) (wiring.ProbeWatch, error) {
	spec := wiring.TailSpec{Namespace: ns, Broker: broker, Image: p.image, IdleTimeout: 2 * time.Minute}
	filter := &knapi.TriggerFilter{Attributes: knapi.TriggerFilterAttributes{wiring.ProbeExtension: mark}}
	s, err := tail.StartSession(ctx, p.factory, spec, filter, nil, wait, p.errOut)
	if err != nil {
		return nil, err
	}
	w := &probeWatch{s: s, arrived: make(chan struct{}, 1)}
	events := s.Events()
	go func() {
		for e := range events {
			// The Trigger filters on the mark already; this keeps a stray
			// event (another filter dialect, a bug) from counting.
			if e.Extensions()[wiring.ProbeExtension] == mark {
				select {
				case w.arrived <- struct{}{}:
				default:
				}
			}
		}
	}()
	return w, nil
}

type probeWatch struct {
	s       *tail.Session
	arrived chan struct{}
}

func (w *probeWatch) Arrived() <-chan struct{} { return w.arrived }
func (w *probeWatch) Close() error             { return w.s.Close() }

// Send posts ev to the Broker's address through a port-forward to the pod
// that serves it, as send --via port-forward does.
func (p *drainProbe) Send(ctx context.Context, ns, broker string, ev cloudevents.Event) (int, error) {
	dyn, err := p.factory.Dynamic()
	if err != nil {
		return 0, err
	}
	to := "broker:" + broker + ":" + ns
	addr, err := reach.ResolveTarget(ctx, dyn, to, ns, "")
	if err != nil {
		return 0, err
	}
	if p.direct {
		return sendProbe(ctx, sender.Target{URL: addr.URL, Name: to}, ev)
	}
	core, err := p.factory.Core()
	if err != nil {
		return 0, err
	}
	pp, err := reach.ResolvePodPort(ctx, core, addr.URL)
	if err != nil {
		return 0, err
	}
	cfg, err := p.factory.RESTConfig()
	if err != nil {
		return 0, err
	}
	fwd, err := reach.ForwardPort(cfg, pp)
	if err != nil {
		return 0, fmt.Errorf("port-forward to pod %s/%s port %d: %w", pp.Namespace, pp.Pod, pp.Port, err)
	}
	defer fwd.Stop()
	u, err := url.Parse(addr.URL)
	if err != nil {
		return 0, err
	}
	return sendProbe(ctx, sender.Target{URL: fmt.Sprintf("http://127.0.0.1:%d%s", fwd.Local, u.RequestURI()), Host: u.Host, Name: to}, ev)
}

// sendProbe posts one probe event and returns the answer's status.
func sendProbe(ctx context.Context, target sender.Target, ev cloudevents.Event) (int, error) {
	res := sender.New(target, sender.ModeBinary, 1, 30*time.Second).Send(ctx, &ev)
	if res.StatusCode == 0 && res.Error != "" {
		return 0, errors.New(res.Error)
	}
	return res.StatusCode, nil
}

// DeadLetters lists the namespace's store's events since the drain began.
func (p *drainProbe) DeadLetters(ctx context.Context, ns string, since time.Time) ([]dlstore.Summary, error) {
	c, stop, err := cmdutil.DeadLetterStore(ctx, p.factory, ns)
	if err != nil {
		return nil, err
	}
	defer stop()
	return c.List(ctx, dlstore.Filter{Since: since.UTC().Format(time.RFC3339Nano)}, 0)
}
