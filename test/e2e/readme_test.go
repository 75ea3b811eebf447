//go:build e2e

package e2e

import (
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/test/testbed"
)

// readmeWalkThrough returns the README's walk-through lines, comments cut.
func readmeWalkThrough(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "## Seven-line walk-through")
	if !ok {
		t.Fatal("README.md has no walk-through")
	}
	_, block, _ := strings.Cut(rest, "```\n")
	block, _, _ = strings.Cut(block, "```")
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(block), "\n") {
		if i := strings.Index(l, "  #"); i > 0 {
			l = l[:i]
		}
		lines = append(lines, strings.TrimSpace(l))
	}
	return lines
}

// The README's walk-through runs as written where the demo runs: each line
// through a shell, the tail in the background seeing the event send sent.
func TestReadmeWalkThrough(t *testing.T) {
	lines := readmeWalkThrough(t)
	if len(lines) != 7 {
		t.Fatalf("want the seven lines, got %d: %q", len(lines), lines)
	}
	t.Cleanup(func() {
		testbed.Kubectl(t, "delete", "namespace", "shop", "--wait=false", "--ignore-not-found")
		testbed.Kubectl(t, "delete", "namespace", "kyma-integration", "--wait=false", "--ignore-not-found")
	})
	var tail *exec.Cmd
	var tailOut lockedBuffer
	handler := testbed.NewReceiver(t)
	for i, line := range lines {
		if i == 1 {
			// The user's subscriber, as the README assumes it: a Service
			// order-handler in shop (without a selector, the test bed backs it
			// with a process on 127.0.0.1:targetPort).
			_, port, _ := strings.Cut(strings.TrimSuffix(strings.TrimPrefix(handler.URL, "http://"), "/"), ":")
			applyYAML(t, `apiVersion: v1
kind: Service
metadata: {name: order-handler, namespace: shop}
spec:
  ports: [{port: 80, targetPort: `+port+`}]
`)
		}
		if strings.HasSuffix(line, "&") {
			tail = exec.Command("bash", "-c", "exec "+strings.TrimSuffix(line, "&"))
			tail.Stdout, tail.Stderr = &tailOut, &tailOut
			if err := tail.Start(); err != nil {
				t.Fatal(err)
			}
			eventually(t, 60*time.Second, "tail to watch", func() bool { return strings.Contains(tailOut.String(), "watching events") })
			continue
		}
		if strings.Contains(line, " unwire ") && len(handler.Events()) == 0 {
			t.Errorf("the subscriber got nothing")
		}
		if strings.Contains(line, " unwire ") && tail != nil {
			// tail's own Trigger goes with it (Ctrl-C), before unwire looks at the Broker.
			_ = tail.Process.Signal(syscall.SIGINT)
			_ = tail.Wait()
			if !strings.Contains(tailOut.String(), "order.created") {
				t.Errorf("tail did not show the event send sent:\n%s", tailOut.String())
			}
		}
		var r testbed.Result
		if strings.Contains(line, " send ") {
			// The first events into a new chain can wait on Knative's fan-out (docs/benchmarks.md).
			eventually(t, 90*time.Second, "send through the new chain", func() bool {
				r = testbed.Run(t, nil, "bash", "-c", line)
				return r.Code == 0
			})
		} else {
			r = testbed.Run(t, nil, "bash", "-c", line)
		}
		if r.Code != 0 {
			t.Fatalf("%s: %s", line, r)
		}
		if strings.Contains(line, " unwire ") && !strings.Contains(r.Stdout, "broker.eventing.knative.dev/default kept: used by trigger/orders") {
			t.Fatalf("unwire should keep shop's Broker for the user's Trigger, and say so: %s", r)
		}
	}
}
