// Package receiver is the adapter binary's receive mode, the in-cluster end of
// `kubectl kymamesh tail`: a Trigger delivers events to it, and it streams
// them, one JSON CloudEvent per line, to whoever watches GET /events (the
// plugin, through a port-forward). It acknowledges an event only once a
// watcher's queue, or the backlog kept while nobody watches, took it;
// otherwise it answers 503 and the Broker retries. When nobody has watched for
// IdleTimeout (the plugin was killed before it could clean up), it deletes the
// Deployment it runs in, and with it everything tail made, which the
// Deployment owns.
package receiver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
)

// Config is the receive mode's configuration, from the environment.
type Config struct {
	Port        int           // PORT
	IdleTimeout time.Duration // TAIL_IDLE_TIMEOUT: no watcher for this long -> delete Owner
	Owner       string        // TAIL_OWNER: the Deployment this receiver runs in
	Backlog     int           // events kept (and per watcher queued) at most
}

// ConfigFromEnv reads the configuration with getenv (os.Getenv in main).
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{Port: 8080, IdleTimeout: 2 * time.Minute, Owner: getenv("TAIL_OWNER"), Backlog: 1000}
	if v := getenv("PORT"); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p < 1 || p > 65535 {
			return c, fmt.Errorf("PORT: %q is not a port number", v)
		}
		c.Port = p
	}
	if v := getenv("TAIL_IDLE_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("TAIL_IDLE_TIMEOUT: %q is not a positive duration", v)
		}
		c.IdleTimeout = d
	}
	return c, nil
}

// hub hands events to watchers, or keeps them until one comes.
type hub struct {
	mu       sync.Mutex
	max      int
	backlog  [][]byte
	watchers map[chan []byte]struct{}
	idleFrom time.Time // when the last watcher left (or the start)
}

func newHub(max int) *hub {
	return &hub{max: max, watchers: map[chan []byte]struct{}{}, idleFrom: time.Now()}
}

// publish gives line to every watcher, or to the backlog when there is none.
// It reports false when a queue is full: the event was not taken.
func (h *hub) publish(line []byte) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.watchers) == 0 {
		if len(h.backlog) >= h.max {
			return false
		}
		h.backlog = append(h.backlog, line)
		return true
	}
	for w := range h.watchers {
		if len(w) == cap(w) {
			return false
		}
	}
	for w := range h.watchers {
		w <- line
	}
	return true
}

// watch registers a watcher; the backlog goes to it first.
func (h *hub) watch() chan []byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	w := make(chan []byte, h.max+len(h.backlog))
	for _, line := range h.backlog {
		w <- line
	}
	h.backlog = nil
	h.watchers[w] = struct{}{}
	return w
}

func (h *hub) leave(w chan []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.watchers, w)
	if len(h.watchers) == 0 {
		h.idleFrom = time.Now()
	}
}

// idleFor is how long nobody has watched (0 while someone does).
func (h *hub) idleFor(now time.Time) time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.watchers) > 0 {
		return 0
	}
	return now.Sub(h.idleFrom)
}

// Handler serves the receiver: events on any POST, the stream on GET
// /events, probes on /healthz and /readyz.
func Handler(h *hub, log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	ok := func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }
	mux.HandleFunc("GET /healthz", ok)
	mux.HandleFunc("GET /readyz", ok)
	mux.HandleFunc("GET /events", func(w http.ResponseWriter, r *http.Request) { stream(h, w, r) })
	mux.HandleFunc("POST /", func(w http.ResponseWriter, r *http.Request) {
		ev, err := cehttp.NewEventFromHTTPRequest(r)
		if err != nil {
			http.Error(w, "not a CloudEvent: "+err.Error(), http.StatusBadRequest)
			return
		}
		line, err := json.Marshal(ev)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if !h.publish(append(line, '\n')) {
			log.Warn("queue full, event refused", "id", ev.ID())
			w.Header().Set("Retry-After", "1")
			http.Error(w, "the watcher is behind; retry", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	})
	return mux
}

// stream writes each event as one line, flushed, until the watcher goes.
func stream(h *hub, w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	q := h.watch()
	defer h.leave(q)
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	flusher.Flush()
	for {
		select {
		case <-r.Context().Done():
			return
		case line := <-q:
			if _, err := w.Write(line); err != nil {
				return
			}
			flusher.Flush()
		}
	}
}

// Run serves until ctx ends, and deletes the owner Deployment (through
// remove) once nobody has watched for cfg.IdleTimeout.
func Run(ctx context.Context, cfg Config, log *slog.Logger, remove func(context.Context) error) error {
	h := newHub(cfg.Backlog)
	ln, err := net.Listen("tcp", fmt.Sprintf(":%d", cfg.Port))
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: Handler(h, log), ReadHeaderTimeout: 10 * time.Second}
	go watchdog(ctx, h, cfg.IdleTimeout, log, remove)
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(shut) // open streams end with the process
	}()
	log.Info("receiving", "port", cfg.Port, "idleTimeout", cfg.IdleTimeout.String(), "owner", cfg.Owner)
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
