package wiring

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/typed/typedfake"
)

// The Ingress expose builds is a networking.k8s.io/v1 Ingress field for
// field (decoded strictly: a misspelt field would be dropped by the API
// server, silently); the API server's own admission is the e2e tests'.
func TestExposeBuildsAStrictIngress(t *testing.T) {
	s := ExposeSpec{App: "shop", Namespace: "kyma-integration", Host: "shop.example.com", IngressClass: "web", TLSSecret: "tls"}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	ing, err := buildIngressObject(s)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(ing.Object)
	if err != nil {
		t.Fatal(err)
	}
	var got networkingv1.Ingress
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("not an Ingress: %v\n%s", err, b)
	}
	r := got.Spec.Rules[0]
	p := r.HTTP.Paths[0]
	if *got.Spec.IngressClassName != "web" || r.Host != "shop.example.com" || p.Path != "/shop" || *p.PathType != networkingv1.PathTypePrefix ||
		p.Backend.Service.Name != "shop-adapter" || p.Backend.Service.Port.Number != 80 || got.Spec.TLS[0].SecretName != "tls" || got.Spec.TLS[0].Hosts[0] != "shop.example.com" {
		t.Fatalf("the Ingress: %+v", got.Spec)
	}
	if got.Annotations[ExternalURLAnnotation] != "https://shop.example.com/shop/events" || got.Labels[AppLabel] != "shop" || got.Labels[ManagedByLabel] != ManagedByValue {
		t.Fatalf("its marks: %v %v", got.Labels, got.Annotations)
	}
}

