package adapter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// Server runs the events listener (with /healthz and /readyz) and the metrics
// listener, and shuts both down gracefully.
type Server struct {
	cfg     Config
	log     *slog.Logger
	metrics *Metrics
	ready   atomic.Bool
	events  *http.Server
	gate    *connGate
	mon     *http.Server
}

// NewServer builds a Server; Run starts it.
func NewServer(cfg Config, log *slog.Logger) *Server {
	if cfg.ReadTimeout <= 0 { // a Config not from ConfigFromEnv still bounds every request
		cfg.ReadTimeout = defaultReadTimeout
	}
	s := &Server{cfg: cfg, log: log, metrics: NewMetrics()}
	h := NewHandler(cfg, NewSinkClient(cfg.SinkTimeout), s.metrics, log)
	mux := http.NewServeMux()
	mux.Handle("/", h)
	mux.Handle("/healthz", getOnly(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
	mux.Handle("/readyz", getOnly(s.readyz))
	// ReadTimeout bounds the whole request, so a body trickled in (or never
	// sent) lets go of its connection and memory.
	s.events = &http.Server{Handler: mux, ReadHeaderTimeout: min(10*time.Second, cfg.ReadTimeout), ReadTimeout: cfg.ReadTimeout,
		IdleTimeout: 120 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	s.gate = newConnGate(nil, cfg.MaxConnections, h) // its listener comes in Run
	s.gate.attach(s.events)
	monMux := http.NewServeMux()
	monMux.Handle("/metrics", getOnly(s.metrics.ServeHTTP))
	s.mon = &http.Server{Handler: monMux, ReadHeaderTimeout: 10 * time.Second}
	return s
}

// getOnly answers GET and HEAD: a POST that reached a probe or the metrics
// by mistake must not get a 200 its sender takes for an acknowledged event.
func getOnly(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h(w, r)
	})
}

// readyz is ready only with a sink and an open listener.
func (s *Server) readyz(w http.ResponseWriter, _ *http.Request) {
	if s.cfg.Sink == "" || !s.ready.Load() {
		http.Error(w, "not ready: no sink (K_SINK) yet", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// Run listens on addr (":PORT" in a pod, "127.0.0.1:PORT" in tests) and the
// metrics address until ctx ends. Then it drains: not ready, still serving
// (without keep-alive) for DrainPeriod while Kubernetes takes the pod out of
// its Service, then it stops accepting and lets in-flight events finish, for
// up to cfg.ShutdownGrace().
func (s *Server) Run(ctx context.Context, addr, metricsAddr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("events listener: %w", err)
	}
	s.gate.Listener = ln
	mln, err := net.Listen("tcp", metricsAddr)
	if err != nil {
		ln.Close()
		return fmt.Errorf("metrics listener: %w", err)
	}
	s.log.Info("adapter listening", "addr", ln.Addr().String(), "metrics", mln.Addr().String(), "source", s.cfg.Source, "sink", redact(s.cfg.Sink))
	errs := make(chan error, 2)
	go func() { errs <- s.events.Serve(s.gate) }()
	go func() { errs <- s.mon.Serve(mln) }()
	s.ready.Store(true)
	select {
	case <-ctx.Done():
	case err := <-errs:
		return err
	}
	// Keep-alive off before not ready: whoever sees not ready gets answers
	// that close their connection.
	s.events.SetKeepAlivesEnabled(false) // callers reconnect, to the pods still in the Service
	s.ready.Store(false)
	s.log.Info("draining: not ready, still serving", "for", s.cfg.DrainPeriod.String())
	select {
	case <-time.After(s.cfg.DrainPeriod):
	case err := <-errs:
		return err
	}
	s.log.Info("shutting down: finishing in-flight events")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownGrace())
	defer cancel()
	err = errors.Join(s.events.Shutdown(sctx), s.mon.Shutdown(sctx))
	s.log.Info("stopped")
	return err
}
