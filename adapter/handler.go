package adapter

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cloudevents/sdk-go/v2/binding"
	"github.com/cloudevents/sdk-go/v2/binding/format"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
)

// Handler receives CloudEvents on POST / and forwards them to the sink.
type Handler struct {
	cfg     Config
	client  *http.Client
	pool    *sinkPool // nil: the sink is reached through client
	metrics *Metrics
	log     *slog.Logger
	// bodies recycles request bodies: a body is needed only until the sink answered.
	bodies sync.Pool
}

// NewHandler builds a Handler. client should keep connections to the sink alive
// (see NewSinkClient).
func NewHandler(cfg Config, client *http.Client, m *Metrics, log *slog.Logger) *Handler {
	return &Handler{cfg: cfg, client: client, pool: newSinkPool(cfg.Sink, cfg.SinkTimeout, http.ProxyFromEnvironment), metrics: m, log: log,
		bodies: sync.Pool{New: func() any { return new(bytes.Buffer) }}}
}

// NewSinkClient returns the HTTP client for the sink: one keep-alive pool sized
// for many concurrent forwards to a single host, honouring HTTP(S)_PROXY.
func NewSinkClient(timeout time.Duration) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 1000
	t.MaxIdleConnsPerHost = 1000
	t.IdleConnTimeout = 90 * time.Second
	return &http.Client{Transport: t, Timeout: timeout}
}

// errorBody is the short JSON body of every error answer.
type errorBody struct {
	Error string `json:"error"`
}

func (h *Handler) fail(w http.ResponseWriter, code int, reason, msg string) {
	h.metrics.reject(reason)
	h.metrics.respond(code)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(errorBody{Error: msg})
}

// ServeHTTP implements the adapter's contract: 202 only once the sink accepted
// the event; 4xx for the sender's mistakes (and the sink's 4xx, passed on);
// 502/503 when the sink fails, without its details.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		h.fail(w, http.StatusNotFound, "not_found", "events are accepted on / only")
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.fail(w, http.StatusMethodNotAllowed, "method", "use POST")
		return
	}
	h.metrics.received.Add(1)
	if r.ContentLength > h.cfg.MaxBodyBytes {
		h.fail(w, http.StatusRequestEntityTooLarge, "too_large", "the event is larger than the adapter accepts")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, h.cfg.MaxBodyBytes)
	sv := r.Header.Get("Ce-Specversion")
	if sv != "" && sv != "1.0" {
		h.fail(w, http.StatusBadRequest, "specversion", "only CloudEvents specversion 1.0 is accepted")
		return
	}
	// The content mode, decided as the SDK does: a known event format in
	// Content-Type is structured mode, otherwise Ce-Specversion makes it binary.
	switch f := format.Lookup(r.Header.Get("Content-Type")); {
	case f == nil && sv != "":
		h.passBinary(w, r)
	case f != nil && f != format.JSONBatch:
		h.passStructured(w, r)
	default:
		h.fail(w, http.StatusUnsupportedMediaType, "content_mode", "send a binary-mode or structured-mode (application/cloudevents+json) CloudEvent")
	}
}

// passBinary forwards a binary-mode event without decoding it into an SDK
// event: its attributes are checked where they are, in the headers, and sent
// on with the source replaced (measured faster, see docs/benchmarks.md).
func (h *Handler) passBinary(w http.ResponseWriter, r *http.Request) {
	if problem := checkBinaryHeaders(r.Header); problem != "" {
		h.fail(w, http.StatusBadRequest, "invalid", "not a valid CloudEvent: "+problem)
		return
	}
	buf := h.bodies.Get().(*bytes.Buffer)
	defer h.release(buf)
	if !h.readBody(w, r, buf) {
		return
	}
	h.deliver(r.Context(), w, &outEvent{header: r.Header, source: h.cfg.Source, body: buf.Bytes()})
}

// passStructured decodes a structured-mode event, replaces its source and
// forwards it in binary mode.
func (h *Handler) passStructured(w http.ResponseWriter, r *http.Request) {
	ev, err := binding.ToEvent(r.Context(), cehttp.NewMessageFromHttpRequest(r))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		h.fail(w, http.StatusRequestEntityTooLarge, "too_large", "the event is larger than the adapter accepts")
		return
	case err != nil:
		h.fail(w, http.StatusBadRequest, "invalid", "not a valid CloudEvent: "+err.Error())
		return
	case ev.SpecVersion() != "1.0":
		h.fail(w, http.StatusBadRequest, "specversion", "only CloudEvents specversion 1.0 is accepted")
		return
	}
	ev.SetSource(h.cfg.Source)
	if err := ev.Validate(); err != nil {
		h.fail(w, http.StatusBadRequest, "invalid", "not a valid CloudEvent: "+err.Error())
		return
	}
	// The SDK writes the event as a binary-mode request; its headers and body
	// become the outgoing event.
	req := &http.Request{Header: http.Header{}}
	if err := cehttp.WriteRequest(r.Context(), binding.ToMessage(ev), req); err != nil {
		h.fail(w, http.StatusInternalServerError, "encode", "the event could not be encoded")
		return
	}
	for _, k := range []string{"Traceparent", "Tracestate"} {
		if v := r.Header.Values(k); v != nil {
			req.Header[k] = v
		}
	}
	var body []byte
	if req.Body != nil {
		if body, err = io.ReadAll(req.Body); err != nil {
			h.fail(w, http.StatusInternalServerError, "encode", "the event could not be encoded")
			return
		}
	}
	h.deliver(r.Context(), w, &outEvent{header: req.Header, source: h.cfg.Source, body: body})
}

