package deadletter

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/cloudevents/sdk-go/v2/binding"
	"github.com/cloudevents/sdk-go/v2/event"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
	"github.com/cloudevents/sdk-go/v2/types"
)

// Knative's extensions on a dead-lettered event.
const (
	ExtErrorDest = "knativeerrordest"
	ExtErrorCode = "knativeerrorcode"
	ExtErrorData = "knativeerrordata"
	// ExtReplays is the extension a replay adds: how many replays of the
	// event have been sent, this one included.
	ExtReplays = "kymameshreplays"
)

// intake takes dead letters on POST /.
type intake struct {
	cfg      Config
	store    *Store
	log      *slog.Logger
	now      func() time.Time
	inFlight atomic.Int64
	budgetMu sync.Mutex
	budget   int64 // bytes of bodies being received
	// decode lets one event at a time be decoded (the SDK's copies are not
	// paid from the budget).
	decode sync.Mutex
}

type errorBody struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, code int, msg string) {
	if code == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "5")
	}
	writeJSON(w, code, errorBody{Error: msg})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func (in *intake) take(n int64) bool {
	in.budgetMu.Lock()
	defer in.budgetMu.Unlock()
	if in.budget+n > in.cfg.BodyBudget {
		return false
	}
	in.budget += n
	return true
}

func (in *intake) give(n int64) {
	in.budgetMu.Lock()
	in.budget -= n
	in.budgetMu.Unlock()
}

// ServeHTTP: 202 once the event is committed to disk; 503 with Retry-After
// when the store is full, the volume is, or the store is at its limits (the
// sender keeps the event and retries); 4xx for what is not a CloudEvent it
// can keep. It never answers 2xx for an event it did not write.
func (in *intake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		writeError(w, http.StatusNotFound, "dead letters are taken on / only")
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, "use POST")
		return
	}
	if len(r.Header) > maxHeaderFields {
		writeError(w, http.StatusRequestHeaderFieldsTooLarge, "more than "+strconv.Itoa(maxHeaderFields)+" header fields")
		return
	}
	if n := in.inFlight.Add(1); n > maxInFlight {
		in.inFlight.Add(-1)
		writeError(w, http.StatusServiceUnavailable, "the store is at its limit of requests; retry")
		return
	}
	defer in.inFlight.Add(-1)
	if r.ContentLength > in.cfg.MaxBodyBytes {
		writeError(w, http.StatusRequestEntityTooLarge, "the event is larger than the store accepts")
		return
	}
	if ce := r.Header.Values("Content-Encoding"); len(ce) > 0 && (len(ce) > 1 || !strings.EqualFold(strings.TrimSpace(ce[0]), "identity")) {
		writeError(w, http.StatusUnsupportedMediaType, "send the event uncompressed")
		return
	}
	body, held, err := in.readBody(http.MaxBytesReader(w, r.Body, in.cfg.MaxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		var ne net.Error
		switch {
		case errors.Is(err, errBusy):
			writeError(w, http.StatusServiceUnavailable, "the store is at its memory limit; retry")
		case errors.As(err, &tooLarge):
			writeError(w, http.StatusRequestEntityTooLarge, "the event is larger than the store accepts")
		case errors.As(err, &ne) && ne.Timeout():
			writeError(w, http.StatusRequestTimeout, "the event did not arrive within the store's read timeout")
		default:
			writeError(w, http.StatusBadRequest, "the body could not be read")
		}
		return
	}
	sum, js, code, problem := in.encode(r.Header, body)
	in.give(held)
	if problem != "" {
		writeError(w, code, "not a CloudEvent the store keeps: "+problem)
		return
	}
	stored, err := in.store.Put(sum, js, in.now())
	switch {
	case errors.Is(err, ErrFull):
		used, limit := in.store.Bytes()
		in.log.Warn("dead-letter store full; event refused with 503", "id", sum.EventID, "bytes", used, "limit", limit)
		writeError(w, http.StatusServiceUnavailable, "the dead-letter store is full ("+strconv.FormatInt(limit, 10)+" bytes); retry")
	case err != nil && isNoSpace(err):
		in.log.Error("the volume is full; event refused with 503", "id", sum.EventID, "error", err.Error())
		writeError(w, http.StatusServiceUnavailable, "the dead-letter store's volume is full; retry")
	case err != nil:
		in.log.Error("writing a dead letter", "id", sum.EventID, "error", err.Error())
		writeError(w, http.StatusServiceUnavailable, "the dead letter could not be written; retry")
	default:
		writeJSON(w, http.StatusAccepted, struct {
			ID         string `json:"id"`
			Deliveries int    `json:"deliveries"`
		}{stored.ID, stored.Deliveries})
	}
}

