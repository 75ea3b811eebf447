package adapter

import (
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
	"sync/atomic"
	"time"

	"github.com/cloudevents/sdk-go/v2/binding"
	"github.com/cloudevents/sdk-go/v2/binding/format"
	"github.com/cloudevents/sdk-go/v2/event"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
)

// Handler receives CloudEvents on POST / and forwards them to the sink.
type Handler struct {
	cfg     Config
	client  *http.Client
	pool    *sinkPool // nil: the sink is reached through client
	metrics *Metrics
	log     *slog.Logger
	quiet   *quietLog // for what can happen once per event
	// bodies recycles request bodies (*[]byte): a body is needed only until
	// the sink answered.
	bodies   sync.Pool
	budget   memBudget
	inFlight atomic.Int64
	token    *oidcToken
	creds    *credentials // nil: no credentials folder (events need no token)
}

// NewHandler builds a Handler. client should keep connections to the sink alive
// (see NewSinkClient).
func NewHandler(cfg Config, client *http.Client, m *Metrics, log *slog.Logger) *Handler {
	if cfg.BodyBudget == 0 {
		cfg.BodyBudget = max(defaultBodyBudget, cfg.MaxBodyBytes)
	}
	if cfg.MaxInFlight == 0 {
		cfg.MaxInFlight = defaultMaxInFlight
	}
	var pool *sinkPool
	if cfg.SinkClient != SinkClientNetHTTP {
		pool = newSinkPool(cfg.Sink, cfg.SinkTimeout, http.ProxyFromEnvironment)
	}
	if client != nil && client.CheckRedirect == nil {
		c := *client // whatever client is given, it follows no redirect
		c.CheckRedirect = noRedirects
		client = &c
	}
	h := &Handler{cfg: cfg, client: client, pool: pool, metrics: m, log: log,
		quiet:  newQuietLog(log, 10*time.Second),
		bodies: sync.Pool{New: func() any { b := make([]byte, 0, initialBody); return &b }}}
	h.budget.limit = cfg.BodyBudget
	h.token = newOIDCToken(cfg.OIDCTokenFile, log)
	if cfg.CredentialsDir != "" {
		h.creds = newCredentials(cfg.CredentialsDir, cfg.CredentialsPoll, log)
		m.creds = func() (bool, int) {
			now := time.Now()
			return h.creds.current(now).counts(now)
		}
	}
	m.gauges(func() (int64, int64) { return h.inFlight.Load(), h.budget.used.Load() })
	return h
}

// NewSinkClient returns the HTTP client for the sink: one keep-alive pool sized
// for many concurrent forwards to a single host, honouring HTTP(S)_PROXY. It
// follows no redirect.
func NewSinkClient(timeout time.Duration) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 1000
	t.MaxIdleConnsPerHost = 1000
	t.IdleConnTimeout = 90 * time.Second
	t.MaxResponseHeaderBytes = maxSinkHeadBytes // the pool's limit; the default is 10 MiB
	return &http.Client{Transport: t, Timeout: timeout, CheckRedirect: noRedirects}
}

// noRedirects makes a sink's 3xx the answer: followed, a 301/302 would turn
// the event into a bodiless GET that some other endpoint acknowledges, a 307
// would post it (and the OIDC token) to wherever the sink points.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// errorBody is the short JSON body of every error answer.
type errorBody struct {
	Error string `json:"error"`
}

// initialBody is a body buffer's first size; it grows as bytes arrive, never
// ahead of them from what Content-Length announces.
const initialBody = 4 << 10

// maxPooledBody: larger body buffers are dropped after use, so that one big
// event does not stay in memory.
const maxPooledBody = 64 << 10

// failFunc answers an event that is not forwarded: the adapter's own JSON
// (fail), or Kyma's for its legacy API (legacyFail).
type failFunc func(w http.ResponseWriter, code int, reason, msg string)

