package plugin_test

import (
	"strings"
	"testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
)

// Every bad input is refused with exit code 2 and one "error: ..." line that
// names the flag, argument or field, before any request: the factory has no cluster.
func TestBadInputs(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		// sinks
		{[]string{"trigger", "create", "t", "--sink", "foo:bar:baz:qux"}, `--sink: "foo:bar:baz:qux": unknown sink type "foo"`},
		{[]string{"trigger", "create", "t"}, "--sink: a sink is required"},
		{[]string{"trigger", "create", "t", "--sink", "broker:"}, `--sink: "broker:": the name and namespace must not be empty`},
		{[]string{"trigger", "create", "t", "--sink", "broker:b:"}, `--sink: "broker:b:": the name and namespace must not be empty`},
		{[]string{"trigger", "create", "t", "--sink", "http://"}, `--sink: "http://" is not a valid URL`},
		{[]string{"trigger", "create", "t", "--sink", "Service:notaversion!:x"}, `--sink: "Service:notaversion!:x"`},
		{[]string{"subscription", "create", "s", "--channel", "c", "--sink", "ksvc:a", "--reply", "nope:x"}, `--reply: "nope:x": unknown sink type "nope"`},
		{[]string{"trigger", "create", "t", "--sink", "ksvc:a", "--dl-sink", "bogus:x"}, `--dl-sink: "bogus:x": unknown sink type`},
		{[]string{"trigger", "create", "t", "--sink", "ksvc:a:b:c"}, `--sink: "ksvc:a:b:c": too many parts: want PREFIX:NAME[:NAMESPACE]`},
		{[]string{"trigger", "create", "t", "--sink", "ksvc:Bad_Name"}, `--sink: "ksvc:Bad_Name": "Bad_Name" is not a valid name`},
		{[]string{"trigger", "create", "t", "--sink", "broker:b:Bad_NS"}, `--sink: "broker:b:Bad_NS": "Bad_NS" is not a valid namespace name`},
		{[]string{"trigger", "create", "t", "--sink", "serving.knative.dev/v1/services:Bad"}, `--sink: "serving.knative.dev/v1/services:Bad": "Bad" is not a valid name`},
		{[]string{"trigger", "create", "t", "--sink", "Sequence:flows.knative.dev/v1:Bad!"}, `--sink: "Sequence:flows.knative.dev/v1:Bad!": "Bad!" is not a valid name`},
		{[]string{"subscription", "create", "s", "--channel", "c", "--sink", "ksvc:a", "--reply", "ksvc:r:x:y"}, `--reply: "ksvc:r:x:y": too many parts`},
		{[]string{"subscription", "create", "s", "--channel", "c", "--sink", "ksvc:a", "--sink-dead-letter", "ksvc:UPPER"}, `--dl-sink: "ksvc:UPPER": "UPPER" is not a valid name`},
		// filters
		{[]string{"trigger", "create", "t", "--sink", "ksvc:a", "--filter", "type=a,source=b"}, `--filter: "type=a,source=b": one KEY=VALUE per flag: write --filter type=a --filter source=b`},
		{[]string{"trigger", "create", "t", "--sink", "ksvc:a", "--filter-prefix", "type=a.,subject=b"}, `--filter-prefix: "type=a.,subject=b": one KEY=VALUE per flag`},
		{[]string{"trigger", "create", "t", "--sink", "ksvc:a", "--filter", "type"}, `--filter: "type": want KEY=VALUE`},
		{[]string{"trigger", "create", "t", "--sink", "ksvc:a", "--filter", "Type=x"}, `--filter: attribute name "Type": only lower-case letters and digits`},
		{[]string{"trigger", "create", "t", "--sink", "ksvc:a", "--filter", "1type=x"}, `--filter: attribute name "1type": must start with a lower-case letter`},
		{[]string{"wire", "shop", "--to", "orders", "--trigger", "t", "--filter", "9x=y", "--sink", "ksvc:a"}, `attribute name "9x": must start with a lower-case letter`},
		{[]string{"trigger", "create", "t", "--sink", "ksvc:a", "--filter", "=x"}, "--filter: empty attribute name"},
		{[]string{"trigger", "create", "t", "--sink", "ksvc:a", "--filter", "type=a", "--filter", "type=b"}, `--filter: attribute "type" given twice`},
		{[]string{"trigger", "create", "t", "--sink", "ksvc:a", "--filter", "type-"}, `--filter: "type-": want KEY=VALUE`},
		{[]string{"trigger", "create", "t", "--sink", "ksvc:a", "--filter-prefix", "type"}, `--filter-prefix: "type": want KEY=VALUE`},
		{[]string{"trigger", "create", "t", "--sink", "ksvc:a", "--filter-suffix", "my-attr=x"}, `--filter-suffix: attribute name "my-attr"`},
		{[]string{"trigger", "create", "t", "--sink", "ksvc:a", "--cesql", "type = = 'x'"}, `--cesql: "type = = 'x'": position 8:`},
		{[]string{"trigger", "create", "t", "--sink", "ksvc:a", "--cesql", "type LIKE"}, `--cesql: "type LIKE": position 10:`},
		{[]string{"trigger", "create", "t", "--sink", "ksvc:a", "--cesql", "NOSUCHFN(type)"}, `--cesql: "NOSUCHFN(type)": position 1: unknown function NOSUCHFN with 1 argument(s)`},
		{[]string{"trigger", "create", "t", "--sink", "ksvc:a", "--cesql", "type = LOWER(source, subject)"}, `position 8: unknown function LOWER with 2 argument(s)`},
		{[]string{"trigger", "create", "t", "--sink", "ksvc:a", "--cesql", "(type = 'a'"}, `--cesql: "(type = 'a'": position 12:`},
		{[]string{"trigger", "create", "t", "--sink", "ksvc:a", "--filters-file", "-"}, "--filters-file: \"-\" is empty"},
		{[]string{"trigger", "create", "t", "--sink", "ksvc:a", "--filters-file", "/no/such/file"}, "--filters-file: /no/such/file: no such file or directory"},
		{[]string{"trigger", "create", "t", "--sink", "ksvc:a", "--filters-file", "-", "--stdin=- regex: {type: x}"}, `--filters-file: unknown filter dialect "regex"`},
		{[]string{"trigger", "create", "t", "--sink", "ksvc:a", "--filters-file", "-", "--stdin=- exact: {type: a}\n  prefix: {type: b}"}, "--filters-file: filters[0]: each filter needs exactly one dialect"},
		{[]string{"trigger", "create", "t", "--sink", "ksvc:a", "--filters-file", "-", "--stdin=- cesql: \"type ==\""}, `--filters-file: filters[0].cesql: "type ==": position`},
		{[]string{"trigger", "create", "t", "--sink", "ksvc:a", "--filters-file", "-", "--stdin=- not: {}"}, "--filters-file: filters[0].not: each filter needs exactly one dialect"},
		{[]string{"trigger", "create", "t", "--sink", "ksvc:a", "--filters-file", "-", "--stdin={type: a}"}, "--filters-file: "},
		{[]string{"trigger", "create", "t", "--sink", "ksvc:a", "--filters-file", "-", "--filter", "type=a", "--stdin=- exact: {type: a}"}, "--filters-file: cannot be combined with --filter"},
		{[]string{"trigger", "create", "t", "--sink", "ksvc:a", "--filters-file", "-", "--cesql", "type = 'a'", "--stdin=- exact: {type: a}"}, "--filters-file: cannot be combined with --filter-prefix, --filter-suffix or --cesql"},
		// durations and delivery
		{[]string{"trigger", "create", "t", "--sink", "ksvc:a", "--backoff-delay", "5x"}, `--backoff-delay: "5x" is neither an ISO-8601 duration`},
		{[]string{"trigger", "create", "t", "--sink", "ksvc:a", "--delivery-timeout", "-1s"}, `--delivery-timeout: "-1s" must not be negative`},
		{[]string{"broker", "create", "b", "--retry-after-max", "P"}, `--retry-after-max: "P" is neither`},
		{[]string{"broker", "create", "b", "--delivery-timeout", "PT0S"}, `--delivery-timeout: "PT0S" must be positive: Knative refuses a zero delivery-timeout`},
		{[]string{"broker", "create", "b", "--delivery-timeout", "0s"}, `--delivery-timeout: "0s" must be positive`},
		{[]string{"channel", "create", "c", "--type", "messaging.knative.dev:v1"}, `--type: "messaging.knative.dev:v1": want imc, kafka`},
		{[]string{"broker", "create", "b", "--backoff-policy", "random"}, `--backoff-policy: "random": want linear or exponential`},
		{[]string{"broker", "create", "b", "--retry", "-1"}, "--retry: -1 must not be negative"},
		{[]string{"broker", "create", "b", "--retry", "many"}, `invalid argument "many" for "--retry" flag`},
		{[]string{"broker", "create", "b", "--wait", "--wait-timeout", "soon"}, `invalid argument "soon" for "--wait-timeout" flag`},
		{[]string{"broker", "create", "b", "--wait", "--wait-timeout", "0s"}, "--wait-timeout: must be positive"},
		{[]string{"broker", "create", "b", "--wait", "--dry-run=server"}, "--wait cannot be combined with --dry-run"},
		// names, arguments, flags
		{[]string{"trigger", "create", "--sink", "ksvc:a"}, "NAME is required (see 'kubectl kymamesh trigger create -h')"},
		{[]string{"broker", "create", "a", "b"}, `unexpected argument "b"`},
		{[]string{"broker", "create", "Bad_Name"}, `NAME: "Bad_Name" is not a valid name`},
		{[]string{"trigger", "create", "t", "--sink", "ksvc:a", "--broker", "UPPER"}, `--broker: "UPPER" is not a valid name`},
		{[]string{"broker", "describe"}, "NAME is required"},
		{[]string{"broker", "delete"}, "NAME is required"},
		{[]string{"broker", "delete", "-bad-"}, `unknown shorthand flag: 'b' in -bad-`},
		{[]string{"broker", "list", "extra"}, `unexpected argument "extra"`},
		{[]string{"trigger", "create", "t", "--sink", "ksvc:a", "--bogus"}, "unknown flag: --bogus"},
		{[]string{"trigger", "creat"}, `unknown command "creat" for "kubectl kymamesh trigger"`},
		{[]string{"nope"}, `unknown command "nope" for "kubectl kymamesh"`},
		{[]string{"source", "create", "ftp", "x"}, `unknown command "ftp" for "kubectl kymamesh source create"`},
		{[]string{"broker", "create", "b", "--dry-run=maybe"}, `--dry-run: "maybe": must be "none", "server", or "client"`},
		{[]string{"broker", "create", "b", "-o", "table"}, "--output: unable to match a printer suitable for the output format \"table\""},
		{[]string{"broker", "create", "b", "-o", "wide"}, `--output: "wide" is only for list commands`},
		{[]string{"broker", "create", "b", "--config", "ConfigMap"}, `--config: "ConfigMap": want KIND:NAME[:NAMESPACE]`},
		{[]string{"broker", "create", "b", "--config", "Pod:x"}, `--config: "Pod:x": unsupported kind "Pod"`},
		{[]string{"broker", "update", "b"}, "nothing to update: give at least one delivery flag"},
		{[]string{"trigger", "update", "t"}, "nothing to update: give --sink, a filter flag or a delivery flag"},
		{[]string{"trigger", "update", "t", "--filter", "type-", "--filters-file", "-", "--stdin=- exact: {type: a}"}, "--filters-file: cannot be combined with --filter"},
		{[]string{"subscription", "update", "s"}, "nothing to update: give --sink, --reply or a delivery flag"},
		// channels and subscriptions
		{[]string{"channel", "create", "c", "--type", "foo"}, `--type: "foo": want imc, kafka, GROUP/VERSION/KIND or GROUP:VERSION:KIND`},
		{[]string{"channel", "create", "c", "--type", "/v1/X"}, `--type: "/v1/X": want imc, kafka, GROUP/VERSION/KIND or GROUP:VERSION:KIND`},
		{[]string{"subscription", "create", "s", "--sink", "ksvc:a"}, "--channel: a channel is required"},
		{[]string{"subscription", "create", "s", "--channel", "weird:c", "--sink", "ksvc:a"}, `--channel: "weird:c": want NAME, channel:NAME, imc:NAME or GROUP/VERSION/KIND:NAME`},
		{[]string{"subscription", "create", "s", "--channel", "imc:", "--sink", "ksvc:a"}, "--channel: a name is required"},
		{[]string{"subscription", "create", "s", "--channel", "c"}, "--sink: a sink is required"},
		// namespaces
		{[]string{"enable", "ns"}, "NAME is required"},
		{[]string{"enable", "ns", "Not.A.Label"}, `NAME: "Not.A.Label" is not a valid namespace name`},
		{[]string{"enable", "ns", "demo", "--channel", "nats"}, `--channel: "nats": want imc, kafka, GROUP/VERSION/KIND or GROUP:VERSION:KIND`},
		{[]string{"enable", "ns", "demo", "--broker", "Bad"}, `--broker: "Bad" is not a valid name`},
		{[]string{"disable", "ns", "UPPER"}, `NAME: "UPPER" is not a valid namespace name`},
		{[]string{"version", "-o", "wide"}, `--output: "wide": want json or yaml`},
		// sources and wiring
		{[]string{"source", "create", "http", "Bad_App"}, `APP: "Bad_App" is not a valid name`},
		{[]string{"source", "create", "http", "shop", "--port", "0"}, "--port: 0 is not a port number"},
		{[]string{"source", "create", "http", "shop", "--image", "bad image"}, `--image: "bad image" is not an image reference`},
		{[]string{"source", "create", "http", "shop", "--channel", "nats"}, `--channel: "nats": want imc, kafka, GROUP/VERSION/KIND or GROUP:VERSION:KIND`},
		{[]string{"source", "create", "http", "shop", "--integration-namespace", "Not_NS"}, `--integration-namespace: "Not_NS" is not a valid namespace name`},
		{[]string{"source", "create", "http", strings.Repeat("a", 60)}, `would be refused (must be no more than 63 characters); use a name that starts with a letter, of at most 52 characters`},
		// Names the API server would refuse for a Service made from the
		// application's name: refused before anything is created.
		{[]string{"send", "--to", "http://127.0.0.1:1/", "--type", "t", "--rate", "NaN"}, `--rate: NaN: must be a finite number`},
		{[]string{"send", "--to", "http://127.0.0.1:1/", "--type", "t", "--rate", "+Inf"}, `--rate: +Inf: must be a finite number`},
		{[]string{"trigger", "list", "--request-timeout", "abc"}, `--request-timeout: "abc": want a whole number of seconds or a duration`},
		{[]string{"trigger", "list", "--request-timeout", "-5s"}, `--request-timeout: "-5s"`},
		// -n where the namespace comes from elsewhere is refused, not ignored.
		{[]string{"wire", "shop", "--to", "orders", "-n", "other"}, `--namespace: kubectl kymamesh wire does not take -n/--namespace: the user namespace is --to`},
		{[]string{"unwire", "shop", "--from", "orders", "-n", "other"}, `the user namespace is --from`},
		{[]string{"source", "delete", "shop", "-n", "other"}, `the applications' namespace is --integration-namespace`},
		{[]string{"enable", "ns", "shop", "-n", "other"}, `the namespace is the NAME argument`},
		{[]string{"policy", "allow", "shop", "--to", "orders", "-n", "other"}, `the namespace is --to`},
		{[]string{"source", "create", "http", "shop", "--image", "Example.com/UPPER:tag"}, `--image: "Example.com/UPPER:tag" is not an image reference`},
		{[]string{"broker", "create", "b", "--config", "ConfigMap:Bad_Name"}, `--config: "Bad_Name" is not a valid name`},
		{[]string{"broker", "create", "b", "--config", "ConfigMap:cfg:Bad_NS"}, `--config: "Bad_NS" is not a valid namespace name`},
		{[]string{"channel", "create", "c", "--type", "Foo_Bar/v1/Channel"}, `--type: "Foo_Bar/v1/Channel": the group must be a DNS subdomain`},
		{[]string{"channel", "create", "c", "--type", "messaging.example.com/v1/lowerKind"}, `the kind a word starting with a capital letter`},
		{[]string{"broker", "create", "b", "--delivery-timeout", "50ms"}, `--delivery-timeout: "50ms": Knative keeps tenths of a second`},
		{[]string{"send", "--to", "http://127.0.0.1:1/", "--type", "t", "--results", "/nonexistent/dir/r.jsonl", "--dry-run=client"}, `--results: /nonexistent/dir/r.jsonl: its directory /nonexistent/dir does not exist`},
		{[]string{"send", "--to", "http://127.0.0.1:1/", "--type", "t", "--results", "/tmp"}, `--results: /tmp is a directory`},
		{[]string{"source", "create", "http", "1shop"}, `APP: "1shop" cannot name an application: its Service "1shop-adapter" would be refused`},
		{[]string{"wire", "1shop", "--to", "orders"}, `APP: "1shop" cannot name an application`},
		{[]string{"source", "create", "http", strings.Repeat("a", 53)}, `its Service "` + strings.Repeat("a", 53) + `-kn-channel" would be refused`},
		{[]string{"wire", "shop"}, "--to: the user namespace is required"},
		{[]string{"wire", "shop", "--to", "Bad"}, `--to: "Bad" is not a valid namespace name`},
		{[]string{"wire", "shop", "--to", "orders", "--sink", "ksvc:a"}, "--trigger: --filter, --cesql and --sink describe a trigger"},
		{[]string{"wire", "shop", "--to", "orders", "--trigger", "t"}, "--sink: a sink is required"},
		{[]string{"unwire", "shop"}, "--from: the user namespace is required"},
		{[]string{"enable", "ns", "demo", "--broker", ""}, "--broker: a name is required"},
		{[]string{"trigger", "list", "-o", "bogus"}, `--output: unable to match a printer suitable for the output format "bogus"`},
		{[]string{"broker", "describe", "b", "-o", "bogus"}, `--output: unable to match a printer suitable for the output format "bogus"`},
		{[]string{"completion", "tcsh"}, `SHELL: "tcsh": want bash, zsh, fish or powershell`},
		// send
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
	if len(cases) < 40 {
		t.Fatalf("the table must hold at least 40 bad inputs, has %d", len(cases))
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			args, stdin := splitStdin(tc.args)
			f := cmdtest.NewFactory("demo")
			f.NoCluster = true
			r := cmdtest.RunWithConnectionFlags(t.Context(), f, stdin, args...)
			if r.Code != 2 {
				t.Fatalf("want exit 2, got %d (stdout %q, stderr %q)", r.Code, r.Stdout, r.Stderr)
			}
			if r.Stdout != "" {
				t.Errorf("want nothing on stdout, got %q", r.Stdout)
			}
			if !strings.HasPrefix(r.Stderr, "error: ") || strings.Count(r.Stderr, "\n") != 1 {
				t.Fatalf("want one 'error: ...' line, got %q", r.Stderr)
			}
			if !strings.Contains(r.Stderr, tc.want) {
				t.Fatalf("want %q in %q", tc.want, r.Stderr)
			}
		})
	}
}

// splitStdin takes a pseudo-argument "--stdin=TEXT" out of args.
func splitStdin(args []string) ([]string, string) {
	var out []string
	stdin := ""
	for _, a := range args {
		if s, ok := strings.CutPrefix(a, "--stdin="); ok {
			stdin = s
			continue
		}
		out = append(out, a)
	}
	return out, stdin
}
