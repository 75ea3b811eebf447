//go:build e2e

package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/test/testbed"
)

// The user's default path on the test bed, as on a cluster: two applications'
// adapters run as pods in their own network namespaces, both on the default
// port, each with its own address in its Service's EndpointSlice (filled by
// the real EndpointSlice controller); send port-forwards to each through the
// real API server and the node's kubelet endpoint.
func TestSendThroughPortForward(t *testing.T) {
	integration := testbed.Namespace(t)
	user := testbed.Namespace(t)
	sub := testbed.NewReceiver(t)
	for _, app := range []string{"pf", "pf2"} {
		mustKM(t, "wire", app, "--to", user, "--integration-namespace", integration, "--wait", "--wait-timeout", "90s")
	}
	mustKM(t, "trigger", "create", "all", "-n", user, "--sink", sub.URL)
	pods := map[string]string{} // app -> pod
	ips := map[string]bool{}
	eventually(t, 30*time.Second, "both adapters to have ready endpoints", func() bool {
		for _, app := range []string{"pf", "pf2"} {
			out := testbed.MustKubectl(t, "get", "endpointslices", "-n", integration, "-l", "kubernetes.io/service-name="+app+"-adapter",
				"-o", `jsonpath={range .items[*].endpoints[?(@.conditions.ready==true)]}{.targetRef.name} {.addresses[0]}{"\n"}{end}`)
			name, ip, ok := strings.Cut(strings.TrimSpace(out), " ")
			if !ok || strings.Contains(ip, "\n") {
				return false
			}
			pods[app] = name
			ips[ip] = true
		}
		return true
	})
	if len(ips) != 2 {
		t.Fatalf("the two adapters share an address: %v", ips)
	}
	for app, pod := range pods {
		r := km(t, "send", "--to", "app:"+app, "--integration-namespace", integration, "-v", "--type", "order.created", "--id", app+"-1", "--data", `{"n":1}`)
		if r.Code != 0 || !strings.Contains(r.Stderr, "through a port-forward to pod "+integration+"/"+pod+" port 8080") ||
			!strings.Contains(r.Stderr, "event "+app+"-1 accepted by app:"+app+" (HTTP 202)") {
			t.Fatalf("send through a port-forward: %s", r)
		}
		if ev := sub.WaitFor(t, app+"-1", 20*time.Second); ev.Source != app || ev.Body != `{"n":1}` {
			t.Fatalf("the subscriber got %+v", ev)
		}
	}
	// A load shares the one forwarded port: several connections, each its own stream pair.
	r := km(t, "send", "--to", "app:pf", "--integration-namespace", integration, "--type", "order.created", "--count", "50", "--concurrency", "4", "-o", "json")
	if r.Code != 0 || !strings.Contains(r.Stdout, `"acknowledged":50`) {
		t.Fatalf("load through a port-forward: %s", r)
	}
	eventually(t, 30*time.Second, "the 50 load events to arrive", func() bool { return len(sub.Events()) >= 52 })

	// With the adapter scaled to zero, its pod leaves the endpoints; send says
	// so before trying.
	testbed.MustKubectl(t, "scale", "deployment", "pf-adapter", "-n", integration, "--replicas=0")
	eventually(t, 30*time.Second, "the adapter's pod to go", func() bool {
		return strings.TrimSpace(testbed.MustKubectl(t, "get", "pods", "-n", integration, "-o", "name", "-l", "kymamesh.kyma-project.io/application=pf")) == ""
	})
	r = km(t, "send", "--to", "app:pf", "--integration-namespace", integration, "--type", "order.created", "--id", "pf-2")
	wantExit(t, r, 1, "has no ready pod to port-forward to")
	if strings.Count(r.Stderr, "\n") != 1 {
		t.Fatalf("want the error alone on stderr, no client-go log lines: %q", r.Stderr)
	}
}
