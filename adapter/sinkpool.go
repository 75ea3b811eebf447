package adapter

import (
	"bufio"
	"errors"
	"fmt"
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
// Request on the way; on two shared cores that costs a third of the adapter's
// throughput (the A/B in docs/adapter.md, "The sink client").
// It serves plain-HTTP sinks, directly or through HTTP_PROXY; other sinks use
// the net/http client.
//
// Delivery rule: an event goes out a second time only when not one byte of it
// left this process on the first connection, so the sink cannot have read it.
// Everything else fails the event, and the caller (who got no 2xx) retries.
type sinkPool struct {
	dialAddr string // the sink's host:port, or the proxy's
	target   string // the request line's target: path, or the absolute URL for a proxy
	host     string // the Host header
	timeout  time.Duration
	maxIdle  int

	mu   sync.Mutex
	idle []*sinkConn
}

// sinkConn is a connection to the sink; written counts the bytes of the
// current request that were handed to the kernel.
type sinkConn struct {
	net.Conn
	r       *bufio.Reader
	w       *bufio.Writer
	peek    *idlePeek
	written int
	used    time.Time // when its last round trip started
	// head follows the sink's answer heads as they are read (scanning),
	// so that one larger than maxSinkHead* is refused while it arrives.
	head     headScan
	scanning bool
}

// peekAfter: a connection idle this long is peeked at before it carries an
// event. Sinks close idle keep-alive connections after seconds (Node.js after
// 5 s); under load a connection is back in use within microseconds (the pool
// is a stack), where the system call would cost 2-3% of the adapter's CPU for
// nothing. A sink that closes within this time after answering, without
// saying "Connection: close", makes the next event on that connection fail
// (503: neither lost nor sent twice).
const peekAfter = 10 * time.Millisecond

// Read stops an answer whose head is larger than the pool takes: net/http
// reads a head into memory whole before anyone can look at it.
func (c *sinkConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if c.scanning && n > 0 {
		c.head.feed(p[:n])
		if c.head.bytes > maxSinkHeadBytes || c.head.lines > maxSinkHeadLines {
			return 0, errSinkHeadTooLarge
		}
	}
	return n, err
}

func (c *sinkConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.written += n
	return n, err
}

// max1xx bounds the interim answers (100 Continue, 103 Early Hints) read
// before the final one, as net/http's client does.
const max1xx = 5

// A sink's answer heads (interim ones and the final one together, as
// net/http's client counts them) may hold at most
// maxSinkHeadBytes in at most maxSinkHeadLines lines (status line included):
// at most about 45 KiB parsed (headLineCost), so MAX_IN_FLIGHT round trips
// cannot take the adapter past its memory limit. A Knative Channel's answer
// head is about 100 bytes in 3 lines (Envoy in between adds a few); 16 KiB is
// Node.js's default limit for a whole head. net/http's client, which counts
// bytes only, gets the same byte limit (NewSinkClient); its default is 10 MiB.
const (
	maxSinkHeadBytes = 16 << 10
	maxSinkHeadLines = 64
)

// errSinkHeadTooLarge: the sink's answer head is over the limits above.
var errSinkHeadTooLarge = errors.New("the sink's answer head is larger than the adapter reads")

// maxDrain is how much of a sink's answer body is read to keep the connection;
// a longer body closes it instead.
const maxDrain = 64 << 10

// errNotReplayable marks a failure after the request left: the sink may have
// read the event, so it is not sent again.
var errNotReplayable = errors.New("the sink may have read the event")

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

// get returns an idle connection the sink has not closed, or a new one.
func (p *sinkPool) get(now, deadline time.Time) (*sinkConn, bool, error) {
	for {
		p.mu.Lock()
		n := len(p.idle)
		if n == 0 {
			p.mu.Unlock()
			break
		}
		c := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		if c.SetDeadline(deadline) == nil && c.r.Buffered() == 0 && (now.Sub(c.used) < peekAfter || c.peek.ok()) {
			c.used = now
			return c, true, nil
		}
		c.Close() // closed by the sink while idle, or it sent what nobody asked for
	}
	nc, err := net.DialTimeout("tcp", p.dialAddr, time.Until(deadline))
	if err != nil {
		return nil, false, err
	}
	c := &sinkConn{Conn: nc, peek: newIdlePeek(nc), used: now}
	c.r, c.w = bufio.NewReader(c), bufio.NewWriter(c)
	return c, false, c.SetDeadline(deadline)
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

// roundTrip posts ev and returns the sink's final status code (a 3xx is
// returned, never followed) and, on 429 and 503, its Retry-After.
func (p *sinkPool) roundTrip(ev *outEvent) (int, string, error) {
	now := time.Now()
	deadline := now.Add(p.timeout)
	for attempt := 0; ; attempt++ {
		c, reused, err := p.get(now, deadline)
		if err != nil {
			return 0, "", err
		}
		code, retryAfter, err := p.exchange(c, ev)
		if err == nil {
			return code, retryAfter, nil
		}
		c.Close()
		// Only a reused connection that took none of the request is worth
		// another try: a new one failing that way means the sink is down.
		if !reused || c.written > 0 || attempt >= 2 || isTimeout(err) {
			return 0, "", err
		}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// exchange writes the request and reads the final answer. The connection goes
// back to the pool only when the answer was read whole and the sink keeps it.
func (p *sinkPool) exchange(c *sinkConn, ev *outEvent) (int, string, error) {
	c.written = 0
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
	werr := w.Flush()
	if werr != nil && c.written == 0 {
		return 0, "", werr
	}
	// A sink may answer before it read the whole request (and then close):
	// its answer stands even when the rest of the request could not be written.
	c.head, c.scanning = headScan{interim: true}, true
	// The answer's first bytes, read as http.ReadResponse would read them
	// (bufio hands a read error out once: it is kept here, not read again).
	var resp *http.Response
	_, err := c.r.Peek(1)
	if err == nil {
		if code, ok := quickAnswer(c.r); ok {
			c.scanning = false
			if werr == nil {
				p.put(c)
			} else {
				c.Close()
			}
			return code, "", nil
		}
		resp, err = readFinal(c.r)
	} else if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	c.scanning = false
	if err != nil {
		if werr != nil {
			err = werr
		}
		return 0, "", fmt.Errorf("%w: %w", errNotReplayable, err)
	}
	n, err := io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain+1))
	resp.Body.Close()
	if werr == nil && err == nil && n <= maxDrain && !resp.Close {
		p.put(c)
	} else {
		c.Close()
	}
	return resp.StatusCode, retryAfterOf(resp), nil
}

// readFinal reads the sink's answer, skipping interim 1xx answers: a 100 or
// 103 is not the sink's verdict on the event.
func readFinal(r *bufio.Reader) (*http.Response, error) {
	for i := 0; ; i++ {
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			return nil, err
		}
		switch {
		case resp.StatusCode >= 200:
			return resp, nil
		case resp.StatusCode == http.StatusSwitchingProtocols:
			return nil, errors.New("the sink switched protocols")
		case i >= max1xx:
			return nil, fmt.Errorf("the sink sent more than %d interim answers", max1xx)
		}
	}
}
