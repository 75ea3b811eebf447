package receiver

import (
	"net"
	"testing"
)

// start serves a receiver with cfg (and testToken) on 127.0.0.1 as Run
// does, and returns its URL.
func start(t *testing.T, cfg Config) (string, *hub) {
	t.Helper()
	cfg.Token = testToken
	h := newHub(cfg.BacklogBytes)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := newServer(cfg, h, quiet())
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String(), h
}
