package reach

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/transport/spdy"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/typed"
)

// PodPort is a ready pod behind a Service, and the port the Service's traffic
// reaches it on.
type PodPort struct {
	Namespace, Pod string
	Port           int
	Service        string // namespace/name of the Service that led there
}

// ResolvePodPort finds, for an in-cluster URL (NAME.NS.svc[.cluster.local]), a
// ready pod of the Service and its target port, following ExternalName Services
// (Knative channels point at their dispatcher that way).
func ResolvePodPort(ctx context.Context, core *typed.Core, rawURL string) (PodPort, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return PodPort{}, err
	}
	host, port := u.Hostname(), 80
	if u.Scheme == "https" {
		port = 443
	}
	if p := u.Port(); p != "" {
		port, _ = strconv.Atoi(p)
	}
	for hops := 0; hops < 4; hops++ {
		name, ns, ok := serviceOfHost(host)
		if !ok {
			return PodPort{}, fmt.Errorf("%s is not a cluster Service address; use --via direct", host)
		}
		svc, err := core.Services(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return PodPort{}, wiring.APIError(err, "get", "service", name, ns)
		}
		if svc.Spec.Type == corev1.ServiceTypeExternalName {
			host = svc.Spec.ExternalName
			continue
		}
		sp, err := servicePort(svc, port)
		if err != nil {
			return PodPort{}, err
		}
		return readyEndpoint(ctx, core, svc, sp)
	}
	return PodPort{}, fmt.Errorf("too many ExternalName hops from %s", u.Hostname())
}

// serviceOfHost splits NAME.NS.svc[.cluster.local].
func serviceOfHost(host string) (name, ns string, ok bool) {
	parts := strings.Split(strings.TrimSuffix(host, "."), ".")
	if len(parts) >= 3 && parts[2] == "svc" {
		return parts[0], parts[1], true
	}
	return "", "", false
}

func servicePort(svc *corev1.Service, port int) (corev1.ServicePort, error) {
	for _, p := range svc.Spec.Ports {
		if int(p.Port) == port {
			return p, nil
		}
	}
	return corev1.ServicePort{}, fmt.Errorf("service %s/%s has no port %d", svc.Namespace, svc.Name, port)
}

