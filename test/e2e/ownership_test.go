//go:build e2e

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/test/testbed"
)

// applyYAML applies a manifest with kubectl, as another tool would.
func applyYAML(t *testing.T, manifest string) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "obj.yaml")
	if err := os.WriteFile(f, []byte(manifest), 0o600); err != nil {
		t.Fatal(err)
	}
	testbed.MustKubectl(t, "apply", "-f", f)
}

// On a shared cluster unwire removes only what wire made and nothing that
// others still use: the integration namespace it created stays while it holds
// the user's Secret and ConfigMap and another tool's Channel named "default";
// the Broker stays while a Trigger someone else made uses it; each is named.
// Its client dry run, and every mutating command's, writes nothing (a proxy
// refuses and records every write). Once the others' objects are gone, unwire
// removes the rest.
func TestUnwireKeepsWhatOthersUse(t *testing.T) {
	integration, user := missingNamespace(t, "own-int"), missingNamespace(t, "own-user")
	mustKM(t, "wire", "own", "--to", user, "--create-namespace", "--integration-namespace", integration)
	testbed.MustKubectl(t, "create", "secret", "generic", "users-secret", "-n", integration, "--from-literal=k=v")
	testbed.MustKubectl(t, "create", "configmap", "users-config", "-n", integration, "--from-literal=k=v")
	applyYAML(t, `apiVersion: messaging.knative.dev/v1
kind: Channel
metadata: {name: default, namespace: `+integration+`}
---
apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata: {name: someone-elses, namespace: `+user+`}
spec:
  broker: default
  subscriber: {uri: "http://example.invalid/"}
`)

	refuser := testbed.NewWriteRefuser(t)
	env := []string{"KUBECONFIG=" + refuser.Kubeconfig}
	dryRuns := [][]string{
		{"unwire", "own", "--from", user, "--integration-namespace", integration},
		{"unwire", "own", "--from", user, "--integration-namespace", integration, "--delete-in-use"},
		{"disable", "ns", user},
		{"source", "delete", "own", "--integration-namespace", integration, "--delete-in-use"},
		{"wire", "own", "--to", user, "--integration-namespace", integration},
		{"enable", "ns", user},
		{"source", "create", "http", "own", "--integration-namespace", integration},
		{"broker", "create", "b2", "-n", user},
		{"broker", "update", "default", "-n", user, "--retry", "3"},
		{"broker", "delete", "default", "-n", user},
		{"trigger", "create", "t2", "-n", user, "--sink", "http://example.invalid/"},
		{"trigger", "update", "someone-elses", "-n", user, "--filter", "type=x"},
		{"trigger", "delete", "someone-elses", "-n", user},
		{"channel", "create", "c2", "-n", integration},
		{"channel", "delete", "default", "-n", integration},
		{"subscription", "create", "s2", "-n", integration, "--channel", "own", "--sink", "broker:default:" + user},
		{"subscription", "update", "own-to-" + user, "-n", integration, "--sink", "http://example.invalid/"},
		{"subscription", "delete", "own-to-" + user, "-n", integration},
		{"policy", "allow", "own", "--to", user, "--integration-namespace", integration},
		{"send", "--to", "broker:default", "-n", user, "--type", "t"},
	}
	for _, args := range dryRuns {
		r := testbed.Run(t, env, "kubectl", append(append([]string{"kymamesh"}, args...), "--dry-run=client")...)
		if r.Code != 0 {
			t.Errorf("%s --dry-run=client: %s", strings.Join(args, " "), r)
		}
		if w := refuser.Writes(); len(w) > 0 {
			t.Fatalf("%s --dry-run=client wrote: %v", strings.Join(args, " "), w)
		}
		if args[0] == "unwire" && len(args) == 6 {
			for _, want := range []string{
				"namespace/" + integration + " kept (dry run): it still holds ", "channel.messaging.knative.dev/default", "configmap/users-config", "secret/users-secret",
				"broker.eventing.knative.dev/default kept (dry run): used by trigger/someone-elses; add --delete-in-use",
				"deployment.apps/own-adapter deleted (dry run)",
			} {
				if !strings.Contains(r.Stdout, want) {
					t.Errorf("unwire's dry run should say %q: %s", want, r)
				}
			}
		}
	}

	r := mustKM(t, "unwire", "own", "--from", user, "--integration-namespace", integration)
	if !strings.Contains(r.Stdout, "namespace/"+integration+" kept: it still holds") ||
		!strings.Contains(r.Stdout, "broker.eventing.knative.dev/default kept: used by trigger/someone-elses") {
		t.Fatalf("unwire should name what it kept and why: %s", r)
	}
	for _, obj := range [][]string{{"namespace", integration}, {"secret", "users-secret", "-n", integration},
		{"channels", "default", "-n", integration}, {"brokers", "default", "-n", user}} {
		if got := getJSON(t, append([]string{"get"}, obj...)...); field(got, "metadata", "deletionTimestamp") != nil {
			t.Fatalf("unwire is deleting %v", obj)
		}
	}
	if !notFound(t, "deployment", "own-adapter", "-n", integration) {
		t.Fatal("unwire left the adapter it made")
	}

	// The others clean up; unwire, run again, takes the rest.
	testbed.MustKubectl(t, "delete", "secret", "users-secret", "-n", integration)
	testbed.MustKubectl(t, "delete", "configmap", "users-config", "-n", integration)
	testbed.MustKubectl(t, "delete", "channels.messaging.knative.dev", "default", "-n", integration, "--wait=true")
	testbed.MustKubectl(t, "delete", "triggers.eventing.knative.dev", "someone-elses", "-n", user, "--wait=true")
	r = mustKM(t, "unwire", "own", "--from", user, "--integration-namespace", integration)
	if !strings.Contains(r.Stdout, "broker.eventing.knative.dev/default deleted") || !strings.Contains(r.Stdout, "namespace/"+integration+" deleted") {
		t.Fatalf("the second unwire should delete the Broker and the namespace: %s", r)
	}
}

// source create after wire keeps wire's mark, so unwire still removes the source.
func TestSourceCreateAfterWireKeepsWiresMark(t *testing.T) {
	integration, user := testbed.Namespace(t), testbed.Namespace(t)
	mustKM(t, "wire", "mark", "--to", user, "--integration-namespace", integration)
	mustKM(t, "source", "create", "http", "mark", "--integration-namespace", integration)
	dep := getJSON(t, "get", "deployment", "mark-adapter", "-n", integration)
	if field(dep, "metadata", "labels", "kymamesh.kyma-project.io/created-by") != "wire" {
		t.Fatalf("source create dropped wire's mark: %v", field(dep, "metadata", "labels"))
	}
	r := mustKM(t, "unwire", "mark", "--from", user, "--integration-namespace", integration)
	if !strings.Contains(r.Stdout, "deployment.apps/mark-adapter deleted") {
		t.Fatalf("unwire left the source: %s", r)
	}
}