var errBusy = errors.New("the budget is spent")

// readBody reads a body into a buffer that grows only as bytes arrive, each
// step paid from the budget first (never sized from Content-Length).
func (in *intake) readBody(r io.Reader) ([]byte, int64, error) {
	limit := in.cfg.MaxBodyBytes
	size := min(4<<10, limit)
	if !in.take(size) {
		return nil, 0, errBusy
	}
	b := make([]byte, 0, size)
	for {
		if len(b) == cap(b) {
			if int64(cap(b)) >= limit {
				var probe [1]byte
				n, err := r.Read(probe[:])
				if n == 0 && err == io.EOF {
					return b, int64(cap(b)), nil
				}
				in.give(int64(cap(b)))
				if err == nil || n > 0 {
					err = &http.MaxBytesError{Limit: limit}
				}
				return nil, 0, err
			}
			grown := min(2*int64(cap(b)), limit)
			if !in.take(grown - int64(cap(b))) {
				in.give(int64(cap(b)))
				return nil, 0, errBusy
			}
			b = append(make([]byte, 0, grown), b...)
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, int64(cap(b)), nil
		}
		if err != nil {
			in.give(int64(cap(b)))
			return nil, 0, err
		}
	}
}

// encode reads the event (binary or structured mode) and returns its
// summary and the event as structured JSON, or the answer's code and a
// problem.
func (in *intake) encode(hdr http.Header, body []byte) (Summary, []byte, int, string) {
	in.decode.Lock()
	defer in.decode.Unlock()
	ev, err := binding.ToEvent(context.Background(), cehttp.NewMessage(hdr, io.NopCloser(bytes.NewReader(body))))
	if err != nil {
		return Summary{}, nil, http.StatusBadRequest, err.Error()
	}
	if err := ev.Validate(); err != nil {
		return Summary{}, nil, http.StatusBadRequest, err.Error()
	}
	exts := ev.Extensions()
	size := 0
	for k, v := range exts {
		s, _ := extString(v)
		size += len(k) + len(s)
	}
	if len(exts) > maxExtensions || size > maxExtBytes {
		return Summary{}, nil, http.StatusRequestEntityTooLarge, "more than " + strconv.Itoa(maxExtensions) +
			" extensions or " + strconv.Itoa(maxExtBytes>>10) + " KiB of them"
	}
	keepData(ev)
	js, err := ev.MarshalJSON()
	if err != nil {
		return Summary{}, nil, http.StatusBadRequest, err.Error()
	}
	var back event.Event // as list, show and replay will read it
	if err := back.UnmarshalJSON(js); err != nil {
		return Summary{}, nil, http.StatusBadRequest, err.Error()
	}
	return summarize(&back), js, 0, ""
}

// summarize reads an event's summary: its identity and Knative's reason.
func summarize(ev *event.Event) Summary {
	s := Summary{EventID: ev.ID(), Source: ev.Source(), Type: ev.Type()}
	exts := ev.Extensions()
	s.Destination, _ = extString(exts[ExtErrorDest])
	if c, ok := extString(exts[ExtErrorCode]); ok {
		s.Code, _ = strconv.Atoi(c)
	}
	if d, ok := extString(exts[ExtErrorData]); ok && d != "" {
		s.Reason = reasonText(d)
	}
	return s
}

// reasonText is knativeerrordata (base64 of the failed answer's body) as
// text, cut to 256 bytes; what is not text is left out.
func reasonText(d string) string {
	b, err := base64.StdEncoding.DecodeString(d)
	if err != nil {
		b = []byte(d)
	}
	if len(b) > 256 {
		b = b[:256]
		for len(b) > 0 && !utf8.Valid(b) {
			b = b[:len(b)-1]
		}
	}
	if !utf8.Valid(b) {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func extString(v any) (string, bool) {
	if v == nil {
		return "", false
	}
	str, err := types.Format(v)
	return str, err == nil
}

// keepData makes the event's data read back as the same bytes: JSON data
// stays JSON; data that is not what its type says, or not text, is kept as
// data_base64 (the SDK would write it raw, or mangle it as a string).
func keepData(ev *event.Event) {
	data := ev.Data()
	if len(data) == 0 || ev.DataBase64 {
		return
	}
	mt, _, _ := strings.Cut(ev.DataContentType(), ";")
	switch strings.ToLower(strings.TrimSpace(mt)) {
	case "", event.ApplicationJSON, event.TextJSON:
		if !json.Valid(data) {
			ev.DataBase64 = true
		}
		return
	}
	if !utf8.Valid(data) || strings.Contains(strings.ToLower(mt), "json") {
		ev.DataBase64 = true
	}
}
