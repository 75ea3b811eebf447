package wire_test

import (
	"strings"
	"testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
)

// Every bad input to wire and unwire is refused with exit code 2 and one "error: ..."
// line that names the flag, argument or field, before any request: the
// factory has no cluster.
func TestBadInputs(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		// filters
		{[]string{"wire", "shop", "--to", "orders", "--trigger", "t", "--filter", "9x=y", "--sink", "ksvc:a"}, `attribute name "9x": must start with a lower-case letter`},
		// -n where the namespace comes from elsewhere is refused, not ignored.
		{[]string{"wire", "shop", "--to", "orders", "-n", "other"}, `--namespace: kubectl kymamesh wire does not take -n/--namespace: the user namespace is --to`},
		{[]string{"unwire", "shop", "--from", "orders", "-n", "other"}, `the user namespace is --from`},
		// names and required flags
		{[]string{"wire", "1shop", "--to", "orders"}, `APP: "1shop" cannot name an application`},
		{[]string{"wire", "shop"}, "--to: the user namespace is required"},
		{[]string{"wire", "shop", "--to", "Bad"}, `--to: "Bad" is not a valid namespace name`},
		{[]string{"wire", "shop", "--to", "orders", "--sink", "ksvc:a"}, "--trigger: --filter, --cesql and --sink describe a trigger"},
		{[]string{"wire", "shop", "--to", "orders", "--trigger", "t"}, "--sink: a sink is required"},
		{[]string{"unwire", "shop"}, "--from: the user namespace is required"},
	}
	if len(cases) < 9 {
		t.Fatalf("the table must hold at least 9 bad inputs, has %d", len(cases))
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) { cmdtest.ExpectUsageError(t, tc.want, tc.args...) })
	}
}
