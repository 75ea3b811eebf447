//go:build !linux && !darwin

package adapter

import "net"

// idlePeek cannot peek here; a dead connection then shows when it is used.
type idlePeek struct{}

func newIdlePeek(net.Conn) *idlePeek { return nil }

func (*idlePeek) ok() bool { return true }