func (h *Handler) fail(w http.ResponseWriter, code int, reason, msg string) {
	h.metrics.reject(reason)
	h.metrics.respond(code)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(errorBody{Error: msg})
}

// ServeHTTP implements the adapter's contract: 202 only once the sink accepted
// the event; 4xx for the sender's mistakes (and the sink's 4xx, passed on);
// 502/503 when the sink fails, without its details; 503 with Retry-After when
// the adapter is at its limits.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.cfg.LegacyEvents && h.legacyPath(r.URL.Path) {
		h.serveLegacy(w, r)
		return
	}
	// /APP/events is where an Ingress or HTTPRoute (source expose) sends
	// senders outside the cluster: Kyma's Application Connector path.
	if r.URL.Path != "/" && r.URL.Path != "/"+h.cfg.Source+"/events" {
		h.fail(w, http.StatusNotFound, "not_found", "events are accepted on / and /"+h.cfg.Source+"/events only")
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.fail(w, http.StatusMethodNotAllowed, "method", "use POST")
		return
	}
	h.metrics.received.Add(1)
	if !h.authorized(w, r, h.fail) {
		return
	}
	if n := h.inFlight.Add(1); n > int64(h.cfg.MaxInFlight) {
		h.inFlight.Add(-1)
		h.busy(w)
		return
	}
	defer h.inFlight.Add(-1)
	if r.ContentLength > h.cfg.MaxBodyBytes {
		h.fail(w, http.StatusRequestEntityTooLarge, "too_large", "the event is larger than the adapter accepts")
		return
	}
	if ce := r.Header.Values("Content-Encoding"); len(ce) > 0 && (len(ce) > 1 || !strings.EqualFold(strings.TrimSpace(ce[0]), "identity")) {
		// Knative's data plane has no content coding for event data: the sink
		// would get compressed bytes labelled as their content type.
		h.fail(w, http.StatusUnsupportedMediaType, "content_encoding", "Content-Encoding "+strconv.Quote(strings.Join(ce, ", "))+" is not accepted: send the event uncompressed")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, h.cfg.MaxBodyBytes)
	sv := r.Header.Values("Ce-Specversion")
	if len(sv) > 0 && (len(sv) > 1 || sv[0] != "1.0") {
		h.fail(w, http.StatusBadRequest, "specversion", "only CloudEvents specversion 1.0 is accepted, once")
		return
	}
	// The content mode, decided as the SDK does: a known event format in
	// Content-Type is structured mode, otherwise Ce-Specversion makes it binary.
	switch f := format.Lookup(r.Header.Get("Content-Type")); {
	case f == nil && len(sv) > 0:
		h.passBinary(w, r)
	case f != nil && f != format.JSONBatch:
		h.passStructured(w, r)
	default:
		h.fail(w, http.StatusUnsupportedMediaType, "content_mode", "send a binary-mode or structured-mode (application/cloudevents+json) CloudEvent")
	}
}

// authorized checks the request's bearer token against the application's
// credentials, from its headers alone: a refused event's body is never read.
// It answers 401 with WWW-Authenticate itself (through fail) when not.
func (h *Handler) authorized(w http.ResponseWriter, r *http.Request, fail failFunc) bool {
	if h.creds == nil {
		return true
	}
	now := time.Now()
	reason := h.creds.current(now).check(r.Header, now)
	if reason == "" {
		return true
	}
	h.metrics.refuse(reason)
	challenge := `Bearer realm="kymamesh-adapter"`
	msg := "this application requires a bearer token: send Authorization: Bearer TOKEN"
	switch reason {
	case authInvalid:
		challenge += `, error="invalid_token"`
		msg = "the bearer token is not one of this application's"
	case authExpired:
		challenge += `, error="invalid_token"`
		msg = "the bearer token has expired (rotated out); use the application's current token"
	}
	w.Header().Set("WWW-Authenticate", challenge)
	if r.ContentLength != 0 {
		// net/http would read up to 256 KiB of the unread body before
		// answering, to keep the connection: a refused sender's body is not
		// read at all, and its connection closes after the answer.
		w.Header().Set("Connection", "close")
	}
	fail(w, http.StatusUnauthorized, "unauthorized", msg)
	return false
}

