package adapter

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Kyma's events API (the Event Service of Kyma 1.x, kept by its Event
// Publisher Proxy as the "legacy" API), taken with LEGACY_EVENTS=true so that
// applications written for it keep working unchanged: POST /v1/events or
// /APP/v1/events with
//
//	{"event-type": "order.created", "event-type-version": "v1",
//	 "event-id": "UUID (optional)", "event-time": "RFC 3339", "data": ...}
//
// validated as Kyma validated it, answered 200 {"event-id": ID} once the sink
// took the event, or with Kyma's error document. The event goes on as the
// CloudEvent Kyma's mesh made of it: id = event-id (a new UUID when absent),
// type = event-type, source = the application, time = event-time, data as
// given (application/json) and the extension eventtypeversion.

// legacyRequest is Kyma's publish request; fields are kept raw to tell a
// missing field from an empty one and to pass data on byte for byte.
type legacyRequest struct {
	EventType        *string         `json:"event-type"`
	EventTypeVersion *string         `json:"event-type-version"`
	EventID          *string         `json:"event-id"`
	EventTime        *string         `json:"event-time"`
	Data             json.RawMessage `json:"data"`
}

// legacyError is Kyma's error document, and legacyDetail one field's problem.
type legacyError struct {
	Status   int            `json:"status"`
	Type     string         `json:"type,omitempty"`
	Message  string         `json:"message"`
	MoreInfo string         `json:"moreInfo,omitempty"`
	Details  []legacyDetail `json:"details,omitempty"`
}

type legacyDetail struct {
	Field   string `json:"field"`
	Type    string `json:"type"`
	Message string `json:"message"`
}

// Kyma's limits and patterns: an event type is made of letters and digits
// in parts joined by one '.', '_' or '-', starting with a letter (as a host
// name is), at most 253 characters; a version is 1 to 4 letters and digits;
// an event id, when given, a UUID.
const (
	maxLegacyEventType        = 253
	maxLegacyEventTypeVersion = 4
)

var (
	legacyEventType        = regexp.MustCompile(`^[a-zA-Z]+([_\-.]?[a-zA-Z0-9]+)*$`)
	legacyEventTypeVersion = regexp.MustCompile(`^[a-zA-Z0-9]+$`)
	legacyEventID          = regexp.MustCompile(`^[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{12}$`)
)

// legacyPath says whether path is the legacy API's: /v1/events, or
// /APP/v1/events for this adapter's application.
func (h *Handler) legacyPath(path string) bool {
	if path == "/v1/events" {
		return true
	}
	app, ok := strings.CutSuffix(path, "/v1/events")
	return ok && app == "/"+h.cfg.Source
}

// legacyFail answers in Kyma's error document; it counts as fail does.
func (h *Handler) legacyFail(w http.ResponseWriter, code int, reason, msg string) {
	typ := map[int]string{http.StatusBadRequest: "bad_payload_syntax", http.StatusRequestEntityTooLarge: "request_body_too_large",
		http.StatusUnauthorized: "unauthorized"}[code]
	h.legacyAnswer(w, code, reason, legacyError{Status: code, Type: typ, Message: msg})
}

func (h *Handler) legacyAnswer(w http.ResponseWriter, code int, reason string, body legacyError) {
	h.metrics.reject(reason)
	h.metrics.respond(code)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(body)
}

// legacyField answers one field's problem: missing or invalid.
func (h *Handler) legacyField(w http.ResponseWriter, field string, missing bool) {
	typ, msg := "invalid_field", "Invalid field"
	if missing {
		typ, msg = "missing_field", "Missing field"
	}
	h.legacyAnswer(w, http.StatusBadRequest, "invalid", legacyError{Status: http.StatusBadRequest, Type: "validation_violation",
		Message: msg, Details: []legacyDetail{{Field: field, Type: typ, Message: msg}}})
}

