package deadletter_test

import (
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8stesting "k8s.io/client-go/testing"
	eventingduckv1 "knative.dev/eventing/pkg/apis/duck/v1"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/adapter/deadletter"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
)

func broker(name string, sink *duckv1.Destination) *knapi.Broker {
	b := &knapi.Broker{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop"}}
	if sink != nil {
		b.Spec.Delivery = &eventingduckv1.DeliverySpec{DeadLetterSink: sink}
	}
	return b
}

const applied = "persistentvolumeclaim/kymamesh-deadletter %[1]s\ndeployment.apps/kymamesh-deadletter %[1]s\nservice/kymamesh-deadletter %[1]s\n"

func lines(op string) string { return strings.ReplaceAll(applied, "%[1]s", op) }

// enable applies the store and points the Broker at it; again, nothing changes.
func TestEnableIsIdempotent(t *testing.T) {
	f := cmdtest.NewFactory("shop", broker("default", nil))
	f.ServeApply()
	cmdtest.Expect(t, f, "deadletter enable", 0, lines("created")+"broker.eventing.knative.dev/default configured\n", "")
	cmdtest.Expect(t, f, "deadletter enable", 0, lines("unchanged")+"broker.eventing.knative.dev/default unchanged\n", "")
	b, err := f.EventingClient().Brokers("shop").Get(t.Context(), "default", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r := b.Spec.Delivery.DeadLetterSink.Ref; r == nil || r.Kind != "Service" || r.Name != "kymamesh-deadletter" {
		t.Fatalf("the Broker's dead-letter sink: %+v", b.Spec.Delivery.DeadLetterSink)
	}
}

// A second enable keeps the store's claim as it is: without --size it is
// not resized (nor is MAX_STORE_BYTES changed); a smaller --size is refused,
// and a larger one unless the claim's StorageClass allows expansion, each
// before anything is written.
func TestEnableKeepsTheClaimSize(t *testing.T) {
	class := func(name string, grow bool) *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: map[string]any{"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
			"metadata": map[string]any{"name": name}, "provisioner": "example.com/disks", "allowVolumeExpansion": grow}}
	}
	f := cmdtest.NewFactory("shop", broker("default", nil), broker("b2", nil), class("fixed", false), class("growing", true))
	f.ServeApply()
	claims := f.Dyn.Resource(schema.GroupVersionResource{Version: "v1", Resource: "persistentvolumeclaims"}).Namespace("shop")
	deployments := f.Dyn.Resource(schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}).Namespace("shop")
	state := func() (size, maxBytes string) {
		c, err := claims.Get(t.Context(), "kymamesh-deadletter", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		size, _, _ = unstructured.NestedString(c.Object, "spec", "resources", "requests", "storage")
		d, err := deployments.Get(t.Context(), "kymamesh-deadletter", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cs, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "containers")
		env, _, _ := unstructured.NestedSlice(cs[0].(map[string]any), "env")
		for _, e := range env {
			if e := e.(map[string]any); e["name"] == "MAX_STORE_BYTES" {
				maxBytes, _ = e["value"].(string)
			}
		}
		return size, maxBytes
	}
	setClass := func(name string) {
		c, err := claims.Get(t.Context(), "kymamesh-deadletter", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		_ = unstructured.SetNestedField(c.Object, name, "spec", "storageClassName")
		if _, err := claims.Update(t.Context(), c, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	onlyReads := func(args string) {
		t.Helper()
		for _, a := range f.Dyn.Actions() {
			if v := a.GetVerb(); v != "get" && v != "list" {
				t.Errorf("%s: a refused enable sent %s %s", args, v, a.GetResource().Resource)
			}
		}
	}
	cmdtest.Expect(t, f, "deadletter enable --size 2Gi", 0, lines("created")+"broker.eventing.knative.dev/default configured\n", "")
	cmdtest.Expect(t, f, "deadletter enable --broker b2", 0, lines("unchanged")+"broker.eventing.knative.dev/b2 configured\n", "")
	if size, maxBytes := state(); size != "2Gi" || maxBytes != "1932735276" {
		t.Fatalf("a second enable without --size: the claim is %s and MAX_STORE_BYTES %s, want 2Gi and 90%% of it", size, maxBytes)
	}
	cmdtest.Expect(t, f, "deadletter enable --size 2048Mi", 0, lines("unchanged")+"broker.eventing.knative.dev/default unchanged\n", "")
	for _, c := range []struct{ args, class, want string }{
		{"deadletter enable --size 1Gi", "", `error: --size 1Gi: the store's claim in namespace "shop" is 2Gi and a claim cannot shrink: leave --size out to keep it; nothing was applied`},
		{"deadletter enable --size 4Gi", "", `error: --size 4Gi: the store's claim in namespace "shop" is 2Gi and has no StorageClass, so it cannot grow: leave --size out to keep it; nothing was applied`},
		{"deadletter enable --size 4Gi --broker b2", "fixed", `error: --size 4Gi: the store's claim in namespace "shop" is 2Gi and its StorageClass "fixed" does not allow expansion (allowVolumeExpansion): leave --size out to keep it; nothing was applied`},
		{"deadletter enable --size 1Gi --dry-run=server", "growing", `error: --size 1Gi: the store's claim in namespace "shop" is 2Gi and a claim cannot shrink: leave --size out to keep it; nothing was applied`},
	} {
		if c.class != "" {
			setClass(c.class)
		}
		f.Dyn.ClearActions()
		cmdtest.Expect(t, f, c.args, 1, "", c.want+"\n")
		onlyReads(c.args)
	}
	if size, _ := state(); size != "2Gi" {
		t.Fatalf("a refused enable resized the claim to %s", size)
	}
	cmdtest.Expect(t, f, "deadletter enable --size 4Gi", 0,
		"persistentvolumeclaim/kymamesh-deadletter configured\ndeployment.apps/kymamesh-deadletter configured\nservice/kymamesh-deadletter unchanged\n"+
			"broker.eventing.knative.dev/default unchanged\n", "")
	if size, maxBytes := state(); size != "4Gi" || maxBytes != "3865470561" {
		t.Fatalf("a resize where the StorageClass allows it: the claim is %s and MAX_STORE_BYTES %s", size, maxBytes)
	}
}

// Another dead-letter sink is named and kept, unless --force-conflicts.
func TestEnableRefusesAnotherSink(t *testing.T) {
	u, _ := apis.ParseURL("http://audit.shop.svc.cluster.local")
	f := cmdtest.NewFactory("shop", broker("default", &duckv1.Destination{URI: u}))
	f.ServeApply()
	cmdtest.Expect(t, f, "deadletter enable", 1, "",
		`error: broker "default" in namespace "shop" has the dead-letter sink http://audit.shop.svc.cluster.local: add --force-conflicts to replace it with the store; nothing was applied`+"\n")
	for _, a := range f.Dyn.Actions() {
		if a.GetVerb() != "get" {
			t.Errorf("a refused enable sent %s %s", a.GetVerb(), a.GetResource().Resource)
		}
	}
	cmdtest.Expect(t, f, "deadletter enable --force-conflicts", 0,
		lines("created")+"broker.eventing.knative.dev/default configured (its dead-letter sink was http://audit.shop.svc.cluster.local)\n", "")
	cmdtest.Expect(t, f, "deadletter enable --broker nope", 1, "",
		`error: broker "nope" does not exist in namespace "shop": make it with 'kubectl kymamesh enable ns shop' (or 'broker create'), or name another with --broker; nothing was applied`+"\n")
}

func TestEnableDryRun(t *testing.T) {
	f := cmdtest.NewFactory("shop")
	f.NoCluster = true
	cmdtest.Expect(t, f, "deadletter enable --dry-run=client -o name", 0,
		"persistentvolumeclaim/kymamesh-deadletter\ndeployment.apps/kymamesh-deadletter\nservice/kymamesh-deadletter\n",
		"warning: broker.eventing.knative.dev/default would be configured (dry run): its delivery.deadLetterSink set to service/kymamesh-deadletter (a different sink is refused without --force-conflicts)\n")
	r := cmdtest.Run(t.Context(), f, "", "deadletter", "enable", "--dry-run=client", "-o", "yaml", "--retention", "0", "--size", "5Gi")
	for _, want := range []string{"args:\n          - deadletter", "storage: 5Gi", "value: 0s", `value: "4831838208"`, "claimName: kymamesh-deadletter", "type: Recreate"} {
		if r.Code != 0 || !strings.Contains(r.Stdout, want) {
			t.Fatalf("want %q in the dry run: %+v", want, r)
		}
	}
}

// disable undoes enable: the claim stays unless --delete-data; another
// Broker's sink is left alone.
func TestDisable(t *testing.T) {
	f := cmdtest.NewFactory("shop", broker("default", nil))
	f.ServeApply()
	cmdtest.Expect(t, f, "deadletter enable", 0, lines("created")+"broker.eventing.knative.dev/default configured\n", "")
	cmdtest.Expect(t, f, "deadletter disable --dry-run=client", 0, ""+
		"broker.eventing.knative.dev/default configured (dry run) (its dead-letter sink, the store, removed)\n"+
		"service/kymamesh-deadletter deleted (dry run)\ndeployment.apps/kymamesh-deadletter deleted (dry run)\n"+
		"persistentvolumeclaim/kymamesh-deadletter kept (dry run): it holds the stored events; add --delete-data to delete them\n", "")
	cmdtest.Expect(t, f, "deadletter disable", 0, ""+
		"broker.eventing.knative.dev/default configured (its dead-letter sink, the store, removed)\n"+
		"service/kymamesh-deadletter deleted\ndeployment.apps/kymamesh-deadletter deleted\n"+
		"persistentvolumeclaim/kymamesh-deadletter kept: it holds the stored events; add --delete-data to delete them\n", "")
	b, _ := f.EventingClient().Brokers("shop").Get(t.Context(), "default", metav1.GetOptions{})
	if b.Spec.Delivery != nil && b.Spec.Delivery.DeadLetterSink != nil {
		t.Fatalf("the Broker still has a dead-letter sink: %+v", b.Spec.Delivery)
	}
	cmdtest.Expect(t, f, "deadletter disable --delete-data", 0, "persistentvolumeclaim/kymamesh-deadletter deleted\n", "")
	cmdtest.Expect(t, f, "deadletter disable", 1, "",
		`error: namespace "shop" has no dead-letter store, and broker "default" does not send to one: nothing to disable`+"\n")
}

func TestBadInput(t *testing.T) {
	for _, c := range []cmdtest.BadInput{
		{Args: []string{"deadletter", "enable", "--size", "lots"}, Want: `--size: "lots": want a positive size`},
		{Args: []string{"deadletter", "enable", "--size", "1Mi"}, Want: "too small"},
		{Args: []string{"deadletter", "enable", "--retention", "3w"}, Want: `--retention: "3w"`},
		{Args: []string{"deadletter", "enable", "--image", "Bad Image"}, Want: "--image"},
		{Args: []string{"deadletter", "enable", "--broker", "Bad_"}, Want: "--broker"},
		{Args: []string{"deadletter", "show", "abc"}, Want: `"abc" is not a dead-letter id`},
		{Args: []string{"deadletter", "show"}, Want: "ID"},
		{Args: []string{"deadletter", "list", "--since", "yesterday"}, Want: "--since"},
		{Args: []string{"deadletter", "list", "--code", "42"}, Want: "--code: 42 is not an HTTP status"},
		{Args: []string{"deadletter", "replay"}, Want: "IDs, --all or --cesql"},
		{Args: []string{"deadletter", "replay", "1", "--all"}, Want: "exactly one"},
		{Args: []string{"deadletter", "replay", "--all", "--rate", "0"}, Want: "--rate: 0: must be positive"},
		{Args: []string{"deadletter", "replay", "--cesql", "type = = 'a'"}, Want: "--cesql"},
		{Args: []string{"deadletter", "replay", "--all", "--to", "elsewhere"}, Want: `--to: "elsewhere": want original or broker`},
		{Args: []string{"deadletter", "purge", "0"}, Want: `"0" is not a dead-letter id`},
		{Args: []string{"deadletter", "stats", "-o", "wide"}, Want: "-o"},
		{Args: []string{"explain", "--dead-letter", "x1"}, Want: "--dead-letter"},
		{Args: []string{"explain", "--dead-letter", "1", "--type", "t"}, Want: "leave out --type"},
		{Args: []string{"explain", "--dead-letter", "1", "--to", "app:shop"}, Want: "against a Broker"},
	} {
		t.Run(strings.Join(c.Args, " "), func(t *testing.T) { cmdtest.ExpectUsageError(t, c.Want, c.Args...) })
	}
}

func TestNamespaceWithoutStore(t *testing.T) {
	f := cmdtest.NewFactory("shop", broker("default", nil))
	for _, args := range []string{"deadletter list", "deadletter show 1", "deadletter stats", "deadletter replay --all", "deadletter purge 1", "explain --dead-letter 1"} {
		cmdtest.Expect(t, f, args, 1, "",
			`error: namespace "shop" has no dead-letter store: make one with 'kubectl kymamesh deadletter enable -n shop'`+"\n")
	}
}

// The commands against a real store on 127.0.0.1 (standing for the
// port-forward): two events that failed, one subscriber mended.
func TestAgainstARealStore(t *testing.T) {
	store, err := deadletter.Open(t.TempDir(), 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	h := deadletter.NewHandlers(deadletter.Config{}, store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	intake, api := httptest.NewServer(h.Intake), httptest.NewServer(h.API)
	t.Cleanup(intake.Close)
	t.Cleanup(api.Close)
	var got []string
	mended := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Header.Get("Ce-Id")+" "+r.Header.Get("Ce-Kymameshreplays"))
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(mended.Close)
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusInternalServerError) }))
	t.Cleanup(broken.Close)
	post := func(id, typ, dest string, code int, why string) {
		req, _ := http.NewRequest(http.MethodPost, intake.URL, strings.NewReader(`{"n":1}`))
		for k, v := range map[string]string{"Ce-Specversion": "1.0", "Ce-Id": id, "Ce-Source": "commerce", "Ce-Type": typ,
			"Ce-Knativeerrordest": dest, "Ce-Knativeerrorcode": strconv.Itoa(code),
			"Ce-Knativeerrordata": base64.StdEncoding.EncodeToString([]byte(why)), "Content-Type": "application/json"} {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != http.StatusAccepted {
			t.Fatalf("storing %s: %v %v", id, resp, err)
		}
		resp.Body.Close()
	}
	post("o-1", "order.created", mended.URL, 500, "server said no")
	post("o-2", "order.paid", broken.URL, 400, "bad request")

	f := cmdtest.NewFactory("shop", broker("default", nil))
	f.ServeApply()
	cmdtest.Expect(t, f, "deadletter enable", 0, lines("created")+"broker.eventing.knative.dev/default configured\n", "")
	f.DeadLetterAPI = api.URL

	r := cmdtest.Run(t.Context(), f, "", "deadletter", "list")
	if r.Code != 0 || !strings.Contains(r.Stdout, "o-1") || !strings.Contains(r.Stdout, "server said no") || !strings.Contains(r.Stdout, "order.paid") {
		t.Fatalf("list: %+v", r)
	}
	r = cmdtest.Run(t.Context(), f, "", "deadletter", "list", "--code", "400", "-o", "json")
	if r.Code != 0 || !strings.Contains(r.Stdout, `"eventId":"o-2"`) || strings.Contains(r.Stdout, "o-1") {
		t.Fatalf("list --code 400 -o json: %+v", r)
	}
	r = cmdtest.Run(t.Context(), f, "", "deadletter", "show", "1")
	if r.Code != 0 || !strings.Contains(r.Stdout, "Reason:       server said no") || !strings.Contains(r.Stdout, `"knativeerrorcode"`) {
		t.Fatalf("show: %+v", r)
	}
	r = cmdtest.Run(t.Context(), f, "", "deadletter", "stats", "-o", "yaml")
	if r.Code != 0 || !strings.Contains(r.Stdout, "count: 2") {
		t.Fatalf("stats: %+v", r)
	}
	cmdtest.Expect(t, f, "deadletter show 9", 1, "",
		`error: the dead-letter store in namespace "shop" holds no event 9 ('kubectl kymamesh deadletter list -n shop' shows its ids)`+"\n")
	cmdtest.Expect(t, f, "deadletter replay 1 9", 1, "",
		`error: the dead-letter store in namespace "shop" holds no event 9 ('kubectl kymamesh deadletter list -n shop' shows its ids)`+"\n")
	// An unknown id among known ones: refused before anything is deleted.
	cmdtest.Expect(t, f, "deadletter purge 1 9", 1, "",
		`error: the dead-letter store in namespace "shop" holds no event 9 ('kubectl kymamesh deadletter list -n shop' shows its ids)`+"\n")
	if r := cmdtest.Run(t.Context(), f, "", "deadletter", "show", "1"); r.Code != 0 {
		t.Fatalf("a refused purge deleted event 1: %+v", r)
	}
	cmdtest.Expect(t, f, "explain --dead-letter 9", 1, "",
		`error: the dead-letter store in namespace "shop" holds no event 9 ('kubectl kymamesh deadletter list -n shop' shows its ids)`+"\n")
	r = cmdtest.Run(t.Context(), f, "", "explain", "--dead-letter", "1")
	if r.Code != 0 || !strings.Contains(r.Stdout, "dead letter 1 (event o-1, type order.created, from commerce): delivery to "+mended.URL+" failed with 500: server said no") ||
		!strings.Contains(r.Stdout, "broker shop/default") {
		t.Fatalf("explain --dead-letter: %+v", r)
	}

	// status counts what the store holds for the Broker that sends to it;
	// a store it cannot reach is "unknown", with why, and status still succeeds.
	r = cmdtest.Run(t.Context(), f, "", "status")
	if r.Code != 0 || !strings.Contains(r.Stdout, "dead letters -> svc:kymamesh-deadletter (the store: 2 events)") {
		t.Fatalf("status: %+v", r)
	}
	f.DeadLetterAPI = ""
	r = cmdtest.Run(t.Context(), f, "", "status", "-o", "json")
	if r.Code != 0 || !strings.Contains(r.Stdout, `"deadLetterStore":{"unknown":"no dead-letter store API in this test"}`) {
		t.Fatalf("status with the store out of reach: %+v", r)
	}
	f.DeadLetterAPI = api.URL

	r = cmdtest.Run(t.Context(), f, "", "deadletter", "replay", "--all", "--dry-run")
	if r.Code != 0 || !strings.Contains(r.Stdout, "1 o-1: would be sent to "+mended.URL) || len(got) != 0 {
		t.Fatalf("replay --dry-run: %+v (sent %v)", r, got)
	}
	r = cmdtest.Run(t.Context(), f, "", "deadletter", "replay", "--all")
	if r.Code != 1 || !strings.Contains(r.Stdout, "1 o-1: delivered to "+mended.URL+" (202)") || !strings.Contains(r.Stdout, "2 o-2: failed at "+broken.URL+" (500)") ||
		r.Stderr != "replayed 2 events: 1 delivered, 1 failed\nerror: 1 of 2 events failed; they stay in the store\n" {
		t.Fatalf("replay --all: %+v", r)
	}
	if len(got) != 1 || got[0] != "o-1 1" {
		t.Fatalf("the mended subscriber got %v", got)
	}
	r = cmdtest.Run(t.Context(), f, "", "deadletter", "replay", "--cesql", "type = 'order.paid'", "-o", "json")
	if r.Code != 1 || !strings.Contains(r.Stdout, `"failed":1`) {
		t.Fatalf("replay --cesql -o json: %+v", r)
	}
	cmdtest.Expect(t, f, "deadletter purge 2", 0, "purged 1 events: 2\n", "")
	cmdtest.Expect(t, f, "deadletter list", 0, "", "No dead letters in namespace shop.\n")
}

// With Knative's OIDC on (the Broker has an audience), replay --to broker
// has the store present a token of its pod's ServiceAccount made for that
// audience (TokenRequest), and the Broker gets it as a bearer token; a user
// who may not make that token gets one line and nothing is replayed.
func TestReplayToAnOIDCBrokerPresentsTheStoresToken(t *testing.T) {
	store, err := deadletter.Open(t.TempDir(), 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	h := deadletter.NewHandlers(deadletter.Config{OIDCTokenFile: "/nonexistent"}, store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	intake, api := httptest.NewServer(h.Intake), httptest.NewServer(h.API)
	t.Cleanup(intake.Close)
	t.Cleanup(api.Close)
	var mu sync.Mutex
	var auth []string
	ingress := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auth = append(auth, r.Header.Get("Authorization"))
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(ingress.Close)
	req, _ := http.NewRequest(http.MethodPost, intake.URL, strings.NewReader(`{}`))
	for k, v := range map[string]string{"Ce-Specversion": "1.0", "Ce-Id": "o-1", "Ce-Source": "s", "Ce-Type": "t",
		"Ce-Knativeerrordest": "http://sub.shop.svc/", "Ce-Knativeerrorcode": "500", "Content-Type": "application/json"} {
		req.Header.Set(k, v)
	}
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("storing: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}

	b := broker("default", nil)
	u, _ := apis.ParseURL(ingress.URL)
	audience := "eventing.knative.dev/broker/shop/default"
	b.Status.Address = &duckv1.Addressable{URL: u, Audience: &audience}
	f := cmdtest.NewFactory("shop", b)
	f.ServeApply()
	cmdtest.Expect(t, f, "deadletter enable", 0, lines("created")+"broker.eventing.knative.dev/default configured\n", "")
	f.DeadLetterAPI = api.URL
	var asked []string
	refuse := false
	f.Dyn.PrependReactor("create", "serviceaccounts", func(a k8stesting.Action) (bool, runtime.Object, error) {
		c := a.(k8stesting.CreateAction)
		if c.GetSubresource() != "token" {
			return false, nil, nil
		}
		u := c.GetObject().(*unstructured.Unstructured)
		if refuse {
			return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "serviceaccounts"}, u.GetName(), errors.New(`User "dev" cannot create resource "serviceaccounts/token"`))
		}
		auds, _, _ := unstructured.NestedStringSlice(u.Object, "spec", "audiences")
		asked = append(asked, a.GetNamespace()+"/"+u.GetName()+" for "+strings.Join(auds, ","))
		out := u.DeepCopy()
		_ = unstructured.SetNestedField(out.Object, "tok-of-"+u.GetName(), "status", "token")
		return true, out, nil
	})

	refuse = true
	r := cmdtest.Run(t.Context(), f, "", "deadletter", "replay", "--all", "--to", "broker")
	if r.Code != 1 || !strings.Contains(r.Stderr, `error: replaying to broker "default" with Knative's OIDC authentication on needs a token of the store's serviceaccount "default": forbidden`) || len(auth) != 0 {
		t.Fatalf("replay without the right to make the token: %+v (the broker got %v)", r, auth)
	}
	refuse = false
	r = cmdtest.Run(t.Context(), f, "", "deadletter", "replay", "--all", "--to", "broker")
	if r.Code != 0 || len(asked) != 1 || asked[0] != "shop/default for "+audience || len(auth) != 1 || auth[0] != "Bearer tok-of-default" {
		t.Fatalf("replay to an OIDC broker: %+v; tokens asked %v; the broker got %v", r, asked, auth)
	}
	if strings.Contains(r.Stdout+r.Stderr, "tok-of-default") {
		t.Fatalf("the token was printed: %+v", r)
	}
}
