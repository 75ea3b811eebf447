package adapter

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// sinkPool keeps idle HTTP/1.1 connections to the one sink and makes each round
// trip in the calling goroutine. net/http's Transport hands every request to two
// goroutines per connection; on two shared cores those hand-offs cost a
// measurable share of the adapter's throughput (see docs/benchmarks.md).
// It serves plain-HTTP sinks, directly or through HTTP_PROXY; other sinks use
// the net/http client.
type sinkPool struct {
	dialAddr string // the sink's host:port, or the proxy's
	viaProxy bool
	timeout  time.Duration
	maxIdle  int

	mu   sync.Mutex
	idle []*sinkConn
}

type sinkConn struct {
	net.Conn
	r *bufio.Reader
	w *bufio.Writer
}

// newSinkPool returns nil when the sink is not plain HTTP; proxy is
// http.ProxyFromEnvironment outside tests.
func newSinkPool(sink string, timeout time.Duration, proxy func(*http.Request) (*url.URL, error)) *sinkPool {
	u, err := url.Parse(sink)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return nil
	}
	p := &sinkPool{dialAddr: hostPort(u), timeout: timeout, maxIdle: 1000}
	if proxy, err := proxy(&http.Request{URL: u}); err == nil && proxy != nil {
		if proxy.Scheme != "http" {
			return nil
		}
		p.dialAddr, p.viaProxy = hostPort(proxy), true
	}
	return p
}

func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	return net.JoinHostPort(u.Hostname(), "80")
}

func (p *sinkPool) get() (*sinkConn, bool, error) {
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		c := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return c, true, nil
	}
	p.mu.Unlock()
	c, err := net.DialTimeout("tcp", p.dialAddr, p.timeout)
	if err != nil {
		return nil, false, err
	}
	return &sinkConn{Conn: c, r: bufio.NewReader(c), w: bufio.NewWriter(c)}, false, nil
}

func (p *sinkPool) put(c *sinkConn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.idle) >= p.maxIdle {
		c.Close()
		return
	}
	p.idle = append(p.idle, c)
}

// roundTrip sends req and returns the sink's status code. A pooled connection
// the sink closed meanwhile is retried once on a fresh one (the body is in memory).
func (p *sinkPool) roundTrip(req *http.Request) (int, error) {
	for attempt := 0; ; attempt++ {
		c, reused, err := p.get()
		if err != nil {
			return 0, err
		}
		code, err := p.exchange(c, req)
		if err == nil {
			return code, nil
		}
		c.Close()
		var ne net.Error
		if !reused || attempt > 0 || errors.As(err, &ne) && ne.Timeout() || req.GetBody == nil {
			return 0, err
		}
		body, err := req.GetBody()
		if err != nil {
			return 0, err
		}
		req.Body = body
	}
}

func (p *sinkPool) exchange(c *sinkConn, req *http.Request) (int, error) {
	if err := c.SetDeadline(time.Now().Add(p.timeout)); err != nil {
		return 0, err
	}
	write := req.Write
	if p.viaProxy {
		write = req.WriteProxy
	}
	if err := write(c.w); err != nil {
		return 0, err
	}
	if err := c.w.Flush(); err != nil {
		return 0, err
	}
	resp, err := http.ReadResponse(c.r, req)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	if err == nil && !resp.Close {
		p.put(c)
	} else {
		c.Close()
	}
	return resp.StatusCode, nil
}
