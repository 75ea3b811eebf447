package trigger_test

import (
	"testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
)

// Every bad input to trigger is refused with exit code 2 and one "error: ..."
// line that names the flag, argument or field, before any request: the
// factory has no cluster.
func TestBadInputs(t *testing.T) {
	cmdtest.ExpectUsageErrors(t, 47, []cmdtest.BadInput{
		// sinks
		{Args: []string{"trigger", "create", "t", "--sink", "foo:bar:baz:qux"}, Want: `--sink: "foo:bar:baz:qux": unknown sink type "foo"`},
		{Args: []string{"trigger", "create", "t"}, Want: "--sink: a sink is required"},
		{Args: []string{"trigger", "create", "t", "--sink", "broker:"}, Want: `--sink: "broker:": the name and namespace must not be empty`},
		{Args: []string{"trigger", "create", "t", "--sink", "broker:b:"}, Want: `--sink: "broker:b:": the name and namespace must not be empty`},
		{Args: []string{"trigger", "create", "t", "--sink", "http://"}, Want: `--sink: "http://" is not a valid URL`},
		{Args: []string{"trigger", "create", "t", "--sink", "Service:notaversion!:x"}, Want: `--sink: "Service:notaversion!:x"`},
		{Args: []string{"trigger", "create", "t", "--sink", "ksvc:a", "--dl-sink", "bogus:x"}, Want: `--dl-sink: "bogus:x": unknown sink type`},
		{Args: []string{"trigger", "create", "t", "--sink", "ksvc:a:b:c"}, Want: `--sink: "ksvc:a:b:c": too many parts: want PREFIX:NAME[:NAMESPACE]`},
		{Args: []string{"trigger", "create", "t", "--sink", "ksvc:Bad_Name"}, Want: `--sink: "ksvc:Bad_Name": "Bad_Name" is not a valid name`},
		{Args: []string{"trigger", "create", "t", "--sink", "broker:b:Bad_NS"}, Want: `--sink: "broker:b:Bad_NS": "Bad_NS" is not a valid namespace name`},
		{Args: []string{"trigger", "create", "t", "--sink", "serving.knative.dev/v1/services:Bad"}, Want: `--sink: "serving.knative.dev/v1/services:Bad": "Bad" is not a valid name`},
		{Args: []string{"trigger", "create", "t", "--sink", "Sequence:flows.knative.dev/v1:Bad!"}, Want: `--sink: "Sequence:flows.knative.dev/v1:Bad!": "Bad!" is not a valid name`},
		// filters
		{Args: []string{"trigger", "create", "t", "--sink", "ksvc:a", "--filter", "type=a,source=b"}, Want: `--filter: "type=a,source=b": one KEY=VALUE per flag: write --filter type=a --filter source=b`},
		{Args: []string{"trigger", "create", "t", "--sink", "ksvc:a", "--filter-prefix", "type=a.,subject=b"}, Want: `--filter-prefix: "type=a.,subject=b": one KEY=VALUE per flag`},
		{Args: []string{"trigger", "create", "t", "--sink", "ksvc:a", "--filter", "type"}, Want: `--filter: "type": want KEY=VALUE`},
		{Args: []string{"trigger", "create", "t", "--sink", "ksvc:a", "--filter", "Type=x"}, Want: `--filter: attribute name "Type": only lower-case letters and digits`},
		{Args: []string{"trigger", "create", "t", "--sink", "ksvc:a", "--filter", "1type=x"}, Want: `--filter: attribute name "1type": must start with a lower-case letter`},
		{Args: []string{"trigger", "create", "t", "--sink", "ksvc:a", "--filter", "=x"}, Want: "--filter: empty attribute name"},
		{Args: []string{"trigger", "create", "t", "--sink", "ksvc:a", "--filter", "type=a", "--filter", "type=b"}, Want: `--filter: attribute "type" given twice`},
		{Args: []string{"trigger", "create", "t", "--sink", "ksvc:a", "--filter", "type-"}, Want: `--filter: "type-": want KEY=VALUE`},
		{Args: []string{"trigger", "create", "t", "--sink", "ksvc:a", "--filter-prefix", "type"}, Want: `--filter-prefix: "type": want KEY=VALUE`},
		{Args: []string{"trigger", "create", "t", "--sink", "ksvc:a", "--filter-suffix", "my-attr=x"}, Want: `--filter-suffix: attribute name "my-attr"`},
		{Args: []string{"trigger", "create", "t", "--sink", "ksvc:a", "--cesql", "type = = 'x'"}, Want: `--cesql: "type = = 'x'": position 8:`},
		{Args: []string{"trigger", "create", "t", "--sink", "ksvc:a", "--cesql", "type LIKE"}, Want: `--cesql: "type LIKE": position 10:`},
		{Args: []string{"trigger", "create", "t", "--sink", "ksvc:a", "--cesql", "NOSUCHFN(type)"}, Want: `--cesql: "NOSUCHFN(type)": position 1: unknown function NOSUCHFN with 1 argument(s)`},
		{Args: []string{"trigger", "create", "t", "--sink", "ksvc:a", "--cesql", "type = LOWER(source, subject)"}, Want: `position 8: unknown function LOWER with 2 argument(s)`},
		{Args: []string{"trigger", "create", "t", "--sink", "ksvc:a", "--cesql", "(type = 'a'"}, Want: `--cesql: "(type = 'a'": position 12:`},
		{Args: []string{"trigger", "create", "t", "--sink", "ksvc:a", "--filters-file", "-"}, Want: "--filters-file: \"-\" is empty"},
		{Args: []string{"trigger", "create", "t", "--sink", "ksvc:a", "--filters-file", "/no/such/file"}, Want: "--filters-file: /no/such/file: no such file or directory"},
		{Args: []string{"trigger", "create", "t", "--sink", "ksvc:a", "--filters-file", "-", "--stdin=- regex: {type: x}"}, Want: `--filters-file: unknown filter dialect "regex"`},
		{Args: []string{"trigger", "create", "t", "--sink", "ksvc:a", "--filters-file", "-", "--stdin=- exact: {type: a}\n  prefix: {type: b}"}, Want: "--filters-file: filters[0]: each filter needs exactly one dialect"},
		{Args: []string{"trigger", "create", "t", "--sink", "ksvc:a", "--filters-file", "-", "--stdin=- cesql: \"type ==\""}, Want: `--filters-file: filters[0].cesql: "type ==": position`},
		{Args: []string{"trigger", "create", "t", "--sink", "ksvc:a", "--filters-file", "-", "--stdin=- not: {}"}, Want: "--filters-file: filters[0].not: each filter needs exactly one dialect"},
		{Args: []string{"trigger", "create", "t", "--sink", "ksvc:a", "--filters-file", "-", "--stdin={type: a}"}, Want: "--filters-file: "},
		{Args: []string{"trigger", "create", "t", "--sink", "ksvc:a", "--filters-file", "-", "--filter", "type=a", "--stdin=- exact: {type: a}"}, Want: "--filters-file: cannot be combined with --filter"},
		{Args: []string{"trigger", "create", "t", "--sink", "ksvc:a", "--filters-file", "-", "--cesql", "type = 'a'", "--stdin=- exact: {type: a}"}, Want: "--filters-file: cannot be combined with --filter-prefix, --filter-suffix or --cesql"},
		// durations and delivery
		{Args: []string{"trigger", "create", "t", "--sink", "ksvc:a", "--backoff-delay", "5x"}, Want: `--backoff-delay: "5x" is neither an ISO-8601 duration`},
		{Args: []string{"trigger", "create", "t", "--sink", "ksvc:a", "--delivery-timeout", "-1s"}, Want: `--delivery-timeout: "-1s" must not be negative`},
		// names, arguments, flags
		{Args: []string{"trigger", "create", "--sink", "ksvc:a"}, Want: "NAME is required (see 'kubectl kymamesh trigger create -h')"},
		{Args: []string{"trigger", "create", "t", "--sink", "ksvc:a", "--broker", "UPPER"}, Want: `--broker: "UPPER" is not a valid name`},
		{Args: []string{"trigger", "create", "t", "--sink", "ksvc:a", "--bogus"}, Want: "unknown flag: --bogus"},
		{Args: []string{"trigger", "creat"}, Want: `unknown command "creat" for "kubectl kymamesh trigger"`},
		{Args: []string{"trigger", "update", "t"}, Want: "nothing to update: give --sink, a filter flag or a delivery flag"},
		{Args: []string{"trigger", "update", "t", "--filter", "type-", "--filters-file", "-", "--stdin=- exact: {type: a}"}, Want: "--filters-file: cannot be combined with --filter"},
		// kubectl's connection flags
		{Args: []string{"trigger", "list", "--request-timeout", "abc"}, Want: `--request-timeout: "abc": want a whole number of seconds or a duration`},
		{Args: []string{"trigger", "list", "--request-timeout", "-5s"}, Want: `--request-timeout: "-5s"`},
		// output
		{Args: []string{"trigger", "list", "-o", "bogus"}, Want: `--output: unable to match a printer suitable for the output format "bogus"`},
	})
}
