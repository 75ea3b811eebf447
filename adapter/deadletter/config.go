// Package deadletter is the adapter binary's store mode (`kymamesh-adapter
// deadletter`), the dead-letter store of `kubectl kymamesh deadletter`: a
// Broker's delivery.deadLetterSink points at it, and it keeps each event it
// is given whole, in a bbolt database on its volume, answering 202 only once
// the event is committed to disk and 503 with Retry-After when it is full,
// so that Knative keeps the event and retries. Its API (list, show, stats,
// replay, purge; docs/deadletter.md) listens on 127.0.0.1 only, where a
// port-forward reaches it and the cluster's network does not.
package deadletter

import (
	"fmt"
	"math"
	"runtime/debug"
	"strconv"
	"time"
)

// Config is the store mode's configuration, from the environment.
type Config struct {
	Port    int    // PORT: intake of dead letters (the Service's target), and the probes
	APIAddr string // API_ADDR: the API's listener, 127.0.0.1:8081 (port-forward only)
	DataDir string // DATA_DIR: the volume
	// MaxStoreBytes bounds what the entries take (MAX_STORE_BYTES); past it
	// intake answers 503 with Retry-After.
	MaxStoreBytes int64
	// Retention: entries that arrived longer ago are deleted (RETENTION; 0 keeps them).
	Retention    time.Duration
	MaxBodyBytes int64         // MAX_BODY_BYTES: larger events get 413
	BodyBudget   int64         // BODY_BUDGET_BYTES: bodies being received together; past it 503
	ReadTimeout  time.Duration // READ_TIMEOUT: one whole request
	// ReplayTimeout bounds one replayed event's round trip (REPLAY_TIMEOUT).
	ReplayTimeout time.Duration
	// OIDCTokenFile: when it exists, replays present it as a bearer token
	// (OIDC_TOKEN_FILE), as the adapter presents its SinkBinding's.
	OIDCTokenFile string
}

// Defaults for what the environment leaves unset.
const (
	DefaultDataDir       = "/var/lib/kymamesh-deadletter"
	DefaultAPIAddr       = "127.0.0.1:8081"
	defaultMaxStoreBytes = 512 << 20
	defaultMaxBody       = 1 << 20
	defaultBodyBudget    = 32 << 20
	defaultReadTimeout   = 15 * time.Second
	defaultReplayTimeout = 30 * time.Second
	// Intake bounds, as the adapter's (docs/reliability.md): requests in
	// flight, open connections, header fields and bytes, extensions.
	maxInFlight     = 256
	maxConnections  = 512
	maxHeaderFields = 128
	maxHeaderBytes  = 64 << 10
	maxExtensions   = 64
	maxExtBytes     = 32 << 10
)

// ConfigFromEnv reads the configuration with getenv (os.Getenv in main).
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{Port: 8080, APIAddr: DefaultAPIAddr, DataDir: DefaultDataDir, MaxStoreBytes: defaultMaxStoreBytes,
		MaxBodyBytes: defaultMaxBody, BodyBudget: budgetFromMemoryLimit(debug.SetMemoryLimit(-1)),
		ReadTimeout: defaultReadTimeout, ReplayTimeout: defaultReplayTimeout,
		OIDCTokenFile: "/oidc/token"}
	if v := getenv("API_ADDR"); v != "" {
		c.APIAddr = v
	}
	if v := getenv("DATA_DIR"); v != "" {
		c.DataDir = v
	}
	if v := getenv("OIDC_TOKEN_FILE"); v != "" {
		c.OIDCTokenFile = v
	}
	if s := getenv("PORT"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 65535 {
			return c, fmt.Errorf("PORT: %q is not a number from 0 to 65535", s)
		}
		c.Port = n
	}
	for _, v := range []struct {
		name string
		dst  *int64
	}{{"MAX_STORE_BYTES", &c.MaxStoreBytes}, {"MAX_BODY_BYTES", &c.MaxBodyBytes}, {"BODY_BUDGET_BYTES", &c.BodyBudget}} {
		if s := getenv(v.name); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n <= 0 {
				return c, fmt.Errorf("%s: %q is not a positive number", v.name, s)
			}
			*v.dst = n
		}
	}
	for _, v := range []struct {
		name     string
		dst      *time.Duration
		zeroOkay bool
	}{{"RETENTION", &c.Retention, true}, {"READ_TIMEOUT", &c.ReadTimeout, false}, {"REPLAY_TIMEOUT", &c.ReplayTimeout, false}} {
		if s := getenv(v.name); s != "" {
			d, err := time.ParseDuration(s)
			if err != nil || d < 0 || d == 0 && !v.zeroOkay {
				return c, fmt.Errorf("%s: %q is not a positive duration", v.name, s)
			}
			*v.dst = d
		}
	}
	if c.BodyBudget < c.MaxBodyBytes {
		return c, fmt.Errorf("BODY_BUDGET_BYTES: %d is less than MAX_BODY_BYTES (%d): the largest event could never be read", c.BodyBudget, c.MaxBodyBytes)
	}
	return c, nil
}

// budgetFromMemoryLimit gives bodies being received a quarter of GOMEMLIMIT.
func budgetFromMemoryLimit(limit int64) int64 {
	if limit <= 0 || limit == math.MaxInt64 {
		return defaultBodyBudget
	}
	return max(limit/4, 2*defaultMaxBody)
}
