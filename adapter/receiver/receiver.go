// Package receiver is the adapter binary's receive mode, the in-cluster end of
// `kubectl kymamesh tail`: a Trigger delivers events to it, and it streams
// them, one JSON CloudEvent per line, to the tail that created it (GET
// /events with its token, through a port-forward). It acknowledges a valid
// event only once its queue, bounded in bytes, took it, and removes it from
// there only once it was written to tail's stream; otherwise it answers 503
// and the Broker retries. When nobody has watched for
// IdleTimeout (the plugin was killed before it could clean up), it deletes the
// Deployment it runs in, and with it everything tail made, which the
// Deployment owns.
package receiver

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/cloudevents/sdk-go/v2/binding"
	"github.com/cloudevents/sdk-go/v2/event"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
	"golang.org/x/net/netutil"
)

// Config is the receive mode's configuration, from the environment.
type Config struct {
	Port        int           // PORT
	IdleTimeout time.Duration // TAIL_IDLE_TIMEOUT: no watcher for this long -> delete Owner
	Owner       string        // TAIL_OWNER: the Deployment this receiver runs in
	// Token is what GET /events must present as "Authorization: Bearer"
	// (from TAIL_TOKEN_FILE, the Secret tail made for this receiver): only
	// the tail that created the receiver reads its events.
	Token string
	// MaxBodyBytes is the largest event body taken (MAX_BODY_BYTES), as the
	// adapter's; larger ones get 413.
	MaxBodyBytes int64
	// BacklogBytes is the memory events may hold (BACKLOG_BYTES): those
	// queued for tail and the bodies being received. Past it, 503.
	BacklogBytes int64
	// ReadTimeout bounds reading one POST, headers and body (READ_TIMEOUT).
	ReadTimeout time.Duration
}

// Defaults, as the adapter's where they mean the same.
const (
	defaultMaxBody     = 1 << 20
	defaultBacklog     = 16 << 20
	defaultReadTimeout = 15 * time.Second
	// DefaultTokenFile is where tail's manifest mounts the receiver's token.
	DefaultTokenFile = "/var/run/kymamesh-tail/token"
	// maxConnections and maxHeaderBytes bound what connections and request
	// headers can hold (128 x 68 KiB), beside BacklogBytes; more connections
	// wait in the kernel's listen queue.
	maxConnections = 128
	maxHeaderBytes = 64 << 10
)

// ConfigFromEnv reads the configuration with getenv (os.Getenv in main) and
// the token with readFile (os.ReadFile).
func ConfigFromEnv(getenv func(string) string, readFile func(string) ([]byte, error)) (Config, error) {
	c := Config{Port: 8080, IdleTimeout: 2 * time.Minute, Owner: getenv("TAIL_OWNER"), MaxBodyBytes: defaultMaxBody,
		BacklogBytes: backlogFromMemoryLimit(debug.SetMemoryLimit(-1)), ReadTimeout: defaultReadTimeout}
	if v := getenv("PORT"); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p < 1 || p > 65535 {
			return c, fmt.Errorf("PORT: %q is not a port number", v)
		}
		c.Port = p
	}
	for _, v := range []struct {
		name string
		dst  *time.Duration
	}{{"TAIL_IDLE_TIMEOUT", &c.IdleTimeout}, {"READ_TIMEOUT", &c.ReadTimeout}} {
		if s := getenv(v.name); s != "" {
			d, err := time.ParseDuration(s)
			if err != nil || d <= 0 {
				return c, fmt.Errorf("%s: %q is not a positive duration", v.name, s)
			}
			*v.dst = d
		}
	}
	for _, v := range []struct {
		name string
		dst  *int64
	}{{"MAX_BODY_BYTES", &c.MaxBodyBytes}, {"BACKLOG_BYTES", &c.BacklogBytes}} {
		if s := getenv(v.name); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n <= 0 {
				return c, fmt.Errorf("%s: %q is not a positive number", v.name, s)
			}
			*v.dst = n
		}
	}
	// The body and its line (base64 data is 4/3 of it) are held together
	// for a moment.
	if c.BacklogBytes < 3*c.MaxBodyBytes {
		return c, fmt.Errorf("BACKLOG_BYTES: %d is less than three times MAX_BODY_BYTES (%d): the largest event could not be held", c.BacklogBytes, c.MaxBodyBytes)
	}
	file := getenv("TAIL_TOKEN_FILE")
	if file == "" {
		file = DefaultTokenFile
	}
	b, err := readFile(file)
	if err != nil {
		return c, fmt.Errorf("the token GET /events must present: %w", err)
	}
	// Fail closed: a receiver without a real secret would stream to anyone.
	if c.Token = strings.TrimSpace(string(b)); len(c.Token) < 16 {
		return c, fmt.Errorf("%s: the token is shorter than 16 characters", file)
	}
	return c, nil
}

