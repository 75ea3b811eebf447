package policy_test

import (
	"strings"
	"testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
)

// Every bad input to policy is refused with exit code 2 and one "error: ..."
// line that names the flag, argument or field, before any request: the
// factory has no cluster.
func TestBadInputs(t *testing.T) {
	cmdtest.ExpectUsageErrors(t, 1, []cmdtest.BadInput{
		{Args: []string{"policy", "allow", "shop", "--to", "orders", "-n", "other"}, Want: `the namespace is --to`},
	})
}

// allow checks its input before any request.
func TestBadInputsOfAllow(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"policy", "allow", "crm"}, "error: --to: the namespace is required"},
		{[]string{"policy", "allow", "--to", "shop"}, "error: APP is required (see 'kubectl kymamesh policy allow -h')"},
		{[]string{"policy", "allow", "crm", "--to", "Bad_NS"}, `"Bad_NS" is not a valid namespace name`},
		{[]string{"policy", "allow", "Bad_App", "--to", "shop"}, `"Bad_App" is not a valid name`},
		{[]string{"policy", "allow", "crm", "--to", "shop", "--broker", "UPPER"}, `"UPPER" is not a valid name`},
		{[]string{"policy", "allow", "crm", "--to", "shop", "--integration-namespace", "Bad_NS"}, `"Bad_NS" is not a valid namespace name`},
		{[]string{"policy", "allow", "crm", "--to", "shop", "-o", "wide"}, `error: --output: "wide" is only for list commands`},
		{[]string{"policy", "allow", "crm", "--to", "shop", "--dry-run=maybe"}, `error: --dry-run: "maybe": must be "none", "server", or "client"`},
		{[]string{"policy", "describe"}, "error: NAME is required"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) { cmdtest.ExpectUsageError(t, tc.want, tc.args...) })
	}
}
