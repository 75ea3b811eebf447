package reach

import (
	"io"
	"net/http"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/apimachinery/pkg/util/intstr"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/rest"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/typed"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/typed/typedfake"
)

func ptrTo[T any](v T) *T { return &v }

// A channel's address is an ExternalName Service pointing at the dispatcher;
// the port-forward must land on a ready dispatcher pod's target port.
func TestResolvePodPortFollowsExternalName(t *testing.T) {
	objs := []runtime.Object{
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "shop-kn-channel", Namespace: "kyma-integration"},
			Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "imc-dispatcher.knative-eventing.svc.cluster.local"}},
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "imc-dispatcher", Namespace: "knative-eventing"},
			Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http")}}}},
		&discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{Name: "imc-dispatcher-x", Namespace: "knative-eventing",
			Labels: map[string]string{discoveryv1.LabelServiceName: "imc-dispatcher"}},
			Ports: []discoveryv1.EndpointPort{{Name: ptrTo("http"), Port: ptrTo[int32](8080)}},
			Endpoints: []discoveryv1.Endpoint{
				{Conditions: discoveryv1.EndpointConditions{Ready: ptrTo(false)}, TargetRef: &corev1.ObjectReference{Kind: "Pod", Name: "not-ready"}},
				{Conditions: discoveryv1.EndpointConditions{Ready: ptrTo(true)}, TargetRef: &corev1.ObjectReference{Kind: "Pod", Name: "dispatcher-1"}},
			}},
	}
	kube := &typed.Core{Dyn: typedfake.New(objs...)}
	pp, err := ResolvePodPort(t.Context(), kube, "http://shop-kn-channel.kyma-integration.svc.cluster.local")
	if err != nil {
		t.Fatal(err)
	}
	want := PodPort{Namespace: "knative-eventing", Pod: "dispatcher-1", Port: 8080, Service: "knative-eventing/imc-dispatcher"}
	if pp != want {
		t.Fatalf("got %+v, want %+v", pp, want)
	}
	u, err := PortForwardURL(&rest.Config{Host: "https://127.0.0.1:6443/prefix/"}, pp)
	if err != nil || u.String() != "https://127.0.0.1:6443/prefix/api/v1/namespaces/knative-eventing/pods/dispatcher-1/portforward" {
		t.Fatalf("portforward URL: %v %v", u, err)
	}
}

func TestResolvePodPortErrors(t *testing.T) {
	kube := &typed.Core{Dyn: typedfake.New(&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "lonely", Namespace: "ns"},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080)}}}})}
	for url, want := range map[string]string{
		"http://example.com/":                 "not a cluster Service address; use --via direct",
		"http://lonely.ns.svc.cluster.local/": "has no ready pod to port-forward to",
		"http://lonely.ns.svc:81/":            "has no port 81",
		"http://missing.ns.svc.cluster.local": `service "missing" not found`,
	} {
		_, err := ResolvePodPort(t.Context(), kube, url)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: want %q, got %v", url, want, err)
		}
	}
}