func readyEndpoint(ctx context.Context, slices *typed.Core, svc *corev1.Service, sp corev1.ServicePort) (PodPort, error) {
	list, err := slices.EndpointSlices(svc.Namespace).List(ctx, metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=" + svc.Name})
	if err != nil {
		return PodPort{}, wiring.APIError(err, "list", "endpointslices", "", svc.Namespace)
	}
	for _, s := range list.Items {
		port := 0
		for _, p := range s.Ports {
			if p.Port != nil && (p.Name != nil && *p.Name == sp.Name || len(s.Ports) == 1) {
				port = int(*p.Port)
			}
		}
		if port == 0 && sp.TargetPort.Type == intstr.Int {
			port = sp.TargetPort.IntValue()
		}
		for _, ep := range s.Endpoints {
			if ep.TargetRef == nil || ep.TargetRef.Kind != "Pod" || ep.Conditions.Ready != nil && !*ep.Conditions.Ready {
				continue
			}
			return PodPort{Namespace: svc.Namespace, Pod: ep.TargetRef.Name, Port: port, Service: svc.Namespace + "/" + svc.Name}, nil
		}
	}
	return PodPort{}, fmt.Errorf("service %s/%s has no ready pod to port-forward to", svc.Namespace, svc.Name)
}

// PortForwardURL is the API server URL of a pod's portforward subresource.
func PortForwardURL(cfg *rest.Config, pp PodPort) (*url.URL, error) {
	base, err := url.Parse(strings.TrimSuffix(cfg.Host, "/"))
	if err != nil {
		return nil, err
	}
	base.Path = strings.TrimSuffix(base.Path, "/") + fmt.Sprintf("/api/v1/namespaces/%s/pods/%s/portforward", pp.Namespace, pp.Pod)
	return base, nil
}

// PortForward is a running port-forward to a pod.
type PortForward struct {
	Local int // the port on 127.0.0.1
	stop  chan struct{}
	errs  *remoteErrors
}

// Stop ends the port-forward.
func (f *PortForward) Stop() { close(f.stop) }

// Err is the last error the pod's side reported for a forwarded connection
// (the kubelet writes it on the connection's error stream, e.g. nothing
// listens on the port), or nil. It says why a request through the forward got
// no answer, where the request itself only sees the connection close.
func (f *PortForward) Err() error {
	if msg := f.errs.get(); msg != "" {
		return fmt.Errorf("port-forward: %s", msg)
	}
	return nil
}

// ForwardPort forwards a free port on 127.0.0.1 to the pod's port through the
// API server, as kubectl port-forward does.
func ForwardPort(cfg *rest.Config, pp PodPort) (*PortForward, error) {
	u, err := PortForwardURL(cfg, pp)
	if err != nil {
		return nil, err
	}
	transport, upgrader, err := spdy.RoundTripperFor(cfg)
	if err != nil {
		return nil, err
	}
	errs := &remoteErrors{}
	dialer := recordingDialer{spdy.NewDialer(upgrader, &http.Client{Transport: transport}, http.MethodPost, u), errs}
	stopCh, readyCh := make(chan struct{}), make(chan struct{})
	fw, err := portforward.NewOnAddresses(dialer, []string{"127.0.0.1"}, []string{"0:" + strconv.Itoa(pp.Port)}, stopCh, readyCh, io.Discard, io.Discard)
	if err != nil {
		return nil, err
	}
	errCh := make(chan error, 1)
	go func() { errCh <- fw.ForwardPorts() }()
	select {
	case <-readyCh:
	case err := <-errCh:
		return nil, fmt.Errorf("port-forward to pod %s/%s: %w", pp.Namespace, pp.Pod, err)
	}
	ports, err := fw.GetPorts()
	if err != nil || len(ports) == 0 {
		close(stopCh)
		return nil, fmt.Errorf("port-forward to pod %s/%s: no local port", pp.Namespace, pp.Pod)
	}
	return &PortForward{Local: int(ports[0].Local), stop: stopCh, errs: errs}, nil
}

// remoteErrors keeps the last message read from any error stream.
type remoteErrors struct {
	mu   sync.Mutex
	last string
}

func (r *remoteErrors) set(msg string) {
	r.mu.Lock()
	r.last = msg
	r.mu.Unlock()
}

func (r *remoteErrors) get() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last
}

// recordingDialer hands out connections whose error streams are read through
// a recordingStream.
type recordingDialer struct {
	httpstream.Dialer
	errs *remoteErrors
}

func (d recordingDialer) Dial(protocols ...string) (httpstream.Connection, string, error) {
	c, p, err := d.Dialer.Dial(protocols...)
	if err != nil {
		return c, p, err
	}
	return recordingConn{c, d.errs}, p, nil
}

type recordingConn struct {
	httpstream.Connection
	errs *remoteErrors
}

func (c recordingConn) CreateStream(h http.Header) (httpstream.Stream, error) {
	s, err := c.Connection.CreateStream(h)
	if err != nil || h.Get(corev1.StreamType) != corev1.StreamTypeError {
		return s, err
	}
	return &recordingStream{Stream: s, errs: c.errs}, nil
}

type recordingStream struct {
	httpstream.Stream
	errs *remoteErrors
	msg  []byte
}

func (s *recordingStream) Read(p []byte) (int, error) {
	n, err := s.Stream.Read(p)
	s.msg = append(s.msg, p[:n]...)
	if len(s.msg) > 0 {
		s.errs.set(strings.TrimSpace(string(s.msg)))
	}
	return n, err
}
