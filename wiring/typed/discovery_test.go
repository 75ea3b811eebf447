package typed_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/rest"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/typed"
)

// doctor's two discovery questions as plain GETs over real HTTP: the
// version, a group version's resources, and NotFound for one not served.
func TestDiscoveryOverHTTP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/version":
			_, _ = w.Write([]byte(`{"major":"1","minor":"32","gitVersion":"v1.32.2"}`))
		case "/api":
			_, _ = w.Write([]byte(`{"kind":"APIVersions","versions":["v1"]}`))
		case "/apis":
			_, _ = w.Write([]byte(`{"kind":"APIGroupList","groups":[{"name":"eventing.knative.dev","versions":[{"groupVersion":"eventing.knative.dev/v1","version":"v1"}],"preferredVersion":{"groupVersion":"eventing.knative.dev/v1","version":"v1"}}]}`))
		case "/apis/eventing.knative.dev/v1":
			_, _ = w.Write([]byte(`{"kind":"APIResourceList","groupVersion":"eventing.knative.dev/v1","resources":[{"name":"brokers","namespaced":true,"kind":"Broker","verbs":["get"]}]}`))
		default:
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}`))
		}
	}))
	defer srv.Close()
	d, err := typed.NewDiscovery(&rest.Config{Host: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := d.ServerVersion(); err != nil || v.GitVersion != "v1.32.2" {
		t.Fatalf("version: %+v %v", v, err)
	}
	if l, err := d.ServerResourcesForGroupVersion("eventing.knative.dev/v1"); err != nil || len(l.APIResources) != 1 || l.APIResources[0].Name != "brokers" {
		t.Fatalf("resources: %+v %v", l, err)
	}
	g, err := d.ServerGroups()
	if err != nil || len(g.Groups) != 2 || g.Groups[0].PreferredVersion.GroupVersion != "v1" || g.Groups[1].PreferredVersion.GroupVersion != "eventing.knative.dev/v1" {
		t.Fatalf("groups: want the core group first, then eventing: %+v %v", g, err)
	}
	if _, err := d.ServerResourcesForGroupVersion("sources.knative.dev/v1"); !apierrors.IsNotFound(err) {
		t.Fatalf("a group version not served: want NotFound, got %v", err)
	}
}

// A discovery bound to a context stops when it ends, also in a TLS
// handshake that never completes (a listener on 127.0.0.1 that accepts and
// stays silent): Ctrl-C must not wait for client-go's handshake timeout.
func TestDiscoveryWithContextEndsAHungHandshake(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	d, err := typed.NewDiscovery(&rest.Config{Host: "https://" + ln.Addr().String(), TLSClientConfig: rest.TLSClientConfig{Insecure: true}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = typed.WithContext(ctx, d).ServerVersion()
	if took := time.Since(start); took > 5*time.Second || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("ServerVersion returned %v after %s", err, took)
	}
}
