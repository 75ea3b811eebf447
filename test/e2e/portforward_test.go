//go:build e2e

package e2e

import (
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/test/testbed"
)

// send's default path, a port-forward through the real API server: the test
// bed has no kubelet, so this test gives the adapter's Service what a cluster
// would (a Node whose kubelet serves port-forwarding, a Pod on it, an
// EndpointSlice naming the Pod) and lets the API server forward to it.
func TestSendThroughPortForward(t *testing.T) {
	integration := testbed.Namespace(t)
	user := testbed.Namespace(t)
	sub := testbed.NewReceiver(t)
	port := freePort(t)
	mustKM(t, "wire", "pf", "--to", user, "--integration-namespace", integration, "--port", port,
		"--trigger", "all", "--sink", sub.URL, "--wait", "--wait-timeout", "90s")
	pod := podBehindService(t, integration, "pf-adapter", port)

	r := km(t, "send", "--to", "app:pf", "--integration-namespace", integration, "-v", "--type", "order.created", "--id", "pf-1", "--data", `{"n":1}`)
	if r.Code != 0 || !strings.Contains(r.Stderr, "through a port-forward to pod "+integration+"/"+pod+" port "+port) ||
		!strings.Contains(r.Stderr, "event pf-1 accepted by app:pf (HTTP 202)") {
		t.Fatalf("send through a port-forward: %s", r)
	}
	if ev := sub.WaitFor(t, "pf-1", 20*time.Second); ev.Source != "pf" || ev.Body != `{"n":1}` {
		t.Fatalf("the subscriber got %+v", ev)
	}
	// A load shares the one forwarded port: several connections, each its own stream pair.
	r = km(t, "send", "--to", "app:pf", "--integration-namespace", integration, "--type", "order.created", "--count", "50", "--concurrency", "4", "-o", "json")
	if r.Code != 0 || !strings.Contains(r.Stdout, `"acknowledged":50`) {
		t.Fatalf("load through a port-forward: %s", r)
	}
	eventually(t, 30*time.Second, "the 50 load events to arrive", func() bool { return len(sub.Events()) >= 51 })

	// With the adapter gone, the pod's side refuses the connection; send says
	// so instead of only "EOF".
	testbed.MustKubectl(t, "delete", "deployment", "pf-adapter", "-n", integration)
	eventually(t, 30*time.Second, "the adapter to stop", func() bool {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+port, time.Second)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	r = km(t, "send", "--to", "app:pf", "--integration-namespace", integration, "--type", "order.created", "--id", "pf-2")
	wantExit(t, r, 1, "(port-forward: port "+port+": dial tcp 127.0.0.1:"+port+": connect: connection refused)")
	if strings.Count(r.Stderr, "\n") != 1 {
		t.Fatalf("want the error alone on stderr, no client-go log lines: %q", r.Stderr)
	}
}

// podBehindService registers a Node served by testbed.PortForwardKubelet, a Pod
// on it and an EndpointSlice of the Service pointing at that Pod's port, and
// returns the Pod's name.
func podBehindService(t *testing.T, ns, service, port string) string {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", testbed.Kubeconfig())
	if err != nil {
		t.Fatal(err)
	}
	kc, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "e2e-" + ns}}
	if node, err = kc.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = kc.CoreV1().Nodes().Delete(t.Context(), node.Name, metav1.DeleteOptions{}) })
	node.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "127.0.0.1"}}
	node.Status.DaemonEndpoints.KubeletEndpoint.Port = int32(testbed.PortForwardKubelet(t))
	if _, err = kc.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: service + "-e2e", Namespace: ns},
		Spec: corev1.PodSpec{NodeName: node.Name, Containers: []corev1.Container{{Name: "adapter", Image: "adapter"}}}}
	if _, err = kc.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(port)
	p32, ready := int32(p), true
	// The address is only data here: the API server reaches the Pod through its
	// Node, never through this IP (loopback addresses are not allowed in slices).
	slice := &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Name: service + "-e2e", Namespace: ns, Labels: map[string]string{discoveryv1.LabelServiceName: service}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints: []discoveryv1.Endpoint{{Addresses: []string{"192.0.2.10"}, Conditions: discoveryv1.EndpointConditions{Ready: &ready},
			TargetRef: &corev1.ObjectReference{Kind: "Pod", Namespace: ns, Name: pod.Name}}},
		Ports: []discoveryv1.EndpointPort{{Name: ptr("http"), Port: &p32}},
	}
	if _, err = kc.DiscoveryV1().EndpointSlices(ns).Create(ctx, slice, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	return pod.Name
}

func ptr[T any](v T) *T { return &v }
