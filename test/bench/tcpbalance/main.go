// Command tcpbalance is a loopback TCP balancer for test/bench/replicas.sh:
// each accepted connection goes to the next backend in turn and is piped both
// ways, as the test bed's kproxy forwards a ClusterIP connection to a Service's
// ready endpoints (and as kube-proxy balances: per connection, not per request).
// It is a bench tool: nothing deploys it.
package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"sync/atomic"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "error: usage: tcpbalance LISTEN_ADDR BACKEND_ADDR...")
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
	backends := os.Args[2:]
	var next atomic.Uint32
	for {
		c, err := ln.Accept()
		if err != nil {
			fmt.Fprintln(os.Stderr, "error:", err)
			os.Exit(1)
		}
		go func() {
			b, err := net.Dial("tcp", backends[int(next.Add(1))%len(backends)])
			if err != nil {
				c.Close()
				return
			}
			pipe(c, b)
		}()
	}
}

// pipe copies both ways until both sides are done, passing on half-closes.
func pipe(a, b net.Conn) {
	done := make(chan struct{}, 2)
	cp := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		if c, ok := dst.(*net.TCPConn); ok {
			_ = c.CloseWrite()
		}
		done <- struct{}{}
	}
	go cp(a, b)
	go cp(b, a)
	<-done
	<-done
	a.Close()
	b.Close()
}
