package channel_test

import (
	"testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
)

func TestChannelCommands(t *testing.T) {
	f := cmdtest.NewFactory("kyma-integration")
	cmdtest.Expect(t, f, "channel create shop --type imc", 0, "channel.messaging.knative.dev/shop created\n", "")
	cmdtest.Expect(t, f, "channel list", 0, ""+
		"NAME   TYPE                                         URL   READY     REASON   AGE\n"+
		"shop   InMemoryChannel (messaging.knative.dev/v1)         Unknown            <unknown>\n", "")
	cmdtest.Expect(t, f, "channel delete shop --dry-run=server", 0, "channel.messaging.knative.dev/shop deleted (server dry run)\n", "")
}

func TestClientDryRunNeedsNoCluster(t *testing.T) {
	f := cmdtest.NewFactory("demo")
	f.NoCluster = true
	cmdtest.Expect(t, f, "channel create c --type imc --dry-run=client -o name", 0, "channel.messaging.knative.dev/c\n", "")
}

func TestListEmptySaysSoOnStderrOnly(t *testing.T) {
	f := cmdtest.NewFactory("demo")
	cmdtest.Expect(t, f, "channel list -A", 0, "", "No channels found.\n")
}

// kn users' spellings work as typed: a channel type as GROUP:VERSION:KIND.
func TestKnSpellingsAreAccepted(t *testing.T) {
	f := cmdtest.NewFactory("demo")
	f.NoCluster = true
	cmdtest.Expect(t, f, "channel create c --type messaging.knative.dev:v1:InMemoryChannel --dry-run=client -o jsonpath={.spec.channelTemplate.kind}", 0,
		"InMemoryChannel", "")
}
