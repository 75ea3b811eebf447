//go:build e2e

package e2e

import (
	"strings"
	"testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/test/testbed"
)

func TestPluginDiscoveryVersionAndCompletion(t *testing.T) {
	r := testbed.Kubectl(t, "plugin", "list")
	if !strings.Contains(r.Stdout, "kubectl-kymamesh") {
		t.Fatalf("kubectl plugin list does not find the plugin: %s", r)
	}
	r = mustKM(t, "version")
	if !strings.HasPrefix(r.Stdout, "kubectl-kymamesh ") {
		t.Fatalf("version: %s", r)
	}
	// kubectl completes plugin commands through kubectl_complete-kymamesh.
	r = testbed.Kubectl(t, "__complete", "kymamesh", "tri")
	if !strings.Contains(r.Stdout, "trigger") {
		t.Fatalf("completion of 'kymamesh tri': %s", r)
	}
	// Names complete from the cluster, through kubectl's own completion too.
	ns := testbed.Namespace(t)
	mustKM(t, "broker", "create", "completed", "-n", ns)
	r = testbed.Kubectl(t, "__complete", "kymamesh", "broker", "describe", "-n", ns, "")
	if !strings.HasPrefix(r.Stdout, "completed\n") {
		t.Fatalf("completion of a broker's name: %s", r)
	}
	r = testbed.Kubectl(t, "__complete", "kymamesh", "enable", "ns", "kube-")
	if !strings.Contains(r.Stdout, "kube-system\n") {
		t.Fatalf("completion of a namespace: %s", r)
	}
	r = mustKM(t, "completion", "bash")
	if !strings.Contains(r.Stdout, "bash completion") {
		t.Fatalf("completion bash: %.200s", r.Stdout)
	}
}

func TestUsageErrorExitCode(t *testing.T) {
	r := km(t, "trigger", "create", "t", "--sink", "nope:x")
	wantExit(t, r, 2, `error: --sink: "nope:x": unknown sink type "nope"`)
}
