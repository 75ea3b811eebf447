package adapter

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// FuzzDecode throws arbitrary bodies, content types and specversions at the
// handler's request decoding: it must answer with one of its documented codes
// and never panic. The sink is a real loopback server that accepts.
func FuzzDecode(f *testing.F) {
	f.Add("application/json", "1.0", `{"a":1}`)
	f.Add("application/cloudevents+json", "", `{"specversion":"1.0","id":"1","type":"t","source":"/s","data":{"x":[1,2]}}`)
	f.Add("application/cloudevents+json", "", `{"specversion":"1.0","id":"","type":"t","source":"/s","data_base64":"AAEC"}`)
	f.Add("application/cloudevents-batch+json", "", `[{}]`)
	f.Add("text/plain", "0.3", "x")
	f.Add("application/cloudevents+json; charset=utf-8", "", `{"specversion":"1.0","id":"1","type":"t","source":"%%","time":"not a time"}`)
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer sink.Close()
	h := NewHandler(Config{Source: "app", Sink: sink.URL, MaxBodyBytes: 4096, SinkTimeout: 2 * time.Second},
		NewSinkClient(2*time.Second), NewMetrics(), slog.New(slog.NewJSONHandler(io.Discard, nil)))
	allowed := map[int]bool{202: true, 400: true, 413: true, 415: true}
	f.Fuzz(func(t *testing.T, contentType, specversion, body string) {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		if specversion != "" {
			req.Header.Set("Ce-Specversion", specversion)
			req.Header.Set("Ce-Id", "1")
			req.Header.Set("Ce-Type", "t")
			req.Header.Set("Ce-Source", "/s")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if !allowed[rec.Code] {
			t.Fatalf("unexpected status %d for content-type %q specversion %q body %q: %s", rec.Code, contentType, specversion, body, rec.Body.String())
		}
	})
}