// busy answers 503 with Retry-After: the adapter is at its request or
// memory limit, and the caller should come back shortly.
func (h *Handler) busy(w http.ResponseWriter) { h.busyWith(w, h.fail) }

func (h *Handler) busyWith(w http.ResponseWriter, fail failFunc) {
	w.Header().Set("Retry-After", "1")
	fail(w, http.StatusServiceUnavailable, "busy", "the adapter is at its limit; try again shortly")
}

// passBinary forwards a binary-mode event without decoding it into an SDK
// event: its attributes are checked where they are, in the headers, and sent
// on with the source replaced (measured faster, see docs/benchmarks.md).
func (h *Handler) passBinary(w http.ResponseWriter, r *http.Request) {
	if problem := checkBinaryHeaders(r.Header); problem == extensionProblem {
		// In binary mode extensions are header fields.
		h.fail(w, http.StatusRequestHeaderFieldsTooLarge, "too_large", problem)
		return
	} else if problem != "" {
		h.fail(w, http.StatusBadRequest, "invalid", "not a valid CloudEvent: "+problem)
		return
	}
	body, ok := h.readBody(w, r)
	if !ok {
		return
	}
	defer h.release(body)
	h.deliver(r.Context(), w, &outEvent{header: r.Header, source: h.cfg.Source, body: *body.buf})
}

// passStructured decodes a structured-mode event, replaces its source and
// forwards it in binary mode.
func (h *Handler) passStructured(w http.ResponseWriter, r *http.Request) {
	body, ok := h.readBody(w, r)
	if !ok {
		return
	}
	defer h.release(body)
	// Extensions are bounded before anything decodes them, and their copies
	// are paid for (the body itself already is).
	n, size := extensionsIn(*body.buf)
	if n > maxExtensions || size > maxExtensionBytes {
		h.fail(w, http.StatusRequestEntityTooLarge, "too_large", extensionProblem)
		return
	}
	cost := int64(extensionCopies * (size + headLineCost*n))
	if !h.budget.take(cost) {
		h.busy(w)
		return
	}
	defer h.budget.give(cost)
	se, problem := inspectStructured(*body.buf)
	if problem != "" {
		h.fail(w, http.StatusBadRequest, "invalid", "not a valid CloudEvent: "+problem)
		return
	}
	ev := event.New()
	if err := format.JSON.Unmarshal(se.body, &ev); err != nil {
		h.fail(w, http.StatusBadRequest, "invalid", "not a valid CloudEvent: "+err.Error())
		return
	}
	if ev.SpecVersion() != "1.0" {
		h.fail(w, http.StatusBadRequest, "specversion", "only CloudEvents specversion 1.0 is accepted")
		return
	}
	ev.SetSource(h.cfg.Source)
	if isEventFormat(ev.DataContentType()) {
		h.fail(w, http.StatusBadRequest, "invalid", "not a valid CloudEvent: "+eventFormatProblem)
		return
	}
	if se.impliedJSON {
		// In binary mode the data's type travels as Content-Type; left out,
		// the sink could not tell the JSON data from bytes.
		ev.SetDataContentType(event.ApplicationJSON)
	}
	if err := ev.Validate(); err != nil {
		h.fail(w, http.StatusBadRequest, "invalid", "not a valid CloudEvent: "+err.Error())
		return
	}
	// The encoded data is a second copy of the event: it is paid for too.
	if !h.budget.take(int64(len(ev.DataEncoded))) {
		h.busy(w)
		return
	}
	defer h.budget.give(int64(len(ev.DataEncoded)))
	// The SDK writes the event as a binary-mode request; its headers and body
	// become the outgoing event.
	req := &http.Request{Header: http.Header{}}
	if err := cehttp.WriteRequest(r.Context(), binding.ToMessage(&ev), req); err != nil {
		h.fail(w, http.StatusInternalServerError, "encode", "the event could not be encoded")
		return
	}
	for _, k := range []string{"Traceparent", "Tracestate"} {
		if v := r.Header.Values(k); v != nil {
			req.Header[k] = v
		}
	}
	h.deliver(r.Context(), w, &outEvent{header: req.Header, source: h.cfg.Source, body: ev.DataEncoded})
}

