package channel_test

import (
	"strings"
	"testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
)

// Every bad input to channel is refused with exit code 2 and one "error: ..."
// line that names the flag, argument or field, before any request: the
// factory has no cluster.
func TestBadInputs(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"channel", "create", "c", "--type", "messaging.knative.dev:v1"}, `--type: "messaging.knative.dev:v1": want imc, kafka`},
		{[]string{"channel", "create", "c", "--type", "foo"}, `--type: "foo": want imc, kafka, GROUP/VERSION/KIND or GROUP:VERSION:KIND`},
		{[]string{"channel", "create", "c", "--type", "/v1/X"}, `--type: "/v1/X": want imc, kafka, GROUP/VERSION/KIND or GROUP:VERSION:KIND`},
		{[]string{"channel", "create", "c", "--type", "Foo_Bar/v1/Channel"}, `--type: "Foo_Bar/v1/Channel": the group must be a DNS subdomain`},
		{[]string{"channel", "create", "c", "--type", "messaging.example.com/v1/lowerKind"}, `the kind a word starting with a capital letter`},
	}
	if len(cases) < 5 {
		t.Fatalf("the table must hold at least 5 bad inputs, has %d", len(cases))
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) { cmdtest.ExpectUsageError(t, tc.want, tc.args...) })
	}
}