// serveLegacy takes one event of Kyma's API: the same limits, credentials
// and acknowledgement as a CloudEvent (200 only once the sink took it).
func (h *Handler) serveLegacy(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.legacyFail(w, http.StatusMethodNotAllowed, "method", "use POST")
		return
	}
	h.metrics.received.Add(1)
	if !h.authorized(w, r, h.legacyFail) {
		return
	}
	if n := h.inFlight.Add(1); n > int64(h.cfg.MaxInFlight) {
		h.inFlight.Add(-1)
		h.busyWith(w, h.legacyFail)
		return
	}
	defer h.inFlight.Add(-1)
	if r.ContentLength > h.cfg.MaxBodyBytes {
		h.legacyFail(w, http.StatusRequestEntityTooLarge, "too_large", "Request body too large")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, h.cfg.MaxBodyBytes)
	body, ok := h.readBodyWith(w, r, h.legacyFail)
	if !ok {
		return
	}
	defer h.release(body)
	ev, done := h.legacyEvent(w, r, *body.buf)
	if done {
		return
	}
	o := h.forward(r.Context(), ev)
	if o.code != http.StatusAccepted {
		passRetryAfter(w, o.code, o.retryAfter)
		h.legacyFail(w, o.code, o.reason, o.msg)
		return
	}
	h.metrics.respond(http.StatusOK)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(map[string]string{"event-id": ev.header.Get("Ce-Id")})
}

// legacyEvent validates a request body as Kyma did and makes the CloudEvent
// of it; done means it answered the request itself.
func (h *Handler) legacyEvent(w http.ResponseWriter, r *http.Request, body []byte) (*outEvent, bool) {
	var req legacyRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&req); err != nil || dec.More() {
		more := "the body is not one JSON object"
		if err != nil {
			more = err.Error()
		}
		h.legacyAnswer(w, http.StatusBadRequest, "invalid", legacyError{Status: http.StatusBadRequest, Type: "bad_payload_syntax",
			Message: "Bad payload syntax", MoreInfo: more})
		return nil, true
	}
	data := bytes.TrimSpace(req.Data)
	switch {
	case req.EventType == nil || *req.EventType == "":
		h.legacyField(w, "event-type", true)
	case req.EventTypeVersion == nil || *req.EventTypeVersion == "":
		h.legacyField(w, "event-type-version", true)
	case req.EventTime == nil || *req.EventTime == "":
		h.legacyField(w, "event-time", true)
	case len(data) == 0 || string(data) == "null" || string(data) == `""`:
		h.legacyField(w, "data", true)
	case len(*req.EventType) > maxLegacyEventType || !legacyEventType.MatchString(*req.EventType):
		h.legacyField(w, "event-type", false)
	case len(*req.EventTypeVersion) > maxLegacyEventTypeVersion || !legacyEventTypeVersion.MatchString(*req.EventTypeVersion):
		h.legacyField(w, "event-type-version", false)
	case req.EventID != nil && *req.EventID != "" && !legacyEventID.MatchString(*req.EventID):
		h.legacyField(w, "event-id", false)
	default:
		t, err := time.Parse(time.RFC3339, *req.EventTime)
		if err != nil {
			h.legacyField(w, "event-time", false)
			return nil, true
		}
		id := uuid.NewString()
		if req.EventID != nil && *req.EventID != "" {
			id = *req.EventID
		}
		hdr := http.Header{"Ce-Specversion": {"1.0"}, "Ce-Id": {id}, "Ce-Type": {*req.EventType},
			"Ce-Time": {t.UTC().Format(time.RFC3339Nano)}, "Ce-Eventtypeversion": {*req.EventTypeVersion},
			"Content-Type": {"application/json"}}
		for _, k := range []string{"Traceparent", "Tracestate"} {
			if v := r.Header.Values(k); v != nil {
				hdr[k] = v
			}
		}
		return &outEvent{header: hdr, source: h.cfg.Source, body: data}, false
	}
	return nil, true
}
