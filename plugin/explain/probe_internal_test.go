package explain

import (
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/adapter/deadletter"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/dlstore"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
)

// The probe's receiver Trigger has the real Trigger's filters and the mark,
// in the dialect Knative reads: spec.filters when the Trigger has them (its
// spec.filter kept, and ignored as on the Trigger), else spec.filter; the
// real Trigger is not changed.
func TestMarkedFilters(t *testing.T) {
	attrs := &knapi.TriggerFilter{Attributes: map[string]string{"type": "a"}}
	filter, filters := markedFilters(knapi.TriggerSpec{Filter: attrs}, "p1")
	if !reflect.DeepEqual(*filter, knapi.TriggerFilter{Attributes: map[string]string{"type": "a", ProbeExtension: "p1"}}) || filters != nil {
		t.Errorf("spec.filter: got %v %v", filter, filters)
	}
	if len(attrs.Attributes) != 1 {
		t.Errorf("the Trigger's own filter changed: %v", attrs.Attributes)
	}
	if filter, filters = markedFilters(knapi.TriggerSpec{}, "p2"); !reflect.DeepEqual(*filter, knapi.TriggerFilter{Attributes: map[string]string{ProbeExtension: "p2"}}) || filters != nil {
		t.Errorf("no filter: got %v %v", filter, filters)
	}
	own := []knapi.SubscriptionsAPIFilter{{CESQL: "region = 'eu'"}}
	filter, filters = markedFilters(knapi.TriggerSpec{Filter: attrs, Filters: own}, "p3")
	want := []knapi.SubscriptionsAPIFilter{{CESQL: "region = 'eu'"}, {Exact: map[string]string{ProbeExtension: "p3"}}}
	if filter != attrs || !reflect.DeepEqual(filters, want) || len(own) != 1 {
		t.Errorf("spec.filters: got %v %v", filter, filters)
	}
}

// The probe's look at the dead-letter store (a real store on 127.0.0.1):
// only its own event's dead letters, arrived since it was sent, each once
// however often the store is asked; and the lines that say so.
func TestProbeCollectsItsDeadLetters(t *testing.T) {
	store, err := deadletter.Open(t.TempDir(), 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	h := deadletter.NewHandlers(deadletter.Config{}, store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	intake, api := httptest.NewServer(h.Intake), httptest.NewServer(h.API)
	t.Cleanup(intake.Close)
	t.Cleanup(api.Close)
	post := func(id string) {
		req, _ := http.NewRequest(http.MethodPost, intake.URL, strings.NewReader(`{}`))
		for k, v := range map[string]string{"Ce-Specversion": "1.0", "Ce-Id": id, "Ce-Source": "s", "Ce-Type": "order.created",
			"Ce-Knativeerrordest": "http://sub.shop.svc/", "Ce-Knativeerrorcode": "500",
			"Ce-Knativeerrordata": base64.StdEncoding.EncodeToString([]byte("subscriber down")), "Content-Type": "application/json"} {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != http.StatusAccepted {
			t.Fatalf("storing %s: %v %v", id, resp, err)
		}
		resp.Body.Close()
	}
	t0 := time.Now()
	post("someone-else")
	post("the-probe")
	o := &Options{}
	c := dlstore.New(api.URL)
	var res ProbeResult
	res.DeadLetterStore = "watched"
	for range 3 {
		o.collectDeadLetters(t.Context(), c, "the-probe", t0, &res)
	}
	if len(res.DeadLetters) != 1 || res.DeadLetters[0].Code != 500 || res.DeadLetters[0].Destination != "http://sub.shop.svc/" || res.DeadLetters[0].Reason != "subscriber down" {
		t.Fatalf("the probe's dead letters: %+v", res.DeadLetters)
	}
	var b strings.Builder
	if err := printProbe(&b, res, 15*time.Second); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "(entry 2): http://sub.shop.svc/ answered 500: subscriber down\n") {
		t.Fatalf("printed:\n%s", b.String())
	}
	// A probe sent later sees none of the earlier ones.
	res = ProbeResult{DeadLetterStore: "watched"}
	o.collectDeadLetters(t.Context(), c, "the-probe", time.Now().Add(time.Minute), &res)
	b.Reset()
	if err := printProbe(&b, res, 15*time.Second); err != nil || len(res.DeadLetters) != 0 || !strings.Contains(b.String(), "dead-letter store: no dead letter of the probe within 15s\n") {
		t.Fatalf("a later probe: %+v\n%s", res, b.String())
	}
}
