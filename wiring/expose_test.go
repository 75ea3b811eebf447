package wiring

import (
	"bytes"
	"encoding/json"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
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
