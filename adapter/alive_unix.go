//go:build linux || darwin

package adapter

import (
	"errors"
	"net"
	"syscall"
)

// idleAlive says whether an idle connection to the sink can still carry a
// request: nothing to read and no FIN or RST from the sink. It peeks without
// blocking, one system call, so that a connection the sink closed while idle
// is dropped before any of an event is written to it (the only case in which
// an event may safely go out again).
func idleAlive(c net.Conn) bool {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return true
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	alive := false
	var b [1]byte
	err = rc.Read(func(fd uintptr) bool {
		// EAGAIN: nothing waiting, the connection is open and quiet; no
		// error means bytes nobody asked for, or the sink's FIN (0 bytes).
		_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		alive = errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EWOULDBLOCK)
		return true
	})
	return err == nil && alive
}
