package adapter

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// sinkPool keeps idle HTTP/1.1 connections to the one sink and makes each round
// trip in the calling goroutine, writing the request itself. net/http's
// Transport hands every request to two goroutines per connection and builds a
// Request on the way; on two shared cores both cost a measurable share of the
// adapter's throughput (see docs/benchmarks.md).
// It serves plain-HTTP sinks, directly or through HTTP_PROXY; other sinks use
// the net/http client.
type sinkPool struct {
	dialAddr string // the sink's host:port, or the proxy's
	target   string // the request line's target: path, or the absolute URL for a proxy
	host     string // the Host header
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
	if err != nil || u.Scheme != "http" || u.Host == "" || u.User != nil {
		return nil
	}
	p := &sinkPool{dialAddr: hostPort(u), target: u.RequestURI(), host: u.Host, timeout: timeout, maxIdle: 1000}
	if proxy, err := proxy(&http.Request{URL: u}); err == nil && proxy != nil {
		if proxy.Scheme != "http" || proxy.User != nil {
			return nil
		}
		p.dialAddr, p.target = hostPort(proxy), u.String()
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

// roundTrip posts ev and returns the sink's status code. A pooled connection
// the sink closed meanwhile is retried once on a fresh one (the body is in memory).
func (p *sinkPool) roundTrip(ev *outEvent) (int, error) {
	for attempt := 0; ; attempt++ {
		c, reused, err := p.get()
		if err != nil {
			return 0, err
		}
		code, err := p.exchange(c, ev)
		if err == nil {
			return code, nil
		}
		c.Close()
		var ne net.Error
		if !reused || attempt > 0 || errors.As(err, &ne) && ne.Timeout() {
			return 0, err
		}
	}
}

func (p *sinkPool) exchange(c *sinkConn, ev *outEvent) (int, error) {
	if err := c.SetDeadline(time.Now().Add(p.timeout)); err != nil {
		return 0, err
	}
	w := c.w
	w.WriteString("POST ")
	w.WriteString(p.target)
	w.WriteString(" HTTP/1.1\r\nHost: ")
	w.WriteString(p.host)
	w.WriteString("\r\n")
	ev.writeHeader(w)
	w.WriteString("Content-Length: ")
	w.WriteString(strconv.Itoa(len(ev.body)))
	w.WriteString("\r\n\r\n")
	w.Write(ev.body)
	if err := w.Flush(); err != nil {
		return 0, err
	}
	resp, err := http.ReadResponse(c.r, nil)
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