// Whether an exposure has TLS is read from the Ingress's spec.tls, not its
// URL annotation: someone who drops spec.tls (kubectl edit) makes doctor and
// status say "without TLS", and the URL http.
func TestExposureTLSIsTheSpecs(t *testing.T) {
	s := ExposeSpec{App: "shop", Namespace: "kyma-integration", Host: "shop.example.com", IngressClass: "web", TLSSecret: "tls"}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	ing, err := buildIngressObject(s)
	if err != nil {
		t.Fatal(err)
	}
	if e := exposureOf(ing); !e.TLS || e.URL != "https://shop.example.com/shop/events" {
		t.Fatalf("as made: %+v", e)
	}
	edited := ing.DeepCopy()
	unstructured.RemoveNestedField(edited.Object, "spec", "tls")
	if e := exposureOf(edited); e.TLS || e.URL != "http://shop.example.com/shop/events" {
		t.Fatalf("spec.tls dropped: %+v", e)
	}
	other := ing.DeepCopy()
	if err := unstructured.SetNestedSlice(other.Object, []any{map[string]any{"hosts": []any{"other.example.com"}, "secretName": "tls"}}, "spec", "tls"); err != nil {
		t.Fatal(err)
	}
	if e := exposureOf(other); e.TLS {
		t.Fatalf("spec.tls for another host: %+v", e)
	}
	s.TLSSecret = ""
	plain, err := buildIngressObject(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := unstructured.SetNestedSlice(plain.Object, []any{map[string]any{"hosts": []any{"shop.example.com"}, "secretName": "tls"}}, "spec", "tls"); err != nil {
		t.Fatal(err)
	}
	if e := exposureOf(plain); !e.TLS || e.URL != "https://shop.example.com/shop/events" {
		t.Fatalf("spec.tls added by hand: %+v", e)
	}
}

// doctor reads what the Gateway controller wrote on the route, and the
// Gateway's listeners as they are now: a route its Gateway did not accept,
// a backend that does not resolve, a route no controller took, and an
// https URL whose HTTPS listener has gone are each named.
func TestExposureCheckReadsTheRouteAndGatewayAsTheyAreNow(t *testing.T) {
	now := time.Now()
	route := func(status map[string]any, age time.Duration) *unstructured.Unstructured {
		u := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
			"metadata": map[string]any{"name": "shop-adapter", "namespace": "kyma-integration",
				"creationTimestamp": now.Add(-age).UTC().Format(time.RFC3339), "generation": int64(2)},
		}}
		if status != nil {
			u.Object["status"] = status
		}
		return u
	}
	parent := func(typ, status, reason string) map[string]any {
		return map[string]any{"parents": []any{map[string]any{"parentRef": map[string]any{"name": "public"},
			"conditions": []any{map[string]any{"type": typ, "status": status, "reason": reason, "message": "says the controller"}}}}}
	}
	stale := func(st map[string]any, gen int64) map[string]any {
		st["parents"].([]any)[0].(map[string]any)["conditions"].([]any)[0].(map[string]any)["observedGeneration"] = gen
		return st
	}
	for _, c := range []struct {
		status map[string]any
		age    time.Duration
		want   string
	}{
		{parent("Accepted", "True", "Accepted"), time.Hour, ""},
		{parent("Accepted", "False", "NotAllowedByListeners"), time.Hour, "not accepted by its Gateway (NotAllowedByListeners: says the controller)"},
		{parent("ResolvedRefs", "False", "BackendNotFound"), time.Hour, "routing to a backend that does not resolve (BackendNotFound: says the controller)"},
		{nil, 10 * time.Second, ""},
		{nil, 10 * time.Minute, "not taken by any Gateway controller (no status.parents after 10m0s)"},
		// A refusal of the route's generation 1, which is at 2 now: stale.
		{stale(parent("Accepted", "False", "NotAllowedByListeners"), 1), time.Hour, ""},
		{stale(parent("Accepted", "False", "NotAllowedByListeners"), 2), time.Hour, "not accepted by its Gateway (NotAllowedByListeners: says the controller)"},
		// Not a map (a CRD without a schema): no verdict, no panic.
		{map[string]any{"parents": []any{"public"}}, time.Hour, ""},
	} {
		if got := routeDetached(route(c.status, c.age), now); got != c.want {
			t.Errorf("status %v, age %s: %q, want %q", c.status, c.age, got, c.want)
		}
	}

	// An exposure made with https, whose Gateway lost its HTTPS listener.
	gw := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
		"metadata": map[string]any{"name": "public", "namespace": "infra"},
		"spec": map[string]any{"listeners": []any{map[string]any{"name": "web", "protocol": "HTTP", "port": int64(80),
			"allowedRoutes": map[string]any{"namespaces": map[string]any{"from": "All"}}}}},
	}}
	dyn := typedfake.New()
	if _, err := dyn.Resource(GatewaysGVR).Namespace("infra").Create(t.Context(), gw, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	e := Exposure{Kind: "HTTPRoute", Name: "shop-adapter", URL: "https://shop.example.com/shop/events", TLS: true, Via: "gateway infra/public"}
	want := "whose Gateway infra/public no longer has an HTTPS listener for it (senders' https fails; expose it again for its http URL)"
	if got := exposureTarget(t.Context(), Mesh{Dynamic: dyn}, e, "kyma-integration"); got != want {
		t.Fatalf("%q, want %q", got, want)
	}
	e.TLS, e.URL = false, "http://shop.example.com/shop/events"
	if got := exposureTarget(t.Context(), Mesh{Dynamic: dyn}, e, "kyma-integration"); got != "" {
		t.Fatalf("an http exposure on the HTTP listener: %q", got)
	}
	e.URL = "http://shop.example.org/shop/events"
	gw.Object["spec"].(map[string]any)["listeners"].([]any)[0].(map[string]any)["hostname"] = "*.example.com"
	if _, err := dyn.Resource(GatewaysGVR).Namespace("infra").Update(t.Context(), gw, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := exposureTarget(t.Context(), Mesh{Dynamic: dyn}, e, "kyma-integration"); got != "whose Gateway infra/public no longer has a listener that admits it" {
		t.Fatalf("a host no listener takes: %q", got)
	}
}

// doctor re-checks an exposure against the cluster as it is now: another
// team's Ingress made since expose for a path under the exposure's (which
// takes its events and the senders' tokens), and a TLS Secret deleted since
// expose checked it, are each named; neither is when all is as made.
func TestExposureCheckNamesALaterClaimAndAGoneTLSSecret(t *testing.T) {
	s := ExposeSpec{App: "shop", Namespace: "kyma-integration", Host: "shop.example.com", IngressClass: "web", TLSSecret: "shop-tls"}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	ours, err := buildIngressObject(s)
	if err != nil {
		t.Fatal(err)
	}
	class := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass", "metadata": map[string]any{"name": "web"}}}
	secret := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
		"metadata": map[string]any{"name": "shop-tls", "namespace": "kyma-integration"}}}
	dyn := typedfake.New()
	for _, c := range []struct {
		gvr schema.GroupVersionResource
		u   *unstructured.Unstructured
	}{{IngressClassesGVR, class}, {secretsGVR, secret}, {IngressesGVR, ours}} {
		if _, err := dyn.Resource(c.gvr).Namespace(c.u.GetNamespace()).Create(t.Context(), c.u, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	m := Mesh{Dynamic: dyn}
	check := func() Check {
		t.Helper()
		c, ok := exposureCheck(t.Context(), m, "kyma-integration")
		if !ok {
			t.Fatal("no exposure line")
		}
		return c
	}
	if c := check(); strings.Contains(c.Detail, "another route") || strings.Contains(c.Detail, "is gone") {
		t.Fatalf("as made: %+v", c)
	}
	theirs := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
		"metadata": map[string]any{"name": "grab", "namespace": "other-team"},
		"spec": map[string]any{"ingressClassName": "web", "rules": []any{map[string]any{"host": "shop.example.com",
			"http": map[string]any{"paths": []any{map[string]any{"path": "/shop/events", "pathType": "Exact"}}}}}}}}
	if _, err := dyn.Resource(IngressesGVR).Namespace("other-team").Create(t.Context(), theirs, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := dyn.Resource(secretsGVR).Namespace("kyma-integration").Delete(t.Context(), "shop-tls", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	c := check()
	for _, want := range []string{
		`whose TLS Secret "shop-tls" is gone`,
		"whose traffic another route may take: ingress other-team/grab already routes shop.example.com/shop/events (IngressClass web), under this exposure's /shop",
	} {
		if c.Result != Warn || !strings.Contains(c.Detail, want) {
			t.Errorf("doctor's exposure line %+v\nwants %q", c, want)
		}
	}
}
