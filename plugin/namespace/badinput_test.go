package namespace_test

import (
	"strings"
	"testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
)

// Every bad input to enable ns and disable ns is refused with exit code 2 and one "error: ..."
// line that names the flag, argument or field, before any request: the
// factory has no cluster.
func TestBadInputs(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"enable", "ns"}, "NAME is required"},
		{[]string{"enable", "ns", "Not.A.Label"}, `NAME: "Not.A.Label" is not a valid namespace name`},
		{[]string{"enable", "ns", "demo", "--channel", "nats"}, `--channel: "nats": want imc, kafka, GROUP/VERSION/KIND or GROUP:VERSION:KIND`},
		{[]string{"enable", "ns", "demo", "--broker", "Bad"}, `--broker: "Bad" is not a valid name`},
		{[]string{"disable", "ns", "UPPER"}, `NAME: "UPPER" is not a valid namespace name`},
		// -n where the namespace comes from elsewhere is refused, not ignored.
		{[]string{"enable", "ns", "shop", "-n", "other"}, `the namespace is the NAME argument`},
		{[]string{"enable", "ns", "demo", "--broker", ""}, "--broker: a name is required"},
	}
	if len(cases) < 7 {
		t.Fatalf("the table must hold at least 7 bad inputs, has %d", len(cases))
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) { cmdtest.ExpectUsageError(t, tc.want, tc.args...) })
	}
}
