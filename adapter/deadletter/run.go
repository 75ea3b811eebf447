package deadletter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"golang.org/x/net/netutil"
)

// Handlers are the store's two HTTP faces over one Store: Intake (POST /
// and the probes) and API.
type Handlers struct {
	Intake http.Handler
	API    http.Handler
}

// NewHandlers serves store with cfg's limits.
func NewHandlers(cfg Config, store *Store, log *slog.Logger) Handlers {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = defaultMaxBody
	}
	if cfg.BodyBudget < cfg.MaxBodyBytes {
		cfg.BodyBudget = max(defaultBodyBudget, cfg.MaxBodyBytes)
	}
	if cfg.ReplayTimeout <= 0 {
		cfg.ReplayTimeout = defaultReplayTimeout
	}
	in := &intake{cfg: cfg, store: store, log: log, now: time.Now}
	mux := http.NewServeMux()
	ok := func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeError(w, http.StatusMethodNotAllowed, "method not allowed")
			return
		}
		w.WriteHeader(http.StatusOK)
	}
	mux.HandleFunc("/healthz", ok)
	mux.HandleFunc("/readyz", ok)
	mux.Handle("/", in)
	a := &api{cfg: cfg, store: store, log: log, now: time.Now,
		client: &http.Client{Timeout: cfg.ReplayTimeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	return Handlers{Intake: mux, API: a.handler()}
}

// Run opens the store in cfg.DataDir and serves until ctx ends. A damaged
// database is a *DamagedError (the file moved aside): the process exits
// with it rather than start an empty store unannounced.
func Run(ctx context.Context, cfg Config, log *slog.Logger) error {
	store, err := Open(cfg.DataDir, cfg.MaxStoreBytes)
	if err != nil {
		return err
	}
	defer func() { _ = store.Close() }()
	if aside := SetAside(cfg.DataDir); len(aside) > 0 {
		log.Warn("damaged dead-letter databases were set aside earlier; their events are not in this store", "files", aside)
	}
	h := NewHandlers(cfg, store, log)
	in, err := net.Listen("tcp", fmt.Sprintf(":%d", cfg.Port))
	if err != nil {
		return err
	}
	apiLn, err := net.Listen("tcp", cfg.APIAddr)
	if err != nil {
		in.Close()
		return err
	}
	errLog := slog.NewLogLogger(log.Handler(), slog.LevelWarn)
	intakeSrv := &http.Server{Handler: h.Intake, ReadHeaderTimeout: min(10*time.Second, cfg.ReadTimeout), ReadTimeout: cfg.ReadTimeout,
		MaxHeaderBytes: maxHeaderBytes, IdleTimeout: 2 * time.Minute, ErrorLog: errLog}
	// The API's answers (a replay's stream) may take long; its requests not.
	apiSrv := &http.Server{Handler: h.API, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		MaxHeaderBytes: maxHeaderBytes, ErrorLog: errLog}
	errs := make(chan error, 2)
	go func() { errs <- intakeSrv.Serve(netutil.LimitListener(in, maxConnections)) }()
	go func() { errs <- apiSrv.Serve(netutil.LimitListener(apiLn, 16)) }()
	if cfg.Retention > 0 {
		go sweep(ctx, store, cfg.Retention, log)
	}
	used, limit := store.Bytes()
	log.Info("dead-letter store serving", "port", cfg.Port, "api", cfg.APIAddr, "dataDir", cfg.DataDir,
		"bytes", used, "maxStoreBytes", limit, "retention", cfg.Retention.String())
	select {
	case err := <-errs:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ReadTimeout+5*time.Second)
	defer cancel()
	go func() { _ = apiSrv.Shutdown(sctx) }() // a replay stream ends with the process
	err = intakeSrv.Shutdown(sctx)
	_ = apiSrv.Close()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// sweep deletes the entries older than retention, every minute.
func sweep(ctx context.Context, store *Store, retention time.Duration, log *slog.Logger) {
	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	for {
		var ids []string
		_ = store.Scan(Filter{Before: time.Now().Add(-retention)}, func(s Summary) bool { ids = append(ids, s.ID); return true })
		if len(ids) > 0 {
			if _, err := store.Delete(ids); err != nil {
				log.Error("deleting dead letters past their retention", "error", err.Error())
			} else {
				log.Info("deleted dead letters past their retention", "count", len(ids), "retention", retention.String())
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
