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
	cmdtest.ExpectUsageErrors(t, 25, []cmdtest.BadInput{
		// durations and delivery
		{Args: []string{"broker", "create", "b", "--retry-after-max", "P"}, Want: `--retry-after-max: "P" is neither`},
		{Args: []string{"broker", "create", "b", "--delivery-timeout", "PT0S"}, Want: `--delivery-timeout: "PT0S" must be positive: Knative refuses a zero delivery-timeout`},
		{Args: []string{"broker", "create", "b", "--delivery-timeout", "0s"}, Want: `--delivery-timeout: "0s" must be positive`},
		{Args: []string{"broker", "create", "b", "--backoff-policy", "random"}, Want: `--backoff-policy: "random": want linear or exponential`},
		{Args: []string{"broker", "create", "b", "--retry", "-1"}, Want: "--retry: -1 must not be negative"},
		{Args: []string{"broker", "create", "b", "--retry", "many"}, Want: `invalid argument "many" for "--retry" flag`},
		{Args: []string{"broker", "create", "b", "--wait", "--wait-timeout", "soon"}, Want: `invalid argument "soon" for "--wait-timeout" flag`},
		{Args: []string{"broker", "create", "b", "--wait", "--wait-timeout", "0s"}, Want: "--wait-timeout: must be positive"},
		{Args: []string{"broker", "create", "b", "--wait", "--dry-run=server"}, Want: "--wait cannot be combined with --dry-run"},
		// names, arguments, flags
		{Args: []string{"broker", "create", "a", "b"}, Want: `unexpected argument "b"`},
		{Args: []string{"broker", "create", "Bad_Name"}, Want: `NAME: "Bad_Name" is not a valid name`},
		{Args: []string{"broker", "describe"}, Want: "NAME is required"},
		{Args: []string{"broker", "delete"}, Want: "NAME is required"},
		{Args: []string{"broker", "delete", "-bad-"}, Want: `unknown shorthand flag: 'b' in -bad-`},
		{Args: []string{"broker", "list", "extra"}, Want: `unexpected argument "extra"`},
		{Args: []string{"broker", "create", "b", "--dry-run=maybe"}, Want: `--dry-run: "maybe": must be "none", "server", or "client"`},
		{Args: []string{"broker", "create", "b", "-o", "table"}, Want: "--output: unable to match a printer suitable for the output format \"table\""},
		{Args: []string{"broker", "create", "b", "-o", "wide"}, Want: `--output: "wide" is only for list commands`},
		{Args: []string{"broker", "create", "b", "--config", "ConfigMap"}, Want: `--config: "ConfigMap": want KIND:NAME[:NAMESPACE]`},
		{Args: []string{"broker", "create", "b", "--config", "Pod:x"}, Want: `--config: "Pod:x": unsupported kind "Pod"`},
		{Args: []string{"broker", "update", "b"}, Want: "nothing to update: give at least one delivery flag"},
		{Args: []string{"broker", "create", "b", "--config", "ConfigMap:Bad_Name"}, Want: `--config: "Bad_Name" is not a valid name`},
		{Args: []string{"broker", "create", "b", "--config", "ConfigMap:cfg:Bad_NS"}, Want: `--config: "Bad_NS" is not a valid namespace name`},
		{Args: []string{"broker", "create", "b", "--delivery-timeout", "50ms"}, Want: `--delivery-timeout: "50ms": Knative keeps tenths of a second`},
		{Args: []string{"broker", "describe", "b", "-o", "bogus"}, Want: `--output: unable to match a printer suitable for the output format "bogus"`},
		// migrate
		{Args: []string{"broker", "migrate", "b"}, Want: "nothing to migrate to: give --class, --channel or --config (or --rollback)"},
		{Args: []string{"broker", "migrate"}, Want: "NAME is required"},
		{Args: []string{"broker", "migrate", "b", "--channel", "nats"}, Want: `--channel: "nats": want imc, kafka, GROUP/VERSION/KIND or GROUP:VERSION:KIND`},
		{Args: []string{"broker", "migrate", "b", "--channel", "imc", "--config", "ConfigMap:c"}, Want: "--config: give either --channel"},
		{Args: []string{"broker", "migrate", "b", "--config", "Pod:x"}, Want: `--config: "Pod:x": unsupported kind "Pod"`},
		{Args: []string{"broker", "migrate", "b", "--rollback", "--class", "Kafka"}, Want: "--rollback: takes no --class, --channel or --config"},
		{Args: []string{"broker", "migrate", "b", "--channel", "imc", "--timeout", "0s"}, Want: "--timeout: 0s: must be positive"},
		{Args: []string{"broker", "migrate", "b", "--channel", "imc", "--probe", "sometimes"}, Want: `--probe: "sometimes": want one of auto, always, never`},
		{Args: []string{"broker", "migrate", "b", "--channel", "imc", "--image", "a b"}, Want: `--image: "a b" is not an image reference`},
		{Args: []string{"broker", "migrate", "b", "--channel", "imc", "--via", "tunnel"}, Want: `--via: "tunnel": want port-forward or direct`},
		{Args: []string{"broker", "migrate", "b", "--channel", "imc", "-o", "name"}, Want: `--output: "name": want json or yaml`},
		{Args: []string{"broker", "migrate", "b", "--rollback", "--dry-run=server"}, Want: "--dry-run: server: a rollback's plan is all a dry run can show"},
		{Args: []string{"broker", "migrate", "Bad_Name", "--channel", "imc"}, Want: `NAME: "Bad_Name" is not a valid name`},
		{Args: []string{"broker", "migrate", strings.Repeat("b", 40), "--channel", "imc"}, Want: "is too long to migrate: the temporary broker"},
	})
}