// heldBody is a request body and the share of the memory budget it holds.
type heldBody struct {
	buf  *[]byte
	held int64
}

// readBody reads the request body into a buffer that grows only as bytes
// arrive, each step paid for from the memory budget first. It answers 503
// (budget spent), 408 (READ_TIMEOUT passed), 413 or 400 itself when it cannot.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request) (heldBody, bool) {
	return h.readBodyWith(w, r, h.fail)
}

// readBodyWith is readBody answering through fail.
func (h *Handler) readBodyWith(w http.ResponseWriter, r *http.Request, fail failFunc) (heldBody, bool) {
	hb := heldBody{buf: h.bodies.Get().(*[]byte)}
	b := (*hb.buf)[:0]
	if !h.budget.take(int64(cap(b))) {
		h.bodies.Put(hb.buf)
		h.busyWith(w, fail)
		return hb, false
	}
	hb.held = int64(cap(b))
	for {
		if len(b) == cap(b) && int64(cap(b)) >= h.cfg.MaxBodyBytes {
			// Full at the limit: one more byte would be one too many.
			var probe [1]byte
			if n, err := r.Body.Read(probe[:]); n > 0 || err != io.EOF {
				*hb.buf = b
				h.release(hb)
				h.bodyError(w, err, n > 0, fail)
				return hb, false
			}
			*hb.buf = b
			return hb, true
		}
		if len(b) == cap(b) {
			grown := min(2*int64(cap(b)), h.cfg.MaxBodyBytes)
			if !h.budget.take(grown - hb.held) { // the old buffer is garbage once copied
				*hb.buf = b
				h.release(hb)
				h.busyWith(w, fail)
				return hb, false
			}
			nb := make([]byte, len(b), grown)
			copy(nb, b)
			b, hb.held = nb, grown
		}
		n, err := r.Body.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == nil {
			continue
		}
		*hb.buf = b
		if err == io.EOF {
			return hb, true
		}
		h.release(hb)
		h.bodyError(w, err, false, fail)
		return hb, false
	}
}

// bodyError answers a body that could not be read whole.
func (h *Handler) bodyError(w http.ResponseWriter, err error, tooLong bool, fail failFunc) {
	var tooLarge *http.MaxBytesError
	switch {
	case tooLong || errors.As(err, &tooLarge):
		fail(w, http.StatusRequestEntityTooLarge, "too_large", "the event is larger than the adapter accepts")
	case isTimeout(err):
		fail(w, http.StatusRequestTimeout, "read_timeout", "the event did not arrive within the adapter's read timeout")
	default:
		fail(w, http.StatusBadRequest, "invalid", "the body could not be read")
	}
}

// release gives a body's memory back to the budget and its buffer to the
// pool (small ones only).
func (h *Handler) release(hb heldBody) {
	h.budget.give(hb.held)
	if cap(*hb.buf) <= maxPooledBody {
		*hb.buf = (*hb.buf)[:0]
		h.bodies.Put(hb.buf)
	}
}

