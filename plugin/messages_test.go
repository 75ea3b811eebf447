package plugin_test

import (
	"testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
)

// Tests that a message names the real cause and the fix (issue 21,
// "messages that mislead").

// A mistyped command, at any depth, gets cobra's "did you mean", on the one
// error line; a word close to nothing gets none.
func TestMistypedCommandSuggests(t *testing.T) {
	f := cmdtest.NewFactory("demo")
	f.NoCluster = true
	for args, msg := range map[string]string{
		"tirgger":                `unknown command "tirgger" for "kubectl kymamesh"; did you mean "trigger"? (see 'kubectl kymamesh -h')`,
		"trigger craete t":       `unknown command "craete" for "kubectl kymamesh trigger"; did you mean "create"? (see 'kubectl kymamesh trigger -h')`,
		"source create htp app":  `unknown command "htp" for "kubectl kymamesh source create"; did you mean "http"? (see 'kubectl kymamesh source create -h')`,
		"enable nss shop":        `unknown command "nss" for "kubectl kymamesh enable"; did you mean "ns"? (see 'kubectl kymamesh enable -h')`,
		"nope":                   `unknown command "nope" for "kubectl kymamesh" (see 'kubectl kymamesh -h')`,
		"subscription delet s":   `unknown command "delet" for "kubectl kymamesh subscription"; did you mean "delete"? (see 'kubectl kymamesh subscription -h')`,
		"policy alow app --to x": `unknown command "alow" for "kubectl kymamesh policy"; did you mean "allow"? (see 'kubectl kymamesh policy -h')`,
	} {
		expect(t, f, args, 2, "", "error: "+msg+"\n")
	}
	// A group's own bad flag stays a flag error.
	expect(t, f, "policy --bogus", 2, "", "error: unknown flag: --bogus (see 'kubectl kymamesh policy -h')\n")
}

// A URL sink without its colon (http//host) or with one slash is not taken
// for a Knative Service name: the message shows the URL meant.
func TestURLSinkTypoSuggests(t *testing.T) {
	f := cmdtest.NewFactory("demo")
	f.NoCluster = true
	expect(t, f, "trigger create t --sink http//order-handler.shop/in --dry-run=client", 2, "",
		`error: --sink: "http//order-handler.shop/in": did you mean "http://order-handler.shop/in"?`+"\n")
	expect(t, f, "subscription create s --channel c --sink https:/h.example --dry-run=client", 2, "",
		`error: --sink: "https:/h.example": did you mean "https://h.example"?`+"\n")
	expect(t, f, "send --to http//h:8080 --type t --dry-run=client", 2, "",
		`error: --to: "http//h:8080": did you mean "http://h:8080"?`+"\n")
}
