//go:build linux

package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/apimachinery/pkg/util/httpstream/spdy"
)

// portForwardHandler is the part of a kubelet's API that `kubectl port-forward`
// (and the plugin's send and tail) reach through the API server:
// /portForward/NAMESPACE/POD over SPDY, each forwarded connection joined to
// the pod's address and the requested port. podIP says where a pod runs.
func portForwardHandler(podIP func(namespace, pod string) (string, bool)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		parts := strings.Split(strings.TrimPrefix(req.URL.Path, "/portForward/"), "/")
		if !strings.HasPrefix(req.URL.Path, "/portForward/") || len(parts) != 2 {
			http.NotFound(w, req)
			return
		}
		ip, ok := podIP(parts[0], parts[1])
		if !ok {
			http.Error(w, fmt.Sprintf("pod %s/%s does not run on this node", parts[0], parts[1]), http.StatusNotFound)
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
		// The client opens an error stream and a data stream per connection,
		// tied by their request id.
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
					go forward(ip, p.errs, p.data)
				}
			}
		}
	})
}

// forward joins one forwarded connection to ip:port; a failure to connect is
// reported on the error stream, as a kubelet does.
func forward(ip string, errs, data httpstream.Stream) {
	defer errs.Close()
	defer data.Close()
	port := data.Headers().Get(corev1.PortHeader)
	c, err := net.Dial("tcp", net.JoinHostPort(ip, port))
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
