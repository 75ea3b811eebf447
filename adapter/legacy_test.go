package adapter

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/binding"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
	"github.com/google/uuid"
)

func legacyOn(c *Config) { c.LegacyEvents = true }

func jsonHeader() http.Header { return http.Header{"Content-Type": {"application/json"}} }

// A Kyma event is answered 200 {"event-id"} once the sink took it, and the
// sink reads (with the SDK, as a Channel does) the CloudEvent Kyma's mesh
// made of it.
func TestLegacyEventBecomesKymasCloudEvent(t *testing.T) {
	s := newSink(t, http.StatusAccepted)
	a, _ := adapterFor(t, s.URL, legacyOn)
	for i, tc := range []struct{ path, body, id string }{
		{"/shop/v1/events", `{"event-type":"order.created","event-type-version":"v1","event-id":"8954ad1c-78ed-4c58-a639-68bd44031de0","event-time":"2020-04-02T21:37:00+02:00","data":{"id":1}}`, "8954ad1c-78ed-4c58-a639-68bd44031de0"},
		{"/v1/events", `{"event-type":"order.created","event-type-version":"v1","event-time":"2020-04-02T19:37:00Z","data":"text"}`, ""},
	} {
		resp, body := post(t, a.URL+tc.path, jsonHeader(), tc.body)
		var ok map[string]string
		if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &ok) != nil || ok["event-id"] == "" {
			t.Fatalf("%s: got %d %s, want 200 {\"event-id\": ...}", tc.path, resp.StatusCode, body)
		}
		if tc.id != "" && ok["event-id"] != tc.id {
			t.Errorf("event-id %q, want the sender's %q", ok["event-id"], tc.id)
		}
		if _, err := uuid.Parse(ok["event-id"]); err != nil {
			t.Errorf("event-id %q is not a UUID", ok["event-id"])
		}
		r := s.got[i]
		msg := cehttp.NewMessage(r.Header, readerOf(s.body[i]))
		ev, err := binding.ToEvent(context.Background(), msg)
		if err != nil {
			t.Fatalf("the sink cannot read the event: %v", err)
		}
		want, _ := time.Parse(time.RFC3339, "2020-04-02T19:37:00Z")
		if ev.ID() != ok["event-id"] || ev.Type() != "order.created" || ev.Source() != "shop" || !ev.Time().Equal(want) ||
			ev.DataContentType() != "application/json" || ev.Extensions()["eventtypeversion"] != "v1" {
			t.Errorf("the sink read %s", ev)
		}
		wantData := map[int]string{0: `{"id":1}`, 1: `"text"`}[i]
		if string(ev.Data()) != wantData {
			t.Errorf("data %s, want %s", ev.Data(), wantData)
		}
	}
}

// Kyma's validation, and Kyma's error document for each refusal; nothing
// refused reaches the sink.
func TestLegacyEventValidation(t *testing.T) {
	s := newSink(t, http.StatusAccepted)
	a, _ := adapterFor(t, s.URL, legacyOn)
	full := map[string]any{"event-type": "order.created", "event-type-version": "v1", "event-time": "2020-04-02T21:37:00Z", "data": map[string]int{"id": 1}}
	with := func(k string, v any) string {
		m := map[string]any{}
		for k, v := range full {
			m[k] = v
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		b, _ := json.Marshal(m)
		return string(b)
	}
	for _, tc := range []struct {
		name, body, typ, field, detail string
		code                           int
	}{
		{"not JSON", `{"event-type":`, "bad_payload_syntax", "", "", 400},
		{"two documents", with("x", 1) + "{}", "bad_payload_syntax", "", "", 400},
		{"event-type of the wrong JSON type", with("event-type", 7), "bad_payload_syntax", "", "", 400},
		{"no event-type", with("event-type", nil), "validation_violation", "event-type", "missing_field", 400},
		{"empty event-type", with("event-type", ""), "validation_violation", "event-type", "missing_field", 400},
		{"no event-type-version", with("event-type-version", nil), "validation_violation", "event-type-version", "missing_field", 400},
		{"no event-time", with("event-time", nil), "validation_violation", "event-time", "missing_field", 400},
		{"no data", with("data", nil), "validation_violation", "data", "missing_field", 400},
		{"null data", strings.Replace(with("x", 1), `"data":{"id":1}`, `"data":null`, 1), "validation_violation", "data", "missing_field", 400},
		{"empty string data", with("data", ""), "validation_violation", "data", "missing_field", 400},
		{"event-type with a space", with("event-type", "order created"), "validation_violation", "event-type", "invalid_field", 400},
		{"event-type starting with a digit", with("event-type", "1order"), "validation_violation", "event-type", "invalid_field", 400},
		{"event-type with two dots in a row", with("event-type", "order..created"), "validation_violation", "event-type", "invalid_field", 400},
		{"event-type of 254 characters", with("event-type", "o"+strings.Repeat("a", 253)), "validation_violation", "event-type", "invalid_field", 400},
		{"event-type-version of 5 characters", with("event-type-version", "v1234"), "validation_violation", "event-type-version", "invalid_field", 400},
		{"event-type-version with a dot", with("event-type-version", "v1.0"), "validation_violation", "event-type-version", "invalid_field", 400},
		{"event-time not RFC 3339", with("event-time", "2020-04-02 21:37"), "validation_violation", "event-time", "invalid_field", 400},
		{"event-id not a UUID", with("event-id", "order-1"), "validation_violation", "event-id", "invalid_field", 400},
		{"larger than the adapter takes", with("data", strings.Repeat("x", 2000)), "request_body_too_large", "", "", 413},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := post(t, a.URL+"/shop/v1/events", jsonHeader(), tc.body)
			var e legacyError
			if err := json.Unmarshal([]byte(body), &e); err != nil || resp.StatusCode != tc.code || e.Status != tc.code || e.Type != tc.typ || e.Message == "" {
				t.Fatalf("got %d %s, want %d with type %s", resp.StatusCode, body, tc.code, tc.typ)
			}
			if tc.field != "" && (len(e.Details) != 1 || e.Details[0].Field != tc.field || e.Details[0].Type != tc.detail) {
				t.Fatalf("details %+v, want field %s (%s)", e.Details, tc.field, tc.detail)
			}
		})
	}
	// The longest valid values pass.
	if resp, body := post(t, a.URL+"/shop/v1/events", jsonHeader(), with("event-type", "o"+strings.Repeat("a", 252))); resp.StatusCode != http.StatusOK {
		t.Fatalf("an event-type of 253 characters: %d %s", resp.StatusCode, body)
	}
	if resp, body := post(t, a.URL+"/shop/v1/events", jsonHeader(), with("event-type-version", "V1a2")); resp.StatusCode != http.StatusOK {
		t.Fatalf("an event-type-version of 4 characters: %d %s", resp.StatusCode, body)
	}
	if n := s.requests(); n != 2 {
		t.Fatalf("the sink got %d events, want only the 2 valid ones", n)
	}
}

