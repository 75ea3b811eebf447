package subscription_test

import (
	"strings"
	"testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
)

// Every bad input to subscription is refused with exit code 2 and one "error: ..."
// line that names the flag, argument or field, before any request: the
// factory has no cluster.
func TestBadInputs(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		// sinks
		{[]string{"subscription", "create", "s", "--channel", "c", "--sink", "ksvc:a", "--reply", "nope:x"}, `--reply: "nope:x": unknown sink type "nope"`},
		{[]string{"subscription", "create", "s", "--channel", "c", "--sink", "ksvc:a", "--reply", "ksvc:r:x:y"}, `--reply: "ksvc:r:x:y": too many parts`},
		{[]string{"subscription", "create", "s", "--channel", "c", "--sink", "ksvc:a", "--sink-dead-letter", "ksvc:UPPER"}, `--dl-sink: "ksvc:UPPER": "UPPER" is not a valid name`},
		// names, arguments, flags
		{[]string{"subscription", "update", "s"}, "nothing to update: give --sink, --reply or a delivery flag"},
		// channels and subscriptions
		{[]string{"subscription", "create", "s", "--sink", "ksvc:a"}, "--channel: a channel is required"},
		{[]string{"subscription", "create", "s", "--channel", "weird:c", "--sink", "ksvc:a"}, `--channel: "weird:c": want NAME, channel:NAME, imc:NAME or GROUP/VERSION/KIND:NAME`},
		{[]string{"subscription", "create", "s", "--channel", "imc:", "--sink", "ksvc:a"}, "--channel: a name is required"},
		{[]string{"subscription", "create", "s", "--channel", "c"}, "--sink: a sink is required"},
	}
	if len(cases) < 8 {
		t.Fatalf("the table must hold at least 8 bad inputs, has %d", len(cases))
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) { cmdtest.ExpectUsageError(t, tc.want, tc.args...) })
	}
}
