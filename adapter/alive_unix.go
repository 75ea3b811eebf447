//go:build linux || darwin

package adapter

import (
	"errors"
	"net"
	"syscall"
)

// idlePeek checks whether an idle connection to the sink can still carry a
// request: nothing to read and no FIN or RST from the sink. It peeks without
// blocking, one system call, so that a connection the sink closed while idle
// is dropped before any of an event is written to it (the only case in which
// an event may safely go out again). It is made once per connection, so the
// check allocates nothing.
type idlePeek struct {
	rc    syscall.RawConn
	alive bool
	b     [1]byte
	fn    func(fd uintptr) bool
}

func newIdlePeek(c net.Conn) *idlePeek {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	p := &idlePeek{rc: rc}
	p.fn = func(fd uintptr) bool {
		// EAGAIN: nothing waiting, the connection is open and quiet; no
		// error means bytes nobody asked for, or the sink's FIN (0 bytes).
		_, _, err := syscall.Recvfrom(int(fd), p.b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		p.alive = errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EWOULDBLOCK)
		return true
	}
	return p
}

func (p *idlePeek) ok() bool {
	if p == nil {
		return true // cannot peek: a dead connection then shows when it is used
	}
	p.alive = false
	return p.rc.Read(p.fn) == nil && p.alive
}