func TestResolveTarget(t *testing.T) {
	broker := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "eventing.knative.dev/v1", "kind": "Broker",
		"metadata": map[string]any{"name": "default", "namespace": "orders"},
		"status":   map[string]any{"address": map[string]any{"url": "http://broker-ingress.knative-eventing.svc.cluster.local/orders/default"}}}}
	// With Knative's OIDC on, the address carries the audience of its tokens.
	secured := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "eventing.knative.dev/v1", "kind": "Broker",
		"metadata": map[string]any{"name": "secured", "namespace": "orders"},
		"status": map[string]any{"address": map[string]any{"url": "http://broker-ingress.knative-eventing.svc.cluster.local/orders/secured",
			"audience": "eventing.knative.dev/broker/orders/secured"}}}}
	fresh := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "messaging.knative.dev/v1", "kind": "Channel",
		"metadata": map[string]any{"name": "new", "namespace": "orders"}}}
	svc := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Service",
		"metadata": map[string]any{"name": "shop-adapter", "namespace": "kyma-integration"},
		"spec":     map[string]any{"ports": []any{map[string]any{"port": int64(80)}}}}}
	gvrs := map[schema.GroupVersionResource]string{
		{Group: "eventing.knative.dev", Version: "v1", Resource: "brokers"}:   "BrokerList",
		{Group: "messaging.knative.dev", Version: "v1", Resource: "channels"}: "ChannelList",
		{Version: "v1", Resource: "services"}:                                 "ServiceList",
	}
	dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), gvrs, broker, secured, fresh, svc)
	for target, want := range map[string]string{
		"broker:default:orders":             "http://broker-ingress.knative-eventing.svc.cluster.local/orders/default",
		"broker:default":                    "http://broker-ingress.knative-eventing.svc.cluster.local/orders/default",
		"app:shop":                          "http://shop-adapter.kyma-integration.svc.cluster.local/",
		"svc:shop-adapter:kyma-integration": "http://shop-adapter.kyma-integration.svc.cluster.local:80/",
		"https://example.com/in":            "https://example.com/in",
	} {
		got, err := ResolveTarget(t.Context(), dyn, target, "orders", "kyma-integration")
		if err != nil || got.URL != want || got.Audience != "" {
			t.Errorf("%s: got %+v, %v; want %q and no audience", target, got, err, want)
		}
	}
	got, err := ResolveTarget(t.Context(), dyn, "broker:secured", "orders", "kyma-integration")
	if err != nil || got.Audience != "eventing.knative.dev/broker/orders/secured" || got.What != `broker "secured" in namespace "orders"` {
		t.Errorf("broker:secured: got %+v, %v; want its audience", got, err)
	}
	for target, want := range map[string]string{
		"channel:new":    `channel "new" in namespace "orders" has no address yet`,
		"app:nope":       `service "nope-adapter" not found in namespace "kyma-integration"`,
		"broker:missing": `broker "missing" not found in namespace "orders"`,
		"weird:x":        `--to: "weird:x": want app:APP`,
	} {
		if _, err := ResolveTarget(t.Context(), dyn, target, "orders", "kyma-integration"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: want %q, got %v", target, want, err)
		}
	}
}

// fakeStream reads what the pod's side wrote on it.
type fakeStream struct {
	io.Reader
	headers http.Header
}

func (s *fakeStream) Write(p []byte) (int, error) { return len(p), nil }
func (s *fakeStream) Close() error                { return nil }
func (s *fakeStream) Reset() error                { return nil }
func (s *fakeStream) Headers() http.Header        { return s.headers }
func (s *fakeStream) Identifier() uint32          { return 1 }

// fakeConn answers every stream with the same remote text.
type fakeConn struct {
	httpstream.Connection
	remote string
}

func (c fakeConn) CreateStream(h http.Header) (httpstream.Stream, error) {
	return &fakeStream{Reader: strings.NewReader(c.remote), headers: h}, nil
}

// What the kubelet writes on a connection's error stream is kept, read in
// pieces as the port-forwarder reads it; data streams are left alone.
func TestPortForwardKeepsTheRemoteError(t *testing.T) {
	errs := &remoteErrors{}
	conn := recordingConn{fakeConn{remote: "port 8080: connection refused\n"}, errs}
	fwd := &PortForward{errs: errs}
	header := func(streamType string) http.Header { // as the port-forwarder sets them
		h := http.Header{}
		h.Set(corev1.StreamType, streamType)
		return h
	}
	data, _ := conn.CreateStream(header(corev1.StreamTypeData))
	_, _ = io.ReadAll(data)
	if fwd.Err() != nil {
		t.Fatalf("a data stream's bytes are not an error: %v", fwd.Err())
	}
	stream, _ := conn.CreateStream(header(corev1.StreamTypeError))
	buf := make([]byte, 7)
	for {
		if _, err := stream.Read(buf); err != nil {
			break
		}
	}
	if err := fwd.Err(); err == nil || err.Error() != "port-forward: port 8080: connection refused" {
		t.Fatalf("got %v", err)
	}
}
