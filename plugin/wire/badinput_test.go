package wire_test

import (
	"testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
)

// Every bad input to wire and unwire is refused with exit code 2 and one "error: ..."
// line that names the flag, argument or field, before any request: the
// factory has no cluster.
func TestBadInputs(t *testing.T) {
	cmdtest.ExpectUsageErrors(t, 9, []cmdtest.BadInput{
		// filters
		{Args: []string{"wire", "shop", "--to", "orders", "--trigger", "t", "--filter", "9x=y", "--sink", "ksvc:a"}, Want: `attribute name "9x": must start with a lower-case letter`},
		// -n where the namespace comes from elsewhere is refused, not ignored.
		{Args: []string{"wire", "shop", "--to", "orders", "-n", "other"}, Want: `--namespace: kubectl kymamesh wire does not take -n/--namespace: the user namespace is --to`},
		{Args: []string{"unwire", "shop", "--from", "orders", "-n", "other"}, Want: `the user namespace is --from`},
		// names and required flags
		{Args: []string{"wire", "1shop", "--to", "orders"}, Want: `APP: "1shop" cannot name an application`},
		{Args: []string{"wire", "shop"}, Want: "--to: the user namespace is required"},
		{Args: []string{"wire", "shop", "--to", "Bad"}, Want: `--to: "Bad" is not a valid namespace name`},
		{Args: []string{"wire", "shop", "--to", "orders", "--sink", "ksvc:a"}, Want: "--trigger: --filter, --cesql and --sink describe a trigger"},
		{Args: []string{"wire", "shop", "--to", "orders", "--trigger", "t"}, Want: "--sink: a sink is required"},
		{Args: []string{"unwire", "shop"}, Want: "--from: the user namespace is required"},
	})
}
