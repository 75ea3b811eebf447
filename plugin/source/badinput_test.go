package source_test

import (
	"strings"
	"testing"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
)

// Every bad input to source is refused with exit code 2 and one "error: ..."
// line that names the flag, argument or field, before any request: the
// factory has no cluster.
func TestBadInputs(t *testing.T) {
	cmdtest.ExpectUsageErrors(t, 38, []cmdtest.BadInput{
		// source expose and wire --expose (issue 17)
		{Args: []string{"source", "expose", "shop"}, Want: "--host: a host name is required"},
		{Args: []string{"source", "expose", "shop", "--host", "not a host"}, Want: `--host: "not a host" is not a DNS name (such as shop.example.com)`},
		{Args: []string{"source", "expose", "shop", "--host", "Shop.Example.com"}, Want: `--host: "Shop.Example.com" is not a DNS name`},
		{Args: []string{"source", "expose", "shop", "--host", "shop"}, Want: `--host: "shop" is not a DNS name`},
		{Args: []string{"source", "expose", "shop", "--host", "10.0.0.1"}, Want: `--host: "10.0.0.1" is an IP address`},
		{Args: []string{"source", "expose", "shop", "--host", "*.example.com"}, Want: `--host: "*.example.com" is not a DNS name`},
		{Args: []string{"source", "expose", "shop", "--host", "a.example.com", "--ingress-class", "web", "--gateway", "infra/gw"}, Want: "--gateway: either --ingress-class (an Ingress) or --gateway (an HTTPRoute), not both"},
		{Args: []string{"source", "expose", "shop", "--host", "a.example.com", "--gateway", "gw"}, Want: `--gateway: "gw": want NAMESPACE/NAME of a Gateway`},
		{Args: []string{"source", "expose", "shop", "--host", "a.example.com", "--gateway", "infra/gw", "--tls-secret", "t"}, Want: "--tls-secret: with --gateway, TLS is the Gateway listener's"},
		{Args: []string{"source", "expose", "shop", "--host", "a.example.com", "--path", "/apps/shop"}, Want: "--path: /apps/shop: an Ingress passes the path on unchanged and the adapter answers on /shop; another prefix needs --gateway"},
		{Args: []string{"source", "expose", "shop", "--host", "a.example.com", "--gateway", "infra/gw", "--path", "apps"}, Want: `--path: "apps" is not a path prefix (such as /shop)`},
		{Args: []string{"source", "expose", "shop", "--host", "a.example.com", "--tls-secret", "Bad_Name"}, Want: `--tls-secret: "Bad_Name" is not a valid name`},
		{Args: []string{"source", "expose", "shop", "--host", "a.example.com", "--ingress-class", "Bad_Name"}, Want: `--ingress-class: "Bad_Name" is not a valid name`},
		{Args: []string{"source", "unexpose", "1shop"}, Want: `APP: "1shop"`},
		{Args: []string{"wire", "shop", "--to", "shop", "--expose", "not a host"}, Want: `--expose: "not a host" is not a DNS name`},
		{Args: []string{"wire", "shop", "--to", "shop", "--tls-secret", "t"}, Want: "--expose: --path, --tls-secret, --ingress-class, --gateway and --allow-anonymous describe an exposure: give its host with --expose"},
		// scaling (issue 20)
		{Args: []string{"source", "create", "http", "shop", "--replicas", "0"}, Want: "--replicas: 0: want at least 1"},
		{Args: []string{"source", "create", "http", "shop", "--autoscale", "5:2"}, Want: `--autoscale: "5:2": MAX is below MIN`},
		{Args: []string{"source", "create", "http", "shop", "--autoscale", "0:2"}, Want: `--autoscale: "0:2": MIN must be at least 1`},
		{Args: []string{"source", "create", "http", "shop", "--autoscale", "3"}, Want: `--autoscale: "3": want MIN:MAX`},
		{Args: []string{"source", "create", "http", "shop", "--cpu", "abc"}, Want: `--cpu: "abc" is not a quantity`},
		{Args: []string{"source", "create", "http", "shop", "--memory", "256Mi:64Mi"}, Want: `--memory: "256Mi:64Mi": the request is above the limit`},
		{Args: []string{"source", "create", "http", "shop", "--autoscale", "2:5", "--replicas", "3"}, Want: "--replicas: cannot be combined with --autoscale"},
		{Args: []string{"source", "create", "http", "shop", "--autoscale-cpu", "50"}, Want: "--autoscale-cpu: needs --autoscale MIN:MAX"},
		{Args: []string{"source", "create", "http", "shop", "--autoscale", "1:3", "--autoscale-cpu", "0"}, Want: "--autoscale-cpu: 0: want a percentage"},
		{Args: []string{"wire", "shop", "--to", "shop", "--replicas", "0"}, Want: "--replicas: 0: want at least 1"},
		{Args: []string{"wire", "shop", "--to", "shop", "--cpu", "abc"}, Want: `--cpu: "abc" is not a quantity`},
		{Args: []string{"source", "update", "http", "shop"}, Want: "--replicas: nothing to update"},
		{Args: []string{"source", "update", "http", "shop", "--replicas", "0"}, Want: "--replicas: 0: want at least 1"},
		{Args: []string{"source", "update", "http", "shop", "--autoscale", "5:2"}, Want: `--autoscale: "5:2": MAX is below MIN`},
		{Args: []string{"source", "update", "http", "shop", "--autoscale", "2:5", "--replicas", "2"}, Want: "--replicas: cannot be combined with --autoscale"},
		{Args: []string{"source", "update", "http", "shop", "--cpu", "-1"}, Want: `--cpu: "-1": a request and a limit must be above 0`},
		// names, arguments, flags
		{Args: []string{"source", "create", "ftp", "x"}, Want: `unknown command "ftp" for "kubectl kymamesh source create"`},
		// create http
		{Args: []string{"source", "create", "http", "Bad_App"}, Want: `APP: "Bad_App" is not a valid name`},
		{Args: []string{"source", "create", "http", "shop", "--port", "0"}, Want: "--port: 0 is not a port number"},
		{Args: []string{"source", "create", "http", "shop", "--image", "bad image"}, Want: `--image: "bad image" is not an image reference`},
		{Args: []string{"source", "create", "http", "shop", "--channel", "nats"}, Want: `--channel: "nats": want imc, kafka, GROUP/VERSION/KIND or GROUP:VERSION:KIND`},
		{Args: []string{"source", "create", "http", "shop", "--integration-namespace", "Not_NS"}, Want: `--integration-namespace: "Not_NS" is not a valid namespace name`},
		{Args: []string{"source", "create", "http", strings.Repeat("a", 60)}, Want: `would be refused (must be no more than 63 characters); use a name that starts with a letter, of at most 52 characters`},
		// -n where the namespace comes from elsewhere is refused, not ignored.
		{Args: []string{"source", "delete", "shop", "-n", "other"}, Want: `the applications' namespace is --integration-namespace`},
		{Args: []string{"source", "create", "http", "shop", "--image", "Example.com/UPPER:tag"}, Want: `--image: "Example.com/UPPER:tag" is not an image reference`},
		// Names the API server would refuse for a Service made from the
		// application's name: refused before anything is created.
		{Args: []string{"source", "create", "http", "1shop"}, Want: `APP: "1shop" cannot name an application: its Service "1shop-adapter" would be refused`},
		{Args: []string{"source", "create", "http", strings.Repeat("a", 53)}, Want: `its Service "` + strings.Repeat("a", 53) + `-kn-channel" would be refused`},
	})
}

