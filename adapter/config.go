// Package adapter is the HTTP source adapter: a CloudEvents 1.0 receiver that
// stamps each event with its application's name as source and forwards it,
// synchronously, to the sink a Knative SinkBinding gave it (K_SINK). It
// acknowledges only what the sink accepted.
package adapter

import (
	"fmt"
	"math"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/http/httpguts"
)

// Config is the adapter's configuration, read from the environment.
type Config struct {
	Source       string // EVENT_SOURCE: the application's name, the events' new source
	Sink         string // K_SINK: where events go (injected by a SinkBinding)
	Port         int    // PORT: the events listener
	MetricsPort  int    // METRICS_PORT: the Prometheus listener
	MaxBodyBytes int64  // MAX_BODY_BYTES: larger requests get 413
	SinkTimeout  time.Duration
	// ReadTimeout bounds reading one whole request, headers and body
	// (READ_TIMEOUT): a body trickled or never sent does not hold a connection.
	ReadTimeout time.Duration
	// DrainPeriod is how long the adapter keeps serving, not ready, after
	// SIGTERM (DRAIN_PERIOD), while Kubernetes takes it out of the endpoints.
	DrainPeriod time.Duration
	// MaxInFlight caps the requests being handled at once (MAX_IN_FLIGHT);
	// beyond it callers get 503 with Retry-After.
	MaxInFlight int
	// MaxConnections caps open client connections (MAX_CONNECTIONS); more
	// wait in the listen queue, where they cost the adapter no memory.
	MaxConnections int
	// BodyBudget is the memory all event bodies in flight may take together
	// (BODY_BUDGET_BYTES); a quarter of GOMEMLIMIT when that is set.
	BodyBudget int64
	// SinkClient chooses how plain-HTTP sinks are reached (SINK_CLIENT):
	// "pool", the adapter's own (faster), or "net/http", Go's Transport (for
	// a sink the pool does not get along with, and for the A/B in docs/adapter.md).
	SinkClient string
	// OIDCTokenFile is the token the adapter presents to its sink as
	// "Authorization: Bearer" when it exists (OIDC_TOKEN_FILE; by default
	// where a SinkBinding mounts it with Knative's OIDC authentication on).
	OIDCTokenFile string
	// CredentialsDir is the folder of the application's credentials (its
	// mounted Secret, CREDENTIALS_DIR): once it holds any, every event needs
	// "Authorization: Bearer" with a valid token. Re-read every
	// CredentialsPoll (CREDENTIALS_POLL).
	CredentialsDir  string
	CredentialsPoll time.Duration
	// LegacyEvents also takes Kyma's events API (LEGACY_EVENTS=true): POST
	// /v1/events and /APP/v1/events with Kyma's JSON (legacy.go).
	LegacyEvents bool
}

// Sink clients.
const (
	SinkClientPool    = "pool"
	SinkClientNetHTTP = "net/http"
)

// Defaults for what the environment leaves unset.
const (
	defaultMaxBody     = 1 << 20
	defaultBodyBudget  = 64 << 20
	defaultMaxInFlight = 1000
	defaultMaxConns    = 2000
	defaultReadTimeout = 15 * time.Second
)