// backlogFromMemoryLimit gives events a quarter of the Go memory limit
// (GOMEMLIMIT, from the container's limits.memory), as the adapter gives
// its bodies: the rest is for connections, headers and an event's copies
// while it is decoded.
func backlogFromMemoryLimit(limit int64) int64 {
	if limit <= 0 || limit == math.MaxInt64 {
		return defaultBacklog
	}
	return max(limit/4, 3*defaultMaxBody)
}

// hub keeps the events acknowledged to the Broker until the watcher (the
// tail that made the receiver) has them: one queue, bounded in bytes, from
// which a line is removed only once it was written and flushed to the
// watcher's connection. So a watcher that goes away, or stops reading,
// leaves what it had not been sent for the next one, and a full queue
// refuses new events (503) rather than dropping old ones.
type hub struct {
	mu       sync.Mutex
	limit    int64
	used     int64    // queued lines and bodies being received
	queue    [][]byte // oldest first
	watched  bool
	wake     chan struct{} // a line was queued (capacity 1)
	idleFrom time.Time     // when the last watcher left (or the start)
}

func newHub(limit int64) *hub {
	return &hub{limit: limit, wake: make(chan struct{}, 1), idleFrom: time.Now()}
}

// take reserves n bytes, or reports that the budget cannot spare them.
func (h *hub) take(n int64) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.used+n > h.limit {
		return false
	}
	h.used += n
	return true
}

func (h *hub) give(n int64) {
	h.mu.Lock()
	h.used -= n
	h.mu.Unlock()
}

// publish queues line, paid from the budget. It reports false when the
// budget cannot hold it: the event was not taken.
func (h *hub) publish(line []byte) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.used+int64(len(line)) > h.limit {
		return false
	}
	h.used += int64(len(line))
	h.queue = append(h.queue, line)
	select {
	case h.wake <- struct{}{}:
	default:
	}
	return true
}

// claim makes the caller the watcher; false while another one is.
func (h *hub) claim() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.watched {
		return false
	}
	h.watched = true
	return true
}

func (h *hub) leave() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.watched, h.idleFrom = false, time.Now()
}

// peek returns the oldest lines, about maxBytes of them (at least one),
// without removing them.
func (h *hub) peek(maxBytes int) [][]byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	n, size := 0, 0
	for n < len(h.queue) && (n == 0 || size+len(h.queue[n]) <= maxBytes) {
		size += len(h.queue[n])
		n++
	}
	return h.queue[:n:n]
}

// drop removes the n oldest lines, written to the watcher, and frees them.
func (h *hub) drop(n int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := range n {
		h.used -= int64(len(h.queue[i]))
		h.queue[i] = nil
	}
	h.queue = h.queue[n:]
	if len(h.queue) == 0 {
		h.queue = nil // let the emptied array go
	}
}

// idleFor is how long nobody has watched (0 while someone does).
func (h *hub) idleFor(now time.Time) time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.watched {
		return 0
	}
	return now.Sub(h.idleFrom)
}

// receiver serves one hub.
type receiver struct {
	cfg   Config
	hub   *hub
	log   *slog.Logger
	token [sha256.Size]byte
	// decode lets one event at a time be decoded and encoded: the copies
	// the SDK makes are not paid from the budget, so only one such set is
	// ever held.
	decode sync.Mutex
}

// NewHandler is Handler with a hub of its own, bounded by cfg.BacklogBytes
// (for the plugin's tests, which run a receiver beside tail).
func NewHandler(cfg Config, log *slog.Logger) http.Handler {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = defaultMaxBody
	}
	if cfg.BacklogBytes <= 0 {
		cfg.BacklogBytes = defaultBacklog
	}
	return Handler(cfg, newHub(cfg.BacklogBytes), log)
}

// Handler serves the receiver: events on POST /, the stream on GET
// /events (for cfg.Token only), probes on /healthz and /readyz.
func Handler(cfg Config, h *hub, log *slog.Logger) http.Handler {
	rc := &receiver{cfg: cfg, hub: h, log: log, token: sha256.Sum256([]byte(cfg.Token))}
	mux := http.NewServeMux()
	ok := func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }
	mux.HandleFunc("GET /healthz", ok)
	mux.HandleFunc("GET /readyz", ok)
	mux.HandleFunc("GET /events", rc.stream)
	mux.HandleFunc("POST /{$}", rc.receive)
	return mux
}