// list, describe and delete check their input before any request too.
func TestBadInputsOfListDescribeDelete(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"source", "describe", "Bad_App"}, `error: APP: "Bad_App" is not a valid name`},
		{[]string{"source", "describe", "shop", "--integration-namespace", "Bad"}, `error: --integration-namespace: "Bad" is not a valid namespace name`},
		{[]string{"source", "describe", "shop", "-o", "wide"}, `error: --output: "wide": want json or yaml`},
		{[]string{"source", "describe"}, "error: APP is required (see 'kubectl kymamesh source describe -h')"},
		{[]string{"source", "list", "-o", "name"}, `error: --output: "name": want json or yaml`},
		{[]string{"source", "list", "-l", "==="}, `error: --selector: found '==', expected: !, identifier, or 'end of string'`},
		{[]string{"source", "list", "--integration-namespace", "Bad_NS"}, `error: --integration-namespace: "Bad_NS" is not a valid namespace name`},
		{[]string{"source", "list", "extra"}, `error: unexpected argument "extra"`},
		{[]string{"source", "delete", "Bad_App"}, `error: APP: "Bad_App" is not a valid name`},
		{[]string{"source", "delete", "shop", "--integration-namespace", "Bad_NS"}, `error: --integration-namespace: "Bad_NS" is not a valid namespace name`},
		{[]string{"source", "delete", "shop", "--dry-run=maybe"}, `error: --dry-run: "maybe": must be "none", "server", or "client"`},
		{[]string{"source", "create", "http", "shop", "--wait", "--dry-run=server"}, "error: --wait cannot be combined with --dry-run"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) { cmdtest.ExpectUsageError(t, tc.want, tc.args...) })
	}
}