// checkBinaryHeaders applies the SDK's event validation to a binary-mode
// event's headers, so that both modes refuse the same events; the source is
// not required, the adapter sets it. A time with RFC 3339's lower-case "t"
// or "z" is accepted and passed on in upper case, which every reader takes.
func checkBinaryHeaders(hdr http.Header) string {
	extensions, extensionBytes := 0, 0
	for k, vs := range hdr {
		if !strings.HasPrefix(k, "Ce-") || len(vs) == 0 {
			continue
		}
		if !validAttributeName(k[3:]) {
			return "attribute name " + strconv.Quote(strings.ToLower(k[3:])) + ": only letters a-z and digits are allowed"
		}
		if len(vs) > 1 {
			return strings.ToLower(k[3:]) + ": given " + strconv.Itoa(len(vs)) + " times; an attribute has one value"
		}
		v := strings.TrimSpace(vs[0])
		switch k { // net/http gives canonical keys
		case "Ce-Time":
			if strings.ContainsAny(v, "tz") {
				v = strings.ToUpper(v)
				vs[0] = v
			}
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
		case "Ce-Datacontenttype":
			// The SDK refuses it; the binding carries it as Content-Type.
			return "datacontenttype: in binary mode it is the Content-Type header, not ce-datacontenttype"
		case "Ce-Specversion", "Ce-Id", "Ce-Source", "Ce-Type":
		default:
			extensions++
			extensionBytes += len(k) - 3 + len(vs[0])
		}
	}
	if extensions > maxExtensions || extensionBytes > maxExtensionBytes {
		return extensionProblem
	}
	switch {
	case strings.TrimSpace(hdr.Get("Ce-Id")) == "":
		return "id: REQUIRED but missing"
	case strings.TrimSpace(hdr.Get("Ce-Type")) == "":
		return "type: REQUIRED but missing"
	}
	if ct := hdr["Content-Type"]; len(ct) > 0 {
		if len(ct) > 1 {
			return "datacontenttype: Content-Type given " + strconv.Itoa(len(ct)) + " times"
		}
		mt, _, err := mime.ParseMediaType(ct[0]) // lower case, without parameters
		if err != nil {
			return "datacontenttype: not an RFC 2046 media type"
		}
		if isEventFormat(mt) {
			return eventFormatProblem
		}
	}
	return ""
}

// eventFormatProblem is the answer to an event whose data claims to be an event.
const eventFormatProblem = "datacontenttype: a CloudEvents event format cannot be the data's type " +
	"(in binary mode the Channel would read the data as the event); send the inner event itself"

// isEventFormat says whether a datacontenttype is a CloudEvents event format
// (application/cloudevents, +json, -batch+json, +protobuf, ...), compared as
// the SDK's format.Lookup does: case and parameters ignored. Sent on in binary
// mode as Content-Type, it makes the sink's SDK read the body as a structured
// event, so the data could forge the id, type and source. Every such type is
// refused, not only the formats this binary knows, since the sink may know more.
func isEventFormat(ct string) bool {
	const p = "application/cloudevents"
	ct = strings.TrimSpace(ct)
	if len(ct) < len(p) || !strings.EqualFold(ct[:len(p)], p) {
		return false
	}
	return len(ct) == len(p) || strings.IndexByte("+-; \t", ct[len(p)]) >= 0
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
	o := h.forward(ctx, ev)
	if o.code == http.StatusAccepted {
		h.metrics.respond(http.StatusAccepted)
		w.WriteHeader(http.StatusAccepted)
		return
	}
	passRetryAfter(w, o.code, o.retryAfter)
	h.fail(w, o.code, o.reason, o.msg)
}

// outcome is what became of an event sent on: 202 once the sink accepted
// it, else the status, reason (for the metrics) and message to answer with.
type outcome struct {
	code        int
	reason, msg string
	retryAfter  string // the sink's, on 429 and 503
}