// The legacy API is acknowledged only once the sink took the event, needs the
// application's token as CloudEvents do (401 in Kyma's shape), exists only
// when asked for, and only on the application's own path.
func TestLegacyEventAnswers(t *testing.T) {
	body := `{"event-type":"order.created","event-type-version":"v1","event-time":"2020-04-02T21:37:00Z","data":{}}`
	failing := newSink(t, http.StatusInternalServerError)
	a, _ := adapterFor(t, failing.URL, legacyOn)
	if resp, b := post(t, a.URL+"/v1/events", jsonHeader(), body); resp.StatusCode != http.StatusBadGateway || !strings.Contains(b, `"status":502`) {
		t.Fatalf("sink failing: %d %s, want 502 in Kyma's shape", resp.StatusCode, b)
	}
	s := newSink(t, http.StatusAccepted)
	for path, want := range map[string]int{"/other/v1/events": 404, "/shop/v2/events": 404, "/shop/v1/events/x": 404} {
		a, _ := adapterFor(t, s.URL, legacyOn)
		if resp, _ := post(t, a.URL+path, jsonHeader(), body); resp.StatusCode != want {
			t.Errorf("%s: %d, want %d", path, resp.StatusCode, want)
		}
	}
	off, _ := adapterFor(t, s.URL)
	if resp, _ := post(t, off.URL+"/shop/v1/events", jsonHeader(), body); resp.StatusCode != http.StatusNotFound {
		t.Errorf("without LEGACY_EVENTS: %d, want 404", resp.StatusCode)
	}
	dir := t.TempDir()
	files, toks := secretFiles(t, map[string]*time.Time{"a1": nil})
	mountSecret(t, dir, files)
	url, _, _ := credentialsAdapter(t, s.URL, dir, legacyOn)
	resp, b := post(t, url+"shop/v1/events", jsonHeader(), body)
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" || !strings.Contains(b, `"type":"unauthorized"`) {
		t.Fatalf("without a token: %d %s", resp.StatusCode, b)
	}
	if resp, b := post(t, url+"shop/v1/events", withHeader(jsonHeader(), "Authorization", "Bearer "+toks["a1"]), body); resp.StatusCode != http.StatusOK {
		t.Fatalf("with the token: %d %s", resp.StatusCode, b)
	}
	if n := s.requests(); n != 1 {
		t.Fatalf("the sink got %d events, want 1", n)
	}
}

func readerOf(s string) io.ReadCloser { return io.NopCloser(strings.NewReader(s)) }

// The credentials folder, its polling and the legacy API come from the
// environment; a value that is none of them stops the adapter at start.
func TestCredentialsAndLegacyConfig(t *testing.T) {
	env := func(kv map[string]string) func(string) string {
		return func(k string) string {
			if k == "EVENT_SOURCE" {
				return "shop"
			}
			return kv[k]
		}
	}
	c, err := ConfigFromEnv(env(nil))
	if err != nil || c.CredentialsDir != DefaultCredentialsDir || c.CredentialsPoll != defaultCredentialsPoll || c.LegacyEvents {
		t.Fatalf("defaults: %+v %v", c, err)
	}
	c, err = ConfigFromEnv(env(map[string]string{"CREDENTIALS_DIR": "/creds", "CREDENTIALS_POLL": "500ms", "LEGACY_EVENTS": "true"}))
	if err != nil || c.CredentialsDir != "/creds" || c.CredentialsPoll != 500*time.Millisecond || !c.LegacyEvents {
		t.Fatalf("set: %+v %v", c, err)
	}
	for k, v := range map[string]string{"LEGACY_EVENTS": "yes", "CREDENTIALS_POLL": "0s"} {
		if _, err := ConfigFromEnv(env(map[string]string{k: v})); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%s: %v, want an error naming it", k, v, err)
		}
	}
}
