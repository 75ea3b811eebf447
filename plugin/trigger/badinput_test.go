package trigger_test

import (
	"strings"
	"testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
)

// Every bad input to trigger is refused with exit code 2 and one "error: ..."
// line that names the flag, argument or field, before any request: the
// factory has no cluster.
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
		{[]string{"trigger", "create", "t", "--sink", "ksvc:a", "--dl-sink", "bogus:x"}, `--dl-sink: "bogus:x": unknown sink type`},
		{[]string{"trigger", "create", "t", "--sink", "ksvc:a:b:c"}, `--sink: "ksvc:a:b:c": too many parts: want PREFIX:NAME[:NAMESPACE]`},
		{[]string{"trigger", "create", "t", "--sink", "ksvc:Bad_Name"}, `--sink: "ksvc:Bad_Name": "Bad_Name" is not a valid name`},
		{[]string{"trigger", "create", "t", "--sink", "broker:b:Bad_NS"}, `--sink: "broker:b:Bad_NS": "Bad_NS" is not a valid namespace name`},
		{[]string{"trigger", "create", "t", "--sink", "serving.knative.dev/v1/services:Bad"}, `--sink: "serving.knative.dev/v1/services:Bad": "Bad" is not a valid name`},
		{[]string{"trigger", "create", "t", "--sink", "Sequence:flows.knative.dev/v1:Bad!"}, `--sink: "Sequence:flows.knative.dev/v1:Bad!": "Bad!" is not a valid name`},
		// filters
		{[]string{"trigger", "create", "t", "--sink", "ksvc:a", "--filter", "type=a,source=b"}, `--filter: "type=a,source=b": one KEY=VALUE per flag: write --filter type=a --filter source=b`},
		{[]string{"trigger", "create", "t", "--sink", "ksvc:a", "--filter-prefix", "type=a.,subject=b"}, `--filter-prefix: "type=a.,subject=b": one KEY=VALUE per flag`},
		{[]string{"trigger", "create", "t", "--sink", "ksvc:a", "--filter", "type"}, `--filter: "type": want KEY=VALUE`},
		{[]string{"trigger", "create", "t", "--sink", "ksvc:a", "--filter", "Type=x"}, `--filter: attribute name "Type": only lower-case letters and digits`},
		{[]string{"trigger", "create", "t", "--sink", "ksvc:a", "--filter", "1type=x"}, `--filter: attribute name "1type": must start with a lower-case letter`},
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
		// names, arguments, flags
		{[]string{"trigger", "create", "--sink", "ksvc:a"}, "NAME is required (see 'kubectl kymamesh trigger create -h')"},
		{[]string{"trigger", "create", "t", "--sink", "ksvc:a", "--broker", "UPPER"}, `--broker: "UPPER" is not a valid name`},
		{[]string{"trigger", "create", "t", "--sink", "ksvc:a", "--bogus"}, "unknown flag: --bogus"},
		{[]string{"trigger", "creat"}, `unknown command "creat" for "kubectl kymamesh trigger"`},
		{[]string{"trigger", "update", "t"}, "nothing to update: give --sink, a filter flag or a delivery flag"},
		{[]string{"trigger", "update", "t", "--filter", "type-", "--filters-file", "-", "--stdin=- exact: {type: a}"}, "--filters-file: cannot be combined with --filter"},
		// kubectl's connection flags
		{[]string{"trigger", "list", "--request-timeout", "abc"}, `--request-timeout: "abc": want a whole number of seconds or a duration`},
		{[]string{"trigger", "list", "--request-timeout", "-5s"}, `--request-timeout: "-5s"`},
		// output
		{[]string{"trigger", "list", "-o", "bogus"}, `--output: unable to match a printer suitable for the output format "bogus"`},
	}
	if len(cases) < 47 {
		t.Fatalf("the table must hold at least 47 bad inputs, has %d", len(cases))
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) { cmdtest.ExpectUsageError(t, tc.want, tc.args...) })
	}
}