// forward makes the round trip to the sink and says what the caller is to
// be answered; it counts what the sink accepted.
func (h *Handler) forward(ctx context.Context, ev *outEvent) outcome {
	if k := ev.badHeader(); k != "" {
		return outcome{code: http.StatusBadRequest, reason: "invalid", msg: "attribute " + strings.ToLower(strings.TrimPrefix(k, "Ce-")) + " holds a control character"}
	}
	if h.cfg.Sink == "" {
		return outcome{code: http.StatusServiceUnavailable, reason: "no_sink", msg: "the adapter has no sink yet"}
	}
	start := time.Now()
	ev.auth = h.token.authorization(start)
	code, retryAfter, err := h.send(ctx, ev)
	h.metrics.observeSink(time.Since(start))
	failed := outcome{code: http.StatusBadGateway, reason: "sink_failed", msg: "the sink failed to take the event; try again later"}
	if err != nil && oversizedAnswer(err) {
		// The sink answered, but with a head larger than the adapter reads.
		h.quiet.log1(slog.LevelWarn, "sink_head", "the sink's answer head is over the adapter's limit; not read", "limit_bytes", maxSinkHeadBytes, "limit_lines", maxSinkHeadLines)
		return failed
	}
	if err != nil {
		reason := "sink_unreachable"
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded) {
			reason = "sink_timeout"
		}
		h.quiet.log1(slog.LevelWarn, reason, "sink did not answer", "reason", reason, "error", err.Error())
		return outcome{code: http.StatusServiceUnavailable, reason: reason, msg: "the sink is not reachable; try again later"}
	}
	switch {
	case code >= 200 && code < 300:
		h.metrics.forwarded.Add(1)
		return outcome{code: http.StatusAccepted}
	case code >= 400 && code < 500:
		h.quiet.log1(slog.LevelInfo, "sink_refused", "sink refused an event", "status", code)
		return outcome{code: code, reason: "sink_refused", msg: "the sink refused the event", retryAfter: retryAfter}
	case code == http.StatusServiceUnavailable:
		// Passed on as 503, so that the sender honours the sink's Retry-After.
		h.quiet.log1(slog.LevelWarn, "sink_failed", "sink failed", "status", code)
		return outcome{code: code, reason: "sink_failed", msg: "the sink is unavailable; try again later", retryAfter: retryAfter}
	case code >= 300 && code < 400:
		h.quiet.log1(slog.LevelWarn, "sink_redirect", "sink answered with a redirect; not followed", "status", code)
		return failed
	default:
		h.quiet.log1(slog.LevelWarn, "sink_failed", "sink failed", "status", code)
		return failed
	}
}

// send makes the round trip to the sink and returns its status code and, on
// 429 and 503, its Retry-After.
func (h *Handler) send(ctx context.Context, ev *outEvent) (int, string, error) {
	if h.pool != nil {
		return h.pool.roundTrip(ev)
	}
	req, err := ev.request(ctx, h.cfg.Sink)
	if err != nil {
		h.quiet.log1(slog.LevelError, "bad_sink", "bad sink URL", "sink", redact(h.cfg.Sink))
		return 0, "", err
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	// Drain so the connection goes back to the pool.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
	resp.Body.Close()
	return resp.StatusCode, retryAfterOf(resp), nil
}

// oversizedAnswer says whether err is a sink answer refused for the size of
// its head: by the pool, or by net/http's MaxResponseHeaderBytes (whose error
// is not exported).
func oversizedAnswer(err error) bool {
	return errors.Is(err, errSinkHeadTooLarge) || strings.Contains(err.Error(), "server response headers exceeded")
}

// retryAfterOf is a 429 or 503 answer's Retry-After, the statuses it is
// meant for (RFC 9110 10.2.3; Knative's senders honour it on those).
func retryAfterOf(resp *http.Response) string {
	if resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable {
		return ""
	}
	return resp.Header.Get("Retry-After")
}

// passRetryAfter gives the sender the sink's Retry-After, when it is one:
// delay-seconds or an HTTP date.
func passRetryAfter(w http.ResponseWriter, code int, v string) {
	if v == "" || code != http.StatusTooManyRequests && code != http.StatusServiceUnavailable {
		return
	}
	v = strings.TrimSpace(v)
	if n, err := strconv.ParseUint(v, 10, 32); err == nil {
		w.Header().Set("Retry-After", strconv.FormatUint(n, 10))
	} else if _, err := http.ParseTime(v); err == nil {
		w.Header().Set("Retry-After", v)
	}
}
