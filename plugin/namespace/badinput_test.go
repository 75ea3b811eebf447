package namespace_test

import (
	"testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
)

// Every bad input to enable ns and disable ns is refused with exit code 2 and one "error: ..."
// line that names the flag, argument or field, before any request: the
// factory has no cluster.
func TestBadInputs(t *testing.T) {
	cmdtest.ExpectUsageErrors(t, 7, []cmdtest.BadInput{
		{Args: []string{"enable", "ns"}, Want: "NAME is required"},
		{Args: []string{"enable", "ns", "Not.A.Label"}, Want: `NAME: "Not.A.Label" is not a valid namespace name`},
		{Args: []string{"enable", "ns", "demo", "--channel", "nats"}, Want: `--channel: "nats": want imc, kafka, GROUP/VERSION/KIND or GROUP:VERSION:KIND`},
		{Args: []string{"enable", "ns", "demo", "--broker", "Bad"}, Want: `--broker: "Bad" is not a valid name`},
		{Args: []string{"disable", "ns", "UPPER"}, Want: `NAME: "UPPER" is not a valid namespace name`},
		// -n where the namespace comes from elsewhere is refused, not ignored.
		{Args: []string{"enable", "ns", "shop", "-n", "other"}, Want: `the namespace is the NAME argument`},
		{Args: []string{"enable", "ns", "demo", "--broker", ""}, Want: "--broker: a name is required"},
	})
}
