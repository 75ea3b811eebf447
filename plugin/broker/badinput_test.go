package broker_test

import (
	"strings"
	"testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
)

// Every bad input to broker is refused with exit code 2 and one "error: ..."
// line that names the flag, argument or field, before any request: the
// factory has no cluster.
func TestBadInputs(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		// durations and delivery
		{[]string{"broker", "create", "b", "--retry-after-max", "P"}, `--retry-after-max: "P" is neither`},
		{[]string{"broker", "create", "b", "--delivery-timeout", "PT0S"}, `--delivery-timeout: "PT0S" must be positive: Knative refuses a zero delivery-timeout`},
		{[]string{"broker", "create", "b", "--delivery-timeout", "0s"}, `--delivery-timeout: "0s" must be positive`},
		{[]string{"broker", "create", "b", "--backoff-policy", "random"}, `--backoff-policy: "random": want linear or exponential`},
		{[]string{"broker", "create", "b", "--retry", "-1"}, "--retry: -1 must not be negative"},
		{[]string{"broker", "create", "b", "--retry", "many"}, `invalid argument "many" for "--retry" flag`},
		{[]string{"broker", "create", "b", "--wait", "--wait-timeout", "soon"}, `invalid argument "soon" for "--wait-timeout" flag`},
		{[]string{"broker", "create", "b", "--wait", "--wait-timeout", "0s"}, "--wait-timeout: must be positive"},
		{[]string{"broker", "create", "b", "--wait", "--dry-run=server"}, "--wait cannot be combined with --dry-run"},
		// names, arguments, flags
		{[]string{"broker", "create", "a", "b"}, `unexpected argument "b"`},
		{[]string{"broker", "create", "Bad_Name"}, `NAME: "Bad_Name" is not a valid name`},
		{[]string{"broker", "describe"}, "NAME is required"},
		{[]string{"broker", "delete"}, "NAME is required"},
		{[]string{"broker", "delete", "-bad-"}, `unknown shorthand flag: 'b' in -bad-`},
		{[]string{"broker", "list", "extra"}, `unexpected argument "extra"`},
		{[]string{"broker", "create", "b", "--dry-run=maybe"}, `--dry-run: "maybe": must be "none", "server", or "client"`},
		{[]string{"broker", "create", "b", "-o", "table"}, "--output: unable to match a printer suitable for the output format \"table\""},
		{[]string{"broker", "create", "b", "-o", "wide"}, `--output: "wide" is only for list commands`},
		{[]string{"broker", "create", "b", "--config", "ConfigMap"}, `--config: "ConfigMap": want KIND:NAME[:NAMESPACE]`},
		{[]string{"broker", "create", "b", "--config", "Pod:x"}, `--config: "Pod:x": unsupported kind "Pod"`},
		{[]string{"broker", "update", "b"}, "nothing to update: give at least one delivery flag"},
		{[]string{"broker", "create", "b", "--config", "ConfigMap:Bad_Name"}, `--config: "Bad_Name" is not a valid name`},
		{[]string{"broker", "create", "b", "--config", "ConfigMap:cfg:Bad_NS"}, `--config: "Bad_NS" is not a valid namespace name`},
		{[]string{"broker", "create", "b", "--delivery-timeout", "50ms"}, `--delivery-timeout: "50ms": Knative keeps tenths of a second`},
		{[]string{"broker", "describe", "b", "-o", "bogus"}, `--output: unable to match a printer suitable for the output format "bogus"`},
	}
	if len(cases) < 25 {
		t.Fatalf("the table must hold at least 25 bad inputs, has %d", len(cases))
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) { cmdtest.ExpectUsageError(t, tc.want, tc.args...) })
	}
}
