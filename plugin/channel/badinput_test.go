package channel_test

import (
	"testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
)

// Every bad input to channel is refused with exit code 2 and one "error: ..."
// line that names the flag, argument or field, before any request: the
// factory has no cluster.
func TestBadInputs(t *testing.T) {
	cmdtest.ExpectUsageErrors(t, 5, []cmdtest.BadInput{
		{Args: []string{"channel", "create", "c", "--type", "messaging.knative.dev:v1"}, Want: `--type: "messaging.knative.dev:v1": want imc, kafka`},
		{Args: []string{"channel", "create", "c", "--type", "foo"}, Want: `--type: "foo": want imc, kafka, GROUP/VERSION/KIND or GROUP:VERSION:KIND`},
		{Args: []string{"channel", "create", "c", "--type", "/v1/X"}, Want: `--type: "/v1/X": want imc, kafka, GROUP/VERSION/KIND or GROUP:VERSION:KIND`},
		{Args: []string{"channel", "create", "c", "--type", "Foo_Bar/v1/Channel"}, Want: `--type: "Foo_Bar/v1/Channel": the group must be a DNS subdomain`},
		{Args: []string{"channel", "create", "c", "--type", "messaging.example.com/v1/lowerKind"}, Want: `the kind a word starting with a capital letter`},
	})
}
