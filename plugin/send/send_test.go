package send_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
)

func TestSendDryRunPrintsTheEvent(t *testing.T) {
	f := cmdtest.NewFactory("demo")
	f.NoCluster = true
	cmdtest.ExpectIn(t, f, `{"order":7}`, "send --to app:shop --type order.created --id o-7 --time 2026-01-02T03:04:05Z --ext region=eu --data - --dry-run", 0,
		"Ce-Id: o-7\nCe-Region: eu\nCe-Source: /kubectl-kymamesh/send\nCe-Specversion: 1.0\nCe-Time: 2026-01-02T03:04:05Z\nCe-Type: order.created\n"+
			"Content-Type: application/json\n\n{\"order\":7}\n", "")
	cmdtest.Expect(t, f, "send --type t --id x --time 2026-01-02T03:04:05Z --mode structured --source /me --data {\"a\":1} --dry-run=client", 0,
		"{\n  \"specversion\": \"1.0\",\n  \"id\": \"x\",\n  \"source\": \"/me\",\n  \"type\": \"t\",\n  \"datacontenttype\": \"application/json\",\n"+
			"  \"time\": \"2026-01-02T03:04:05Z\",\n  \"data\": {\n    \"a\": 1\n  }\n}\n", "")
}

// A URL target needs no cluster: send goes straight to the loopback receiver.
func TestSendToURL(t *testing.T) {
	var mu sync.Mutex // the load cases deliver concurrently
	var got []http.Header
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		got = append(got, r.Header.Clone())
		mu.Unlock()
		if r.Header.Get("Ce-Type") == "refused" {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, "no thanks")
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer rc.Close()
	f := cmdtest.NewFactory("demo")
	f.NoCluster = true
	cmdtest.Expect(t, f, "send --to "+rc.URL+" --type ok --id e1", 0, "", "event e1 accepted by "+rc.URL+" (HTTP 202)\n")
	cmdtest.Expect(t, f, "send --to "+rc.URL+" --type ok --id e2 -o json", 0, `{"id":"e2","target":"`+rc.URL+`","statusCode":202,"ack":true}`+"\n", "")
	cmdtest.Expect(t, f, "send --to "+rc.URL+" --type ok --id e2y -o yaml", 0, "ack: true\nid: e2y\nstatusCode: 202\ntarget: "+rc.URL+"\n", "")
	cmdtest.Expect(t, f, "send --to "+rc.URL+" --type refused --id e3", 1, "",
		"error: event e3 was not acknowledged by "+rc.URL+": HTTP 400 no thanks\n")
	out := cmdtest.Run(t.Context(), f, "", "send", "--to", rc.URL, "--type", "ok", "--count", "50", "--concurrency", "5", "-o", "json")
	var sum struct{ Sent, Acknowledged, Failed int }
	if err := json.Unmarshal([]byte(out.Stdout), &sum); err != nil || out.Code != 0 || sum.Sent != 50 || sum.Acknowledged != 50 {
		t.Fatalf("load -o json: %v %+v", err, out)
	}
	if !strings.HasPrefix(out.Stderr, "sent 50, acknowledged 50, failed 0 in ") {
		t.Fatalf("load summary on stderr: %q", out.Stderr)
	}
	out = cmdtest.Run(t.Context(), f, "", "send", "--to", rc.URL, "--type", "refused", "--count", "4")
	if out.Code != 1 || !strings.Contains(out.Stderr, "failed with 400 Bad Request: 4") || !strings.Contains(out.Stderr, "error: 4 of 4 events were not acknowledged") {
		t.Fatalf("failed load: %+v", out)
	}
	results := filepath.Join(t.TempDir(), "results.jsonl")
	out = cmdtest.Run(t.Context(), f, "", "send", "--to", rc.URL, "--type", "ok", "--id", "r", "--count", "3", "--results", results)
	lines, _ := os.ReadFile(results)
	for i, l := range strings.Split(strings.TrimSpace(string(lines)), "\n") {
		var r struct {
			ID     string
			Status int
		}
		if err := json.Unmarshal([]byte(l), &r); err != nil || r.ID != fmt.Sprint("r-", i) || r.Status != 202 || out.Code != 0 {
			t.Fatalf("--results line %d %q: %v (%+v)", i, l, err, out)
		}
	}
	cmdtest.Expect(t, f, "send --to "+rc.URL+" --type ok --id s --results /nonexistent/dir/r.jsonl", 2, "",
		"error: --results: /nonexistent/dir/r.jsonl: its directory /nonexistent/dir does not exist\n")
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 61 {
		t.Fatalf("receiver got %d requests, want 61", len(got))
	}
}

// send's default path, port-forward, takes every client from the factory: the
// target's address (dynamic), the Service and a ready pod behind it (core,
// discovery), then the forward itself, which needs the REST config the test
// factory does not have.
func TestSendPortForwardPathThroughTheFactory(t *testing.T) {
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "shop-adapter", Namespace: "kyma-integration"},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http")}}}}
	ready := true
	name, port := "http", int32(8080)
	slice := &discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{Name: "shop-adapter-x", Namespace: "kyma-integration",
		Labels: map[string]string{discoveryv1.LabelServiceName: "shop-adapter"}},
		Ports:     []discoveryv1.EndpointPort{{Name: &name, Port: &port}},
		Endpoints: []discoveryv1.Endpoint{{Conditions: discoveryv1.EndpointConditions{Ready: &ready}, TargetRef: &corev1.ObjectReference{Kind: "Pod", Name: "shop-adapter-7f9"}}}}
	f := cmdtest.NewFactory("demo", svc, slice)
	cmdtest.Expect(t, f, "send --to app:shop --type t", 1, "",
		"error: port-forward to pod kyma-integration/shop-adapter-7f9 port 8080: no cluster: this command should not have needed one\n")
}

// send's client dry run honours -o: the event in the JSON event format.
func TestSendDryRunHonoursOutput(t *testing.T) {
	f := cmdtest.NewFactory("demo")
	f.NoCluster = true
	cmdtest.Expect(t, f, "send --to app:shop --type t --id 1 --time 2026-01-01T00:00:00Z --data {\"a\":1} --dry-run=client -o json", 0,
		`{"specversion":"1.0","id":"1","source":"/kubectl-kymamesh/send","type":"t","datacontenttype":"application/json","time":"2026-01-01T00:00:00Z","data":{"a":1}}`+"\n", "")
}