// receive takes one event: 202 once it is queued for tail, 400 when it is
// not a valid CloudEvent, 413 when too large, 408 when it did not arrive in
// time, 503 + Retry-After when it cannot be held now (the Broker retries).
func (rc *receiver) receive(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength > rc.cfg.MaxBodyBytes {
		http.Error(w, "the event is larger than the receiver accepts", http.StatusRequestEntityTooLarge)
		return
	}
	body, held, err := rc.readBody(http.MaxBytesReader(w, r.Body, rc.cfg.MaxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		var ne net.Error
		switch {
		case errors.Is(err, errBusy):
			rc.busy(w, "the receiver is full")
		case errors.As(err, &tooLarge):
			http.Error(w, "the event is larger than the receiver accepts", http.StatusRequestEntityTooLarge)
		case errors.As(err, &ne) && ne.Timeout():
			http.Error(w, "the event did not arrive within the receiver's read timeout", http.StatusRequestTimeout)
		default:
			http.Error(w, "the body could not be read", http.StatusBadRequest)
		}
		return
	}
	line, problem := rc.encode(r.Header, body)
	rc.hub.give(held)
	switch {
	case problem != "":
		http.Error(w, "not a valid CloudEvent: "+problem, http.StatusBadRequest)
	case int64(len(line)) > rc.hub.limit:
		// It could never be held: retrying would not help.
		http.Error(w, "the event is larger than the receiver can hold", http.StatusRequestEntityTooLarge)
	case !rc.hub.publish(line):
		rc.busy(w, "tail is behind")
	default:
		w.WriteHeader(http.StatusAccepted)
	}
}

func (rc *receiver) busy(w http.ResponseWriter, why string) {
	rc.log.Warn(why + "; event refused with 503")
	w.Header().Set("Retry-After", "1")
	http.Error(w, why+"; retry", http.StatusServiceUnavailable)
}

var errBusy = errors.New("the budget is spent")

// readBody reads a body into a buffer that grows only as its bytes arrive,
// each step paid from the budget first (never sized from Content-Length).
// It returns the body and what it holds of the budget.
func (rc *receiver) readBody(r io.Reader) ([]byte, int64, error) {
	limit := rc.cfg.MaxBodyBytes
	size := min(4<<10, limit)
	if !rc.hub.take(size) {
		return nil, 0, errBusy
	}
	b := make([]byte, 0, size)
	for {
		if len(b) == cap(b) {
			if int64(cap(b)) >= limit {
				// Full at the limit: the reader says whether more was coming.
				var probe [1]byte
				n, err := r.Read(probe[:])
				if n == 0 && err == io.EOF {
					return b, int64(cap(b)), nil
				}
				rc.hub.give(int64(cap(b)))
				if err == nil {
					err = &http.MaxBytesError{Limit: limit}
				}
				return nil, 0, err
			}
			grown := min(2*int64(cap(b)), limit)
			if !rc.hub.take(grown - int64(cap(b))) { // the old buffer is garbage once copied
				rc.hub.give(int64(cap(b)))
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
			rc.hub.give(int64(cap(b)))
			return nil, 0, err
		}
	}
}

// encode reads the event (binary or structured mode) and returns it as
// tail reads it: one structured CloudEvent in JSON and a newline. It
// refuses what tail could not read back as a valid event.
func (rc *receiver) encode(hdr http.Header, body []byte) ([]byte, string) {
	rc.decode.Lock()
	defer rc.decode.Unlock()
	ev, err := binding.ToEvent(context.Background(), cehttp.NewMessage(hdr, io.NopCloser(bytes.NewReader(body))))
	if err != nil {
		return nil, err.Error()
	}
	if err := ev.Validate(); err != nil {
		return nil, err.Error()
	}
	oneLine(ev)
	js, err := ev.MarshalJSON()
	if err != nil {
		return nil, err.Error()
	}
	// As tail reads it: a line it cannot read is refused here, where the
	// Broker learns of it, not skipped there.
	var back event.Event
	if err := back.UnmarshalJSON(js); err != nil {
		return nil, err.Error()
	}
	if err := back.Validate(); err != nil {
		return nil, err.Error()
	}
	if bytes.IndexByte(js, '\n') >= 0 { // oneLine makes this impossible; the stream's framing depends on it
		return nil, "the event does not fit on one line"
	}
	line := make([]byte, len(js)+1) // exactly its size: the queue pays for what it holds
	copy(line, js)
	line[len(js)] = '\n'
	return line, ""
}

// oneLine makes the event's data fit one JSON line that reads back as
// the same data: JSON data (as the SDK takes data without a content type)
// is compacted, as pretty-printed JSON would break the stream's lines;
// data that is not what its type says, or not text, goes as data_base64
// (the SDK would write it raw into the line, or mangle it as a string).
func oneLine(ev *event.Event) {
	data := ev.Data()
	if len(data) == 0 || ev.DataBase64 {
		return
	}
	// The media type as the SDK's writer takes it, to match what it writes raw.
	mt, _, _ := strings.Cut(ev.DataContentType(), ";")
	switch strings.ToLower(strings.TrimSpace(mt)) {
	case "", event.ApplicationJSON, event.TextJSON, event.ApplicationCloudEventsJSON, event.ApplicationCloudEventsBatchJSON:
		var b bytes.Buffer
		if json.Compact(&b, data) == nil {
			ev.DataEncoded = b.Bytes()
			return
		}
		ev.DataBase64 = true
		return
	}
	if !utf8.Valid(data) {
		ev.DataBase64 = true
	}
}

// authorized checks the bearer token in constant time (of the token's
// hash, so its length does not show either).
func (rc *receiver) authorized(r *http.Request) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	sum := sha256.Sum256([]byte(got))
	return subtle.ConstantTimeCompare(sum[:], rc.token[:]) == 1 && ok
}

// stream writes the queued events, one line each, to the one watcher,
// removing each only once it was flushed to the connection.
func (rc *receiver) stream(w http.ResponseWriter, r *http.Request) {
	if !rc.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="kymamesh-tail"`)
		http.Error(w, "only the tail that created this receiver may read its events", http.StatusUnauthorized)
		return
	}
	if !rc.hub.claim() {
		http.Error(w, "another watcher is reading this receiver's events", http.StatusConflict)
		return
	}
	defer rc.hub.leave()
	ctl := http.NewResponseController(w)
	// READ_TIMEOUT is for POSTs: past it the server would end this stream.
	if err := ctl.SetReadDeadline(time.Time{}); err != nil {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	if ctl.Flush() != nil {
		return
	}
	for {
		lines := rc.hub.peek(64 << 10)
		if len(lines) == 0 {
			select {
			case <-r.Context().Done():
				return
			case <-rc.hub.wake:
				continue
			}
		}
		for _, l := range lines {
			if _, err := w.Write(l); err != nil {
				return
			}
		}
		if ctl.Flush() != nil {
			return
		}
		rc.hub.drop(len(lines))
	}
}

// newServer bounds what each request may take: headers (size and time),
// the body's time.
func newServer(cfg Config, h *hub, log *slog.Logger) *http.Server {
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = defaultReadTimeout
	}
	return &http.Server{Handler: Handler(cfg, h, log), ReadHeaderTimeout: min(10*time.Second, cfg.ReadTimeout),
		ReadTimeout: cfg.ReadTimeout, MaxHeaderBytes: maxHeaderBytes, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
}

// Run serves until ctx ends, and deletes the owner Deployment (through
// remove) once nobody has watched for cfg.IdleTimeout.
func Run(ctx context.Context, cfg Config, log *slog.Logger, remove func(context.Context) error) error {
	h := newHub(cfg.BacklogBytes)
	ln, err := net.Listen("tcp", fmt.Sprintf(":%d", cfg.Port))
	if err != nil {
		return err
	}
	ln = netutil.LimitListener(ln, maxConnections)
	srv := newServer(cfg, h, log)
	go watchdog(ctx, h, cfg.IdleTimeout, log, remove)
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(shut) // open streams end with the process
	}()
	log.Info("receiving", "port", cfg.Port, "idleTimeout", cfg.IdleTimeout.String(), "owner", cfg.Owner,
		"maxBodyBytes", cfg.MaxBodyBytes, "backlogBytes", cfg.BacklogBytes) // never the token
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// watchdog removes the owner once nobody has watched for idle, retrying
// until it is gone.
func watchdog(ctx context.Context, h *hub, idle time.Duration, log *slog.Logger, remove func(context.Context) error) {
	tick := time.NewTicker(max(idle/10, 100*time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			if h.idleFor(now) < idle {
				continue
			}
			if err := remove(ctx); err != nil {
				log.Error("removing the tail receiver", "error", err.Error())
				continue
			}
			log.Info("nobody watched for " + idle.String() + "; removed the tail receiver")
			return
		}
	}
}
