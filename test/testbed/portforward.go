package testbed

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/apimachinery/pkg/util/httpstream/spdy"
)

// PortForwardKubelet stands in for a kubelet's port-forward endpoint, which is
// all the API server needs of a node to serve pods/portforward: it answers
// /portForward/NS/POD over SPDY and joins each forwarded connection to
// 127.0.0.1:PORT on this host, where the test bed's adapters listen.
// It returns the port it serves HTTPS on (the API server does not verify a
// kubelet's certificate unless told a CA).
func PortForwardKubelet(t testing.TB) int {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(servePortForward))
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().(*net.TCPAddr).Port
}

func servePortForward(w http.ResponseWriter, req *http.Request) {
	if !strings.HasPrefix(req.URL.Path, "/portForward/") {
		http.NotFound(w, req)
		return
	}
	if _, err := httpstream.Handshake(req, w, []string{"portforward.k8s.io"}); err != nil {
		return // Handshake answered
	}
	streams := make(chan httpstream.Stream, 16)
	conn := spdy.NewResponseUpgrader().UpgradeResponse(w, req, func(s httpstream.Stream, _ <-chan struct{}) error {
		streams <- s
		return nil
	})
	if conn == nil {
		return
	}
	defer conn.Close()
	// The client opens an error stream and a data stream per connection, tied
	// by their requestID.
	type pair struct{ errs, data httpstream.Stream }
	pairs := map[string]*pair{}
	for {
		select {
		case <-conn.CloseChan():
			return
		case s := <-streams:
			id := s.Headers().Get(corev1.PortForwardRequestIDHeader)
			p := pairs[id]
			if p == nil {
				p = &pair{}
				pairs[id] = p
			}
			if s.Headers().Get(corev1.StreamType) == corev1.StreamTypeError {
				p.errs = s
			} else {
				p.data = s
			}
			if p.errs != nil && p.data != nil {
				delete(pairs, id)
				go forward(p.errs, p.data)
			}
		}
	}
}

// forward joins one forwarded connection to its port on 127.0.0.1; a failure
// to connect is reported on the error stream, as a kubelet does.
func forward(errs, data httpstream.Stream) {
	defer errs.Close()
	defer data.Close()
	port := data.Headers().Get(corev1.PortHeader)
	c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		fmt.Fprintf(errs, "port %s: %v", port, err)
		return
	}
	defer c.Close()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, _ = io.Copy(c, data)
		_ = c.(*net.TCPConn).CloseWrite()
	}()
	_, _ = io.Copy(data, c)
	wg.Wait()
}