// ConfigFromEnv reads the configuration with getenv (os.Getenv in main).
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{Source: getenv("EVENT_SOURCE"), Sink: getenv("K_SINK"), Port: 8080, MetricsPort: 9090,
		MaxBodyBytes: defaultMaxBody, SinkTimeout: 30 * time.Second, ReadTimeout: defaultReadTimeout, DrainPeriod: 5 * time.Second,
		MaxInFlight: defaultMaxInFlight, MaxConnections: defaultMaxConns, BodyBudget: budgetFromMemoryLimit(debug.SetMemoryLimit(-1)),
		OIDCTokenFile: DefaultOIDCTokenFile, CredentialsDir: DefaultCredentialsDir, CredentialsPoll: defaultCredentialsPoll}
	if v := getenv("CREDENTIALS_DIR"); v != "" {
		c.CredentialsDir = v
	}
	switch v := getenv("LEGACY_EVENTS"); v {
	case "", "false":
	case "true":
		c.LegacyEvents = true
	default:
		return c, fmt.Errorf("LEGACY_EVENTS: %q: want true or false", v)
	}
	if v := getenv("OIDC_TOKEN_FILE"); v != "" {
		c.OIDCTokenFile = v
	}
	if c.Source == "" {
		return c, fmt.Errorf("EVENT_SOURCE is required: the application's name, set as every event's source")
	}
	if !httpguts.ValidHeaderFieldValue(c.Source) {
		return c, fmt.Errorf("EVENT_SOURCE: %q holds a control character", c.Source)
	}
	if v := getenv("SINK_CLIENT"); v != "" {
		if v != SinkClientPool && v != SinkClientNetHTTP {
			return c, fmt.Errorf("SINK_CLIENT: %q: want %s or %s", v, SinkClientPool, SinkClientNetHTTP)
		}
		c.SinkClient = v
	}
	if c.Sink != "" {
		u, err := url.Parse(c.Sink)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return c, fmt.Errorf("K_SINK: %q is not an http or https URL", redact(c.Sink))
		}
		// url.Parse takes any digits as a port; one out of range would fail
		// every event (503) instead of the start.
		if p := u.Port(); p != "" {
			if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
				return c, fmt.Errorf("K_SINK: %q: port %s is not from 1 to 65535", redact(c.Sink), p)
			}
		}
	}
	ints := []struct {
		name     string
		dst      *int
		min, max int
	}{{"PORT", &c.Port, 0, 65535}, {"METRICS_PORT", &c.MetricsPort, 0, 65535},
		{"MAX_IN_FLIGHT", &c.MaxInFlight, 1, 1 << 20}, {"MAX_CONNECTIONS", &c.MaxConnections, 1, 1 << 20}}
	for _, v := range ints {
		if s := getenv(v.name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < v.min || n > v.max {
				return c, fmt.Errorf("%s: %q is not a number from %d to %d", v.name, s, v.min, v.max)
			}
			*v.dst = n
		}
	}
	for _, v := range []struct {
		name string
		dst  *int64
	}{{"MAX_BODY_BYTES", &c.MaxBodyBytes}, {"BODY_BUDGET_BYTES", &c.BodyBudget}} {
		if s := getenv(v.name); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n <= 0 {
				return c, fmt.Errorf("%s: %q is not a positive number", v.name, s)
			}
			*v.dst = n
		}
	}
	if c.BodyBudget < c.MaxBodyBytes {
		return c, fmt.Errorf("BODY_BUDGET_BYTES: %d is less than MAX_BODY_BYTES (%d): the largest event could never be read", c.BodyBudget, c.MaxBodyBytes)
	}
	for _, v := range []struct {
		name     string
		dst      *time.Duration
		zeroOkay bool
	}{{"SINK_TIMEOUT", &c.SinkTimeout, false}, {"READ_TIMEOUT", &c.ReadTimeout, false}, {"DRAIN_PERIOD", &c.DrainPeriod, true},
		{"CREDENTIALS_POLL", &c.CredentialsPoll, false}} {
		if s := getenv(v.name); s != "" {
			d, err := time.ParseDuration(s)
			if err != nil || d < 0 || d == 0 && !v.zeroOkay {
				return c, fmt.Errorf("%s: %q is not a positive duration", v.name, s)
			}
			*v.dst = d
		}
	}
	return c, nil
}

// budgetFromMemoryLimit gives event bodies a quarter of the Go memory limit
// (GOMEMLIMIT, from the container's limits.memory): the rest is for
// connections, goroutines and the second copy a structured event needs.
func budgetFromMemoryLimit(limit int64) int64 {
	if limit <= 0 || limit == math.MaxInt64 {
		return defaultBodyBudget
	}
	return max(limit/4, defaultMaxBody)
}

// ShutdownGrace is how long in-flight events may take after the drain: the
// slowest request still being read plus its round trip to the sink.
func (c Config) ShutdownGrace() time.Duration { return c.ReadTimeout + c.SinkTimeout }

// redact hides what in a URL can be a secret, for logs and errors: the user
// information (a token can be the user name), the query's values (signed URLs
// and access tokens live there; a value-less part is hidden whole) and the
// fragment.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	if u.User != nil {
		u.User = url.User("xxxxx")
	}
	if u.RawQuery != "" {
		parts := strings.Split(u.RawQuery, "&")
		for i, p := range parts {
			if k, _, ok := strings.Cut(p, "="); ok {
				parts[i] = k + "=xxxxx"
			} else {
				parts[i] = "xxxxx"
			}
		}
		u.RawQuery = strings.Join(parts, "&")
	}
	u.Fragment, u.RawFragment = "", ""
	return u.String()
}
