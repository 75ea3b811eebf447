package adapter

import (
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Request heads: at most maxRequestHeadBytes (the request line included) in at
// most maxRequestHeaderFields header fields, else 431. Envoy, which fronts the
// adapter in an Istio mesh such as Kyma's, refuses more than 100 fields or
// 60 KiB by default; 128 fields leave room for what proxies add to a request
// at Envoy's limit. Parsed, such a head holds at most about 90 KiB
// (headLineCost), which the memory budget pays for from its first byte until
// the request is answered.
const (
	maxRequestHeadBytes    = 64 << 10
	maxRequestHeaderFields = 128
)

// connGate is the events listener. It caps open connections at
// MAX_CONNECTIONS; at the cap, kept-alive connections waiting for their next
// request give way to new ones, the longest waiting first: otherwise idle
// connections (two minutes each) would keep new senders in the listen queue.
// It also meters each request's head while it arrives: bounded in bytes and
// fields (431) and paid from the memory budget (503 with Retry-After when
// spent), before net/http parses it into a header map that costs up to 50
// times its bytes.
type connGate struct {
	net.Listener
	h   *Handler
	max int // 0: no cap

	mu     sync.Mutex
	cond   sync.Cond
	open   int
	idle   *gateConn // oldest kept-alive connection waiting for a request (a list through next/prev)
	last   *gateConn // the newest one
	closed bool
}

func newConnGate(ln net.Listener, max int, h *Handler) *connGate {
	g := &connGate{Listener: ln, h: h, max: max}
	g.cond.L = &g.mu
	return g
}

// attach makes srv tell the gate its connections' states, and bounds its
// heads where net/http would (the gate's limits come first; net/http's adds
// 4 KiB of slack).
func (g *connGate) attach(srv *http.Server) {
	srv.ConnState = g.connState
	srv.MaxHeaderBytes = maxRequestHeadBytes
}

// gateConn is an accepted connection.
type gateConn struct {
	net.Conn
	g          *connGate
	prev, next *gateConn // in the gate's idle list, under g.mu
	idle       bool      // under g.mu
	counted    bool      // holds one of the gate's places, under g.mu
	// A head is metered from the connection's start, and again once it is
	// idle, until its blank line or until net/http hands the request to
	// the handler; held is what it paid, given back when the request is done.
	scanning bool
	head     headScan
	held     atomic.Int64
}

// Accept takes the next connection, then makes room for it: at the cap it
// closes the oldest idle connection, or waits until one goes idle or closes.
// Waiting here, one connection at most is held beyond the cap; the rest wait
// in the kernel's listen queue, as they did behind netutil.LimitListener.
func (g *connGate) Accept() (net.Conn, error) {
	nc, err := g.Listener.Accept()
	if err != nil {
		return nil, err
	}
	c := &gateConn{Conn: nc, g: g, scanning: true}
	if g.max <= 0 {
		return c, nil
	}
	g.mu.Lock()
	for g.open >= g.max && !g.closed {
		if old := g.idle; old != nil {
			g.unlinkLocked(old)
			old.counted = false // its place is the new one's now
			g.open--
			g.mu.Unlock()
			old.Conn.Close() // its request loop ends; nothing of a request was read
			g.mu.Lock()
			continue
		}
		g.cond.Wait()
	}
	if g.closed {
		g.mu.Unlock()
		nc.Close()
		return nil, net.ErrClosed
	}
	g.open++
	c.counted = true
	g.mu.Unlock()
	return c, nil
}

// Close stops Accept, a waiting one included.
func (g *connGate) Close() error {
	g.mu.Lock()
	g.closed = true
	g.cond.Broadcast()
	g.mu.Unlock()
	return g.Listener.Close()
}

func (g *connGate) unlinkLocked(c *gateConn) {
	if !c.idle {
		return
	}
	if c.prev != nil {
		c.prev.next = c.next
	} else {
		g.idle = c.next
	}
	if c.next != nil {
		c.next.prev = c.prev
	} else {
		g.last = c.prev
	}
	c.prev, c.next, c.idle = nil, nil, false
}

// connState follows net/http's view of each connection.
func (g *connGate) connState(nc net.Conn, st http.ConnState) {
	c, ok := nc.(*gateConn)
	if !ok {
		return
	}
	switch st {
	case http.StateActive: // a head was read: the handler comes next
		c.scanning = false
		g.mu.Lock()
		g.unlinkLocked(c)
		g.mu.Unlock()
	case http.StateIdle: // answered: its head is garbage; the next one is metered
		g.h.budget.give(c.held.Swap(0))
		c.head, c.scanning = headScan{}, true
		if g.max <= 0 {
			return
		}
		g.mu.Lock()
		if c.counted && !c.idle {
			c.idle, c.prev = true, g.last
			if g.last != nil {
				g.last.next = c
			} else {
				g.idle = c
			}
			g.last = c
			g.cond.Signal()
		}
		g.mu.Unlock()
	case http.StateClosed, http.StateHijacked:
		g.h.budget.give(c.held.Swap(0))
		g.mu.Lock()
		g.unlinkLocked(c)
		if c.counted {
			c.counted = false
			g.open--
			g.cond.Signal()
		}
		g.mu.Unlock()
	}
}

// errHeadRefused ends a connection whose head the gate answered itself; as a
// read error, net/http closes the connection without an answer of its own.
var errHeadRefused = errors.New("request head refused")

// Read meters a request's head as its bytes arrive.
func (c *gateConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if !c.scanning || n <= 0 {
		return n, err
	}
	before := c.head.cost()
	c.head.feed(p[:n])
	if c.head.done {
		c.scanning = false
	}
	switch {
	case c.head.bytes > maxRequestHeadBytes || c.head.lines > maxRequestHeaderFields+1:
		return 0, c.refuse(http.StatusRequestHeaderFieldsTooLarge, "headers_too_large",
			"the request's headers are more than the adapter accepts: at most "+strconv.Itoa(maxRequestHeaderFields)+
				" fields and "+strconv.Itoa(maxRequestHeadBytes>>10)+" KiB")
	case !c.g.h.budget.take(c.head.cost() - before):
		return 0, c.refuse(http.StatusServiceUnavailable, "busy", "the adapter is at its limit; try again shortly")
	}
	c.held.Add(c.head.cost() - before)
	return n, err
}

// refuse answers a head the handler never sees and ends the connection. The
// sender may still be sending its head: the answer goes first, then the
// write side is closed and what still arrives is read and dropped for a
// moment, so that the sender reads the answer rather than a reset (as
// net/http does for its own 431).
func (c *gateConn) refuse(code int, reason, msg string) error {
	c.scanning = false
	c.g.h.budget.give(c.held.Swap(0))
	m := c.g.h.metrics
	m.reject(reason)
	m.respond(code)
	body := `{"error":"` + msg + `"}` + "\n"
	extra := ""
	if code == http.StatusServiceUnavailable {
		extra = "Retry-After: 1\r\n"
	}
	_ = c.Conn.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = c.Conn.Write([]byte("HTTP/1.1 " + strconv.Itoa(code) + " " + http.StatusText(code) + "\r\n" + extra +
		"Content-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\nConnection: close\r\n\r\n" + body))
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	}
	_ = c.Conn.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	var drop [4096]byte
	for total := 0; total < 1<<20; {
		n, err := c.Conn.Read(drop[:])
		if err != nil {
			break
		}
		total += n
	}
	return &net.OpError{Op: "read", Net: "tcp", Err: errHeadRefused}
}
