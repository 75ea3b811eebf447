//go:build linux

package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/apimachinery/pkg/util/httpstream/spdy"
)

// portForwardHandler is the part of a kubelet's API that `kubectl port-forward`
// (and the plugin's send and tail) reach through the API server:
// /portForward/NAMESPACE/POD over SPDY, each forwarded connection joined to
// the requested port on 127.0.0.1 inside the pod's network namespace, as a
// kubelet's container runtime does: a port the pod listens on only on its
// loopback is reached too. podPid names a process in the pod's namespace.
func portForwardHandler(podPid func(namespace, pod string) (int, bool)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		parts := strings.Split(strings.TrimPrefix(req.URL.Path, "/portForward/"), "/")
		if !strings.HasPrefix(req.URL.Path, "/portForward/") || len(parts) != 2 {
			http.NotFound(w, req)
			return
		}
		pid, ok := podPid(parts[0], parts[1])
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
					go forward(pid, p.errs, p.data)
				}
			}
		}
	})
}

// forward joins one forwarded connection to 127.0.0.1:port in the network
// namespace of process pid; a failure to connect is reported on the error
// stream, as a kubelet does.
func forward(pid int, errs, data httpstream.Stream) {
	defer errs.Close()
	defer data.Close()
	port := data.Headers().Get(corev1.PortHeader)
	c, err := dialInNetns(pid, net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		fmt.Fprintf(errs, "port %s: %v", port, err)
		return
	}
	defer c.Close()
	go func() {
		_, _ = io.Copy(c, data)
		_ = c.(*net.TCPConn).CloseWrite()
	}()
	// The pod's end is done (it closed, or its process is gone): the
	// forwarded connection ends with it, as a kubelet's does, even while the
	// client still holds its side open (waiting for an answer that will not
	// come); the deferred closes end the copy above.
	_, _ = io.Copy(data, c)
}

// dialInNetns connects to addr from inside the network namespace of process
// pid: the socket is made on a thread moved into that namespace (and keeps
// it), then the thread moves back. A thread that cannot move back is not
// unlocked, so the runtime ends it rather than reuse it in the pod's namespace.
func dialInNetns(pid int, addr string) (net.Conn, error) {
	type result struct {
		c   net.Conn
		err error
	}
	out := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		self, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			out <- result{nil, err}
			return
		}
		defer self.Close()
		pod, err := os.Open("/proc/" + strconv.Itoa(pid) + "/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			out <- result{nil, fmt.Errorf("the pod's network namespace: %w", err)}
			return
		}
		defer pod.Close()
		if err := unix.Setns(int(pod.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			out <- result{nil, fmt.Errorf("entering the pod's network namespace: %w", err)}
			return
		}
		c, err := net.Dial("tcp", addr)
		if unix.Setns(int(self.Fd()), unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		}
		out <- result{c, err}
	}()
	r := <-out
	return r.c, r.err
}
