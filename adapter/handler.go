package adapter

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cloudevents/sdk-go/v2/binding"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
	"golang.org/x/net/http/httpguts"
)

// Handler receives CloudEvents on POST / and forwards them to the sink.
type Handler struct {
	cfg     Config
	client  *http.Client
	pool    *sinkPool // nil: the sink is reached through client
	metrics *Metrics
	log     *slog.Logger
}

// NewHandler builds a Handler. client should keep connections to the sink alive
// (see NewSinkClient).
func NewHandler(cfg Config, client *http.Client, m *Metrics, log *slog.Logger) *Handler {
	return &Handler{cfg: cfg, client: client, pool: newSinkPool(cfg.Sink, cfg.SinkTimeout, http.ProxyFromEnvironment), metrics: m, log: log}
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
	if sv := r.Header.Get("Ce-Specversion"); sv != "" && sv != "1.0" {
		h.fail(w, http.StatusBadRequest, "specversion", "only CloudEvents specversion 1.0 is accepted")
		return
	}
	msg := cehttp.NewMessageFromHttpRequest(r)
	enc := msg.ReadEncoding()
	if enc != binding.EncodingBinary && enc != binding.EncodingStructured {
		h.fail(w, http.StatusUnsupportedMediaType, "content_mode", "send a binary-mode or structured-mode (application/cloudevents+json) CloudEvent")
		return
	}
	if enc == binding.EncodingBinary {
		h.passBinary(w, r)
		return
	}
	ev, err := binding.ToEvent(r.Context(), msg)
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
	if h.cfg.Sink == "" {
		h.fail(w, http.StatusServiceUnavailable, "no_sink", "the adapter has no sink yet")
		return
	}
	h.forward(w, r, binding.ToMessage(ev))
}

// passBinary forwards a binary-mode event without decoding it into an SDK
// event: its attributes are checked where they are, in the headers, and copied
// with the source replaced (measured faster, see docs/benchmarks.md).
func (h *Handler) passBinary(w http.ResponseWriter, r *http.Request) {
	if problem := checkBinaryHeaders(r.Header); problem != "" {
		h.fail(w, http.StatusBadRequest, "invalid", "not a valid CloudEvent: "+problem)
		return
	}
	body, err := io.ReadAll(r.Body)
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		h.fail(w, http.StatusRequestEntityTooLarge, "too_large", "the event is larger than the adapter accepts")
		return
	} else if err != nil {
		h.fail(w, http.StatusBadRequest, "invalid", "the body could not be read")
		return
	}
	if h.cfg.Sink == "" {
		h.fail(w, http.StatusServiceUnavailable, "no_sink", "the adapter has no sink yet")
		return
	}
	req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, h.cfg.Sink, bytes.NewReader(body))
	if err != nil {
		h.fail(w, http.StatusServiceUnavailable, "no_sink", "the adapter's sink is not usable")
		return
	}
	for k, v := range r.Header {
		if strings.HasPrefix(k, "Ce-") || k == "Content-Type" || k == "Traceparent" || k == "Tracestate" {
			req.Header[k] = v
		}
	}
	req.Header["Ce-Source"] = []string{h.cfg.Source}
	h.deliver(w, req)
}

// checkBinaryHeaders applies event validation to a binary-mode event's headers;
// the source is not required, the adapter sets it.
func checkBinaryHeaders(hdr http.Header) string {
	switch {
	case hdr.Get("Ce-Id") == "":
		return "id: REQUIRED but missing"
	case hdr.Get("Ce-Type") == "":
		return "type: REQUIRED but missing"
	}
	if t := hdr.Get("Ce-Time"); t != "" {
		if _, err := time.Parse(time.RFC3339Nano, t); err != nil {
			return "time: not an RFC 3339 timestamp"
		}
	}
	if ds := hdr.Get("Ce-Dataschema"); ds != "" {
		if u, err := url.Parse(ds); err != nil || !u.IsAbs() {
			return "dataschema: not an absolute URI"
		}
	}
	return ""
}

// forward sends the event in binary mode and answers after the sink did.
func (h *Handler) forward(w http.ResponseWriter, in *http.Request, m binding.Message) {
	req, err := http.NewRequestWithContext(in.Context(), http.MethodPost, h.cfg.Sink, nil)
	if err != nil {
		h.fail(w, http.StatusServiceUnavailable, "no_sink", "the adapter's sink is not usable")
		h.log.Error("bad sink URL", "sink", h.cfg.Sink, "error", err.Error())
		return
	}
	for _, k := range []string{"Traceparent", "Tracestate"} {
		if v := in.Header.Get(k); v != "" {
			req.Header.Set(k, v)
		}
	}
	if err := cehttp.WriteRequest(in.Context(), m, req); err != nil {
		h.fail(w, http.StatusInternalServerError, "encode", "the event could not be encoded")
		return
	}
	// Attributes travel as HTTP headers; a control character the CloudEvents
	// validation lets through would make the request fail as if the sink were down.
	for k, vs := range req.Header {
		for _, v := range vs {
			if !httpguts.ValidHeaderFieldValue(v) {
				h.fail(w, http.StatusBadRequest, "invalid", "attribute "+strings.ToLower(strings.TrimPrefix(k, "Ce-"))+" holds a control character")
				return
			}
		}
	}
	h.deliver(w, req)
}

// deliver makes the round trip to the sink and answers the caller accordingly.
func (h *Handler) deliver(w http.ResponseWriter, req *http.Request) {
	start := time.Now()
	code, err := h.send(req)
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
func (h *Handler) send(req *http.Request) (int, error) {
	if h.pool != nil {
		return h.pool.roundTrip(req)
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
