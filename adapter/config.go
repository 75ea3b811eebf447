// Package adapter is the HTTP source adapter: a CloudEvents 1.0 receiver that
// stamps each event with its application's name as source and forwards it,
// synchronously, to the sink a Knative SinkBinding gave it (K_SINK). It
// acknowledges only what the sink accepted.
package adapter

import (
	"fmt"
	"strconv"
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
}

// ConfigFromEnv reads the configuration with getenv (os.Getenv in main).
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{Source: getenv("EVENT_SOURCE"), Sink: getenv("K_SINK"), Port: 8080, MetricsPort: 9090,
		MaxBodyBytes: 1 << 20, SinkTimeout: 30 * time.Second}
	if c.Source == "" {
		return c, fmt.Errorf("EVENT_SOURCE is required: the application's name, set as every event's source")
	}
	if !httpguts.ValidHeaderFieldValue(c.Source) {
		return c, fmt.Errorf("EVENT_SOURCE: %q holds a control character", c.Source)
	}
	for _, v := range []struct {
		name string
		dst  *int
	}{{"PORT", &c.Port}, {"METRICS_PORT", &c.MetricsPort}} {
		if s := getenv(v.name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 || n > 65535 {
				return c, fmt.Errorf("%s: %q is not a port number", v.name, s)
			}
			*v.dst = n
		}
	}
	if s := getenv("MAX_BODY_BYTES"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return c, fmt.Errorf("MAX_BODY_BYTES: %q is not a positive number", s)
		}
		c.MaxBodyBytes = n
	}
	if s := getenv("SINK_TIMEOUT"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("SINK_TIMEOUT: %q is not a positive duration", s)
		}
		c.SinkTimeout = d
	}
	return c, nil
}
