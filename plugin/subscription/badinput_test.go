package subscription_test

import (
	"testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
)

// Every bad input to subscription is refused with exit code 2 and one "error: ..."
// line that names the flag, argument or field, before any request: the
// factory has no cluster.
func TestBadInputs(t *testing.T) {
	cmdtest.ExpectUsageErrors(t, 8, []cmdtest.BadInput{
		// sinks
		{Args: []string{"subscription", "create", "s", "--channel", "c", "--sink", "ksvc:a", "--reply", "nope:x"}, Want: `--reply: "nope:x": unknown sink type "nope"`},
		{Args: []string{"subscription", "create", "s", "--channel", "c", "--sink", "ksvc:a", "--reply", "ksvc:r:x:y"}, Want: `--reply: "ksvc:r:x:y": too many parts`},
		{Args: []string{"subscription", "create", "s", "--channel", "c", "--sink", "ksvc:a", "--sink-dead-letter", "ksvc:UPPER"}, Want: `--dl-sink: "ksvc:UPPER": "UPPER" is not a valid name`},
		// names, arguments, flags
		{Args: []string{"subscription", "update", "s"}, Want: "nothing to update: give --sink, --reply or a delivery flag"},
		// channels and subscriptions
		{Args: []string{"subscription", "create", "s", "--sink", "ksvc:a"}, Want: "--channel: a channel is required"},
		{Args: []string{"subscription", "create", "s", "--channel", "weird:c", "--sink", "ksvc:a"}, Want: `--channel: "weird:c": want NAME, channel:NAME, imc:NAME or GROUP/VERSION/KIND:NAME`},
		{Args: []string{"subscription", "create", "s", "--channel", "imc:", "--sink", "ksvc:a"}, Want: "--channel: a name is required"},
		{Args: []string{"subscription", "create", "s", "--channel", "c"}, Want: "--sink: a sink is required"},
	})
}
