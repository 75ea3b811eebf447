package send_test

import (
	"strings"
	"testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
)

// Every bad input to send is refused with exit code 2 and one "error: ..."
// line that names the flag, argument or field, before any request: the
// factory has no cluster.
func TestBadInputs(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"send", "--to", "http://127.0.0.1:1/", "--type", "t", "--rate", "NaN"}, `--rate: NaN: must be a finite number`},
		{[]string{"send", "--to", "http://127.0.0.1:1/", "--type", "t", "--rate", "+Inf"}, `--rate: +Inf: must be a finite number`},
		{[]string{"send", "--to", "http://127.0.0.1:1/", "--type", "t", "--results", "/nonexistent/dir/r.jsonl", "--dry-run=client"}, `--results: /nonexistent/dir/r.jsonl: its directory /nonexistent/dir does not exist`},
		{[]string{"send", "--to", "http://127.0.0.1:1/", "--type", "t", "--results", "/tmp"}, `--results: /tmp is a directory`},
		{[]string{"send", "--to", "ksvc:a:b:c", "--type", "t", "--dry-run=client"}, `--to: "ksvc:a:b:c": too many parts`},
		{[]string{"send", "--to", "broker:Bad", "--type", "t"}, `--to: "broker:Bad": "Bad" is not a valid name`},
		{[]string{"send", "--to", "pigeon:x", "--type", "t"}, `--to: "pigeon:x": want app:APP, broker:NAME[:NS]`},
		{[]string{"send", "--to", "app:Shop", "--type", "t"}, `--to: "Shop" is not a valid name`},
		{[]string{"send", "--to", "app:shop", "--type", "t", "--source", "not a uri %%"}, `--source: "not a uri %%" is not a URI reference`},
		{[]string{"send", "--to", "app:shop", "--type", "t", "--dataschema", "/relative"}, `--dataschema: "/relative" is not an absolute URI`},
		{[]string{"send", "--to", "app:shop", "--type", "t", "--content-type", "application/cloudevents+json"}, `--content-type: "application/cloudevents+json" is an event format`},
		{[]string{"send", "--type", "t"}, "--to: a target is required"},
		{[]string{"send", "--to", "app:shop"}, "--type: an event type is required"},
		{[]string{"send", "--to", "app:shop", "--type", "t", "--mode", "batch"}, `--mode: "batch": want binary or structured`},
		{[]string{"send", "--to", "app:shop", "--type", "t", "--ext", "Region=eu"}, `--ext: extension name "Region"`},
		{[]string{"send", "--to", "app:shop", "--type", "t", "--ext", "id=x"}, `--ext: "id" is a context attribute`},
		{[]string{"send", "--to", "app:shop", "--type", "t", "--data", "{oops"}, "--data: not valid JSON"},
		{[]string{"send", "--to", "app:shop", "--type", "t", "--data", "@/no/such/file"}, "--data: /no/such/file: no such file or directory"},
		{[]string{"send", "--to", "app:shop", "--type", "t", "--time", "yesterday"}, `--time: "yesterday" is not an RFC 3339 time`},
		{[]string{"send", "--to", "app:shop", "--type", "t", "--via", "carrier-pigeon"}, `--via: "carrier-pigeon": want port-forward or direct`},
		{[]string{"send", "--to", "app:shop", "--type", "t", "--count", "0"}, "--count: 0: must be at least 1"},
		{[]string{"send", "--to", "app:shop", "--type", "t", "--concurrency", "0"}, "--concurrency: 0: must be 1 to 1000"},
		{[]string{"send", "--to", "app:shop", "--type", "t", "--rate", "-5"}, "--rate: -5: must not be negative"},
		{[]string{"send", "--to", "app:shop", "--type", "t", "-o", "wide"}, `--output: "wide": want json or yaml`},
		{[]string{"send", "--to", "app:shop", "--type", "t", "--dry-run=server"}, `--dry-run: "server": want "client"`},
		{[]string{"send", "--to", "http://", "--type", "t"}, `--to: "http://" is not a valid URL`},
	}
	if len(cases) < 26 {
		t.Fatalf("the table must hold at least 26 bad inputs, has %d", len(cases))
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) { cmdtest.ExpectUsageError(t, tc.want, tc.args...) })
	}
}