// readBody reads the request body into buf, answering 413 or 400 itself when
// it cannot.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request, buf *bytes.Buffer) bool {
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength))
	}
	_, err := buf.ReadFrom(r.Body)
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		h.fail(w, http.StatusRequestEntityTooLarge, "too_large", "the event is larger than the adapter accepts")
		return false
	case err != nil:
		h.fail(w, http.StatusBadRequest, "invalid", "the body could not be read")
		return false
	}
	return true
}

// release returns a body buffer to the pool; large ones are dropped so that
// one big event does not stay in memory.
func (h *Handler) release(buf *bytes.Buffer) {
	if buf.Cap() <= 64<<10 {
		buf.Reset()
		h.bodies.Put(buf)
	}
}

// checkBinaryHeaders applies the SDK's event validation to a binary-mode
// event's headers, so that both modes refuse the same events; the source is
// not required, the adapter sets it.
func checkBinaryHeaders(hdr http.Header) string {
	for k, vs := range hdr {
		if !strings.HasPrefix(k, "Ce-") || len(vs) == 0 {
			continue
		}
		if !validAttributeName(k[3:]) {
			return "attribute name " + strconv.Quote(strings.ToLower(k[3:])) + ": only letters a-z and digits are allowed"
		}
		v := strings.TrimSpace(vs[0])
		switch k { // net/http gives canonical keys
		case "Ce-Time":
			if _, err := time.Parse(time.RFC3339Nano, v); err != nil {
				return "time: not an RFC 3339 timestamp"
			}
		case "Ce-Dataschema":
			if u, err := url.Parse(v); err != nil || !u.IsAbs() {
				return "dataschema: not an absolute URI"
			}
		case "Ce-Subject":
			if v == "" {
				return "subject: if present, MUST be a non-empty string"
			}
		}
	}
	switch {
	case strings.TrimSpace(hdr.Get("Ce-Id")) == "":
		return "id: REQUIRED but missing"
	case strings.TrimSpace(hdr.Get("Ce-Type")) == "":
		return "type: REQUIRED but missing"
	}
	if ct := hdr["Content-Type"]; len(ct) > 0 {
		if _, _, err := mime.ParseMediaType(ct[0]); err != nil {
			return "datacontenttype: not an RFC 2046 media type"
		}
	}
	return ""
}

// validAttributeName: CloudEvents attribute names are ASCII letters and
// digits (lower case on the wire; HTTP header names ignore case).
func validAttributeName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// deliver makes the round trip to the sink and answers the caller accordingly.
func (h *Handler) deliver(ctx context.Context, w http.ResponseWriter, ev *outEvent) {
	if k := ev.badHeader(); k != "" {
		h.fail(w, http.StatusBadRequest, "invalid", "attribute "+strings.ToLower(strings.TrimPrefix(k, "Ce-"))+" holds a control character")
		return
	}
	if h.cfg.Sink == "" {
		h.fail(w, http.StatusServiceUnavailable, "no_sink", "the adapter has no sink yet")
		return
	}
	start := time.Now()
	code, err := h.send(ctx, ev)
	h.metrics.observeSink(time.Since(start))
	if err != nil {
		reason := "sink_unreachable"
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded) {
			reason = "sink_timeout"
		}
		h.log.Warn("sink did not answer", "reason", reason, "error", err.Error())
		h.fail(w, http.StatusServiceUnavailable, reason, "the sink is not reachable; try again later")
		return
	}
	switch {
	case code >= 200 && code < 300:
		h.metrics.forwarded.Add(1)
		h.metrics.respond(http.StatusAccepted)
		w.WriteHeader(http.StatusAccepted)
	case code >= 400 && code < 500:
		h.log.Info("sink refused an event", "status", code)
		h.fail(w, code, "sink_refused", "the sink refused the event")
	default:
		h.log.Warn("sink failed", "status", code)
		h.fail(w, http.StatusBadGateway, "sink_failed", "the sink failed to take the event; try again later")
	}
}

// send makes the round trip to the sink and returns its status code.
func (h *Handler) send(ctx context.Context, ev *outEvent) (int, error) {
	if h.pool != nil {
		return h.pool.roundTrip(ev)
	}
	req, err := ev.request(ctx, h.cfg.Sink)
	if err != nil {
		h.log.Error("bad sink URL", "sink", h.cfg.Sink, "error", err.Error())
		return 0, err
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return 0, err
	}
	// Drain so the connection goes back to the pool.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	return resp.StatusCode, nil
}
