package tail_test

import (
	"regexp"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
)

// tail checks every flag before anything is created.
func TestBadInputs(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"tail", "--count", "-1"}, "error: --count: -1: must not be negative"},
		{[]string{"tail", "--timeout", "-1s"}, "error: --timeout: -1s: must not be negative"},
		{[]string{"tail", "--wait-timeout", "0s"}, "error: --wait-timeout: 0s: must be positive"},
		{[]string{"tail", "-o", "yaml"}, `error: --output: "yaml": want table or json`},
		{[]string{"tail", "--image", "bad image"}, `error: --image: "bad image" is not an image reference`},
		{[]string{"tail", "--image", ""}, `error: --image: "" is not an image reference`},
		{[]string{"tail", "--receiver-idle-timeout", "0s"}, "error: --receiver-idle-timeout: 0s: must be positive"},
		{[]string{"tail", "--broker", "Bad"}, `error: --broker: "Bad" is not a valid name`},
		{[]string{"tail", "--filter", "type"}, `error: --filter: "type": want KEY=VALUE`},
		{[]string{"tail", "--cesql", "type = = 'x'"}, `error: --cesql: "type = = 'x'": position 8:`},
		{[]string{"tail", "extra"}, `error: unexpected argument "extra"`},
		{[]string{"tail", "--count", "many"}, `invalid argument "many" for "--count" flag`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) { cmdtest.ExpectUsageError(t, tc.want, tc.args...) })
	}
}

var (
	sessionName = regexp.MustCompile(`kymamesh-tail-[a-z0-9]{5}`)
	deployments = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
)

// A missing Broker is said, with how to make it, before anything is made.
func TestMissingBrokerMakesNothing(t *testing.T) {
	f := cmdtest.NewFactory("shop")
	cmdtest.Expect(t, f, "tail --broker b2", 1, "",
		`error: broker "b2" does not exist in namespace "shop": make it with 'kubectl kymamesh enable ns shop' (or 'broker create'), or name another with --broker`+"\n")
	for _, a := range f.Dyn.Actions() {
		if a.GetVerb() != "get" {
			t.Errorf("tail of a missing Broker sent %s %s", a.GetVerb(), a.GetResource().Resource)
		}
	}
}

// The receiver tail makes is removed however tail stops: here it cannot
// port-forward to it (no cluster to forward through; the receiver never
// gets a ready pod). Its Deployment is made first and owns the rest, so
// that deleting it in the foreground removes everything.
func TestReceiverIsRemovedWhenTailFails(t *testing.T) {
	for _, tc := range []struct {
		name, args string
		rest       *rest.Config
		wantErr    string
	}{
		{"no REST config", "tail --filter type=a", nil, "error: no cluster: this command should not have needed one\n"},
		{"no ready pod", "tail --wait-timeout 50ms", &rest.Config{Host: "http://127.0.0.1:1"},
			"error: the receiver shop/kymamesh-tail-NAME was not ready within 50ms (--wait-timeout): " +
				"service shop/kymamesh-tail-NAME has no ready pod to port-forward to\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := cmdtest.NewFactory("shop", &knapi.Broker{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: "shop"}})
			f.REST = tc.rest
			r := cmdtest.Run(t.Context(), f, "", cmdtest.SplitArgs(tc.args)...)
			stderr := sessionName.ReplaceAllString(r.Stderr, "kymamesh-tail-NAME")
			// The spinner writes only to a terminal: stderr holds the removal and the error.
			if want := "removed the receiver kymamesh-tail-NAME and its trigger\n" + tc.wantErr; r.Code != 1 || r.Stdout != "" || stderr != want {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit 1, stderr %q", r.Code, r.Stdout, stderr, want)
			}
			var made []string
			for _, a := range f.Dyn.Actions() {
				if a.GetVerb() == "create" {
					made = append(made, a.GetResource().Resource)
				}
			}
			if got := strings.Join(made, " "); got != "deployments secrets serviceaccounts roles rolebindings services" {
				t.Fatalf("tail made %s; want the Deployment first, then what it owns, and no Trigger before the receiver is reached", got)
			}
			name := sessionName.FindString(r.Stderr)
			if _, err := f.Dyn.Resource(deployments).Namespace("shop").Get(t.Context(), name, metav1.GetOptions{}); err == nil {
				t.Fatalf("the receiver's Deployment %s is still there", name)
			}
			for _, res := range []string{"secrets", "serviceaccounts", "services"} {
				u, err := f.Dyn.Resource(schema.GroupVersionResource{Version: "v1", Resource: res}).Namespace("shop").Get(t.Context(), name, metav1.GetOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if refs := u.GetOwnerReferences(); len(refs) != 1 || refs[0].Kind != "Deployment" || refs[0].Name != name {
					t.Fatalf("the receiver's %s is not owned by its Deployment (the garbage collector would leave it): %v", res, refs)
				}
			}
		})
	}
}
