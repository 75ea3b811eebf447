//go:build e2e

package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/test/testbed"
)

// The API requests each command sends, counted by a proxy in front of the
// real API server. A command that sends more than its row fails the test;
// docs/benchmarks.md ("API requests per command") shows the same table. No
// command but doctor asks for API discovery.
func TestRequestsPerCommand(t *testing.T) {
	integration, user := testbed.Namespace(t), testbed.Namespace(t)
	sub := testbed.NewReceiver(t)
	rc := testbed.NewRequestCounter(t)
	ns, in := []string{"-n", user}, []string{"--integration-namespace", integration}
	rows := []struct {
		args []string
		max  int
	}{
		{[]string{"version"}, 0},
		{[]string{"trigger", "create", "t0", "--sink", sub.URL, "--dry-run=client"}, 0},
		{[]string{"enable", "ns", user, "--wait"}, 4},
		{[]string{"broker", "create", "b1"}, 1},
		{[]string{"broker", "create", "b2", "--wait"}, 2},
		{[]string{"trigger", "create", "t1", "--sink", sub.URL}, 1},
		{[]string{"trigger", "create", "t2", "--sink", sub.URL, "--wait"}, 2},
		{[]string{"trigger", "update", "t1", "--filter", "type=a"}, 2},
		{[]string{"trigger", "list"}, 1},
		{[]string{"trigger", "describe", "t1"}, 1},
		{[]string{"trigger", "delete", "t1"}, 1},
		{[]string{"broker", "list"}, 1},
		// each object read before it is applied (converge: created, configured or unchanged);
		// an autoscaler and a budget looked for, to delete if no longer asked for
		{append([]string{"wire", "shop", "--to", user}, in...), 18},
		{append([]string{"source", "list"}, in...), 6},
		// and the applications' credentials Secrets, one list; Knative's
		// config-br-defaults, to say where each Broker's persistence comes from;
		// their Ingresses and HTTPRoutes (source expose), one list each
		{append([]string{"status"}, in...), 14},
		// the application's credentials Secret read, for its token
		{append([]string{"send", "--to", "app:shop", "--type", "order.created"}, in...), 4},
		// whatever refers to the Channel looked up before it is deleted: one list
		// per kind that can (nine), across namespaces; the credentials Secret,
		// the Ingress and the HTTPRoute (source expose) read
		{append([]string{"unwire", "shop", "--from", user}, in...), 32},
	}
	var table strings.Builder
	fmt.Fprintln(&table, "| command | requests | what |")
	fmt.Fprintln(&table, "|---|---|---|")
	for _, row := range rows {
		args := append(append([]string{}, row.args...), "--kubeconfig", rc.Kubeconfig)
		if row.args[0] != "version" && row.args[0] != "enable" && row.args[0] != "source" && !strings.Contains(strings.Join(row.args, " "), "--to "+user) &&
			!strings.Contains(strings.Join(row.args, " "), "--from "+user) {
			args = append(args, ns...)
		}
		if row.args[0] == "send" {
			// The chain wire made must carry events first (not counted):
			// Knative keeps fanning out to the deleted Trigger t1 for a while,
			// and its broker filter holds those requests until the channel's
			// dispatch gives up (~25 s; docs/benchmarks.md).
			mustKM(t, append([]string{"wire", "shop", "--to", user, "--wait", "--wait-timeout", "120s"}, in...)...)
			t0, tries := time.Now(), 0
			eventually(t, 90*time.Second, "an event through the new chain", func() bool {
				tries++
				return km(t, append([]string{"send", "--to", "app:shop", "--type", "warm.up", "--timeout", "5s"}, in...)...).Code == 0
			})
			t.Logf("the first event through the new chain was acknowledged after %d tries, %s", tries, time.Since(t0).Round(time.Second))
		}
		if row.args[0] == "trigger" && row.args[1] == "update" {
			// Knative's controller may still be writing t1's status (made
			// without --wait): a conflict would add a retry's two requests.
			testbed.MustKubectl(t, "wait", "--for=condition=Ready", "--timeout=60s", "triggers.eventing.knative.dev/t1", "-n", user)
		}
		rc.Take()
		r := km(t, args...)
		got := rc.Take()
		if r.Code != 0 {
			t.Fatalf("kubectl kymamesh %s: %s", strings.Join(row.args, " "), r)
		}
		fmt.Fprintf(&table, "| `%s` | %d | %s |\n", strings.Join(row.args, " "), len(got), strings.Join(got, ", "))
		for _, req := range got {
			if strings.HasSuffix(req, " /api") || strings.HasSuffix(req, " /apis") || strings.Contains(req, "/openapi/") || strings.HasSuffix(req, " /version") {
				t.Errorf("%s asked for API discovery: %s", strings.Join(row.args, " "), req)
			}
		}
		if len(got) > row.max {
			t.Errorf("%s sent %d requests, its row allows %d: %s", strings.Join(row.args, " "), len(got), row.max, strings.Join(got, ", "))
		}
	}
	t.Logf("requests per command:\n%s", table.String())
}
