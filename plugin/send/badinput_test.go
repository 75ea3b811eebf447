package send_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
)

// Every bad input to send is refused with exit code 2 and one "error: ..."
// line that names the flag, argument or field, before any request: the
// factory has no cluster.
func TestBadInputs(t *testing.T) {
	cmdtest.ExpectUsageErrors(t, 35, []cmdtest.BadInput{
		{Args: []string{"send", "--to", "app:shop", "--type", "t", "--retries", "-1"}, Want: "--retries: -1: must be 0 to 100"},
		{Args: []string{"send", "--to", "app:shop", "--type", "t", "--retries", "101"}, Want: "--retries: 101: must be 0 to 100"},
		{Args: []string{"send", "--to", "http://127.0.0.1:1/", "--type", "t", "--rate", "NaN"}, Want: `--rate: NaN: must be a finite number`},
		{Args: []string{"send", "--to", "http://127.0.0.1:1/", "--type", "t", "--rate", "+Inf"}, Want: `--rate: +Inf: must be a finite number`},
		{Args: []string{"send", "--to", "http://127.0.0.1:1/", "--type", "t", "--results", "/nonexistent/dir/r.jsonl", "--dry-run=client"}, Want: `--results: /nonexistent/dir/r.jsonl: its directory /nonexistent/dir does not exist`},
		{Args: []string{"send", "--to", "http://127.0.0.1:1/", "--type", "t", "--results", "/tmp"}, Want: `--results: /tmp is a directory`},
		{Args: []string{"send", "--to", "ksvc:a:b:c", "--type", "t", "--dry-run=client"}, Want: `--to: "ksvc:a:b:c": too many parts`},
		{Args: []string{"send", "--to", "broker:Bad", "--type", "t"}, Want: `--to: "broker:Bad": "Bad" is not a valid name`},
		{Args: []string{"send", "--to", "pigeon:x", "--type", "t"}, Want: `--to: "pigeon:x": want app:APP, broker:NAME[:NS]`},
		{Args: []string{"send", "--to", "app:Shop", "--type", "t"}, Want: `--to: "Shop" is not a valid name`},
		{Args: []string{"send", "--to", "app:shop", "--type", "t", "--source", "not a uri %%"}, Want: `--source: "not a uri %%" is not a URI reference`},
		{Args: []string{"send", "--to", "app:shop", "--type", "t", "--dataschema", "/relative"}, Want: `--dataschema: "/relative" is not an absolute URI`},
		{Args: []string{"send", "--to", "app:shop", "--type", "t", "--content-type", "application/cloudevents+json"}, Want: `--content-type: "application/cloudevents+json" is an event format`},
		{Args: []string{"send", "--type", "t"}, Want: "--to: a target is required"},
		{Args: []string{"send", "--to", "app:shop"}, Want: "--type: an event type is required"},
		{Args: []string{"send", "--to", "app:shop", "--type", "t", "--mode", "batch"}, Want: `--mode: "batch": want binary or structured`},
		{Args: []string{"send", "--to", "app:shop", "--type", "t", "--ext", "Region=eu"}, Want: `--ext: extension name "Region"`},
		{Args: []string{"send", "--to", "app:shop", "--type", "t", "--ext", "id=x"}, Want: `--ext: "id" is a context attribute`},
		{Args: []string{"send", "--to", "app:shop", "--type", "t", "--data", "{oops"}, Want: "--data: not valid JSON"},
		{Args: []string{"send", "--to", "app:shop", "--type", "t", "--data", "@/no/such/file"}, Want: "--data: /no/such/file: no such file or directory"},
		{Args: []string{"send", "--to", "app:shop", "--type", "t", "--time", "yesterday"}, Want: `--time: "yesterday" is not an RFC 3339 time`},
		{Args: []string{"send", "--to", "app:shop", "--type", "t", "--via", "carrier-pigeon"}, Want: `--via: "carrier-pigeon": want port-forward or direct`},
		{Args: []string{"send", "--to", "app:shop", "--type", "t", "--count", "0"}, Want: "--count: 0: must be at least 1"},
		{Args: []string{"send", "--to", "app:shop", "--type", "t", "--concurrency", "0"}, Want: "--concurrency: 0: must be 1 to 1000"},
		{Args: []string{"send", "--to", "app:shop", "--type", "t", "--rate", "-5"}, Want: "--rate: -5: must not be negative"},
		{Args: []string{"send", "--to", "app:shop", "--type", "t", "-o", "wide"}, Want: `--output: "wide": want json or yaml`},
		{Args: []string{"send", "--to", "app:shop", "--type", "t", "--dry-run=server"}, Want: `--dry-run: "server": want "client"`},
		{Args: []string{"send", "--to", "http://", "--type", "t"}, Want: `--to: "http://" is not a valid URL`},
		{Args: []string{"send", "--to", "broker:default", "--type", "t", "--service-account", "ns/sa", "--token", "x"}, Want: "--service-account: cannot be combined with --token or --token-file"},
		{Args: []string{"send", "--to", "app:shop", "--type", "t", "--service-account", "ns/sa"}, Want: "--service-account: an application's adapter takes the application's own token"},
		{Args: []string{"send", "--to", "http://127.0.0.1:1/", "--type", "t", "--service-account", "ns/sa"}, Want: "--service-account: a URL target has no status to read the OIDC audience from: give --audience"},
		{Args: []string{"send", "--to", "http://127.0.0.1:1/", "--type", "t", "--audience", "a"}, Want: "--audience: is the audience of --service-account's token: give --service-account too"},
		{Args: []string{"send", "--to", "broker:default", "--type", "t", "--service-account", "ns/sa", "--audience", "a"}, Want: "--audience: is for a URL target: the audience of broker:default is read from its status"},
		{Args: []string{"send", "--to", "broker:default", "--type", "t", "--service-account", "ns/sa/x"}, Want: `--service-account: "ns/sa/x": want NAMESPACE/NAME`},
		{Args: []string{"send", "--to", "broker:default", "--type", "t", "--service-account", "ns/Bad_SA"}, Want: `--service-account: "Bad_SA" is not a valid name`},
	})
}

// A kubeconfig that cannot be read is reported only after the flags were
// checked (a flag error is the user's first mistake, exit 2), and only when
// the send needs the cluster: a URL target does not.
func TestBrokenKubeconfigComesAfterTheFlags(t *testing.T) {
	f := cmdtest.NewFactory("")
	f.NoCluster = true
	f.NSErr = errors.New(`error loading config file "/tmp/bad": yaml: line 1: did not find expected node content`)
	cmdtest.Expect(t, f, "send --to broker:default --type t --service-account a/b/c", 2, "", `error: --service-account: "a/b/c": want NAMESPACE/NAME`+"\n")
	cmdtest.Expect(t, f, "send --to broker:default --type t --count 0", 2, "", "error: --count: 0: must be at least 1\n")
	cmdtest.Expect(t, f, "send --to broker:default --type t", 1, "", "error: "+f.NSErr.Error()+"\n")
	r := cmdtest.Run(t.Context(), f, "", "send", "--to", "http://127.0.0.1:1/", "--type", "t", "--timeout", "2s")
	if r.Code != 1 || !strings.Contains(r.Stderr, "connection refused") {
		t.Fatalf("a URL target needs no kubeconfig: want the target's refusal, got exit %d, stderr %q", r.Code, r.Stderr)
	}
}
