package adapter

import "bytes"

// headLineCost is what one header line costs once parsed, besides its bytes:
// net/textproto counts 200 bytes per header map entry when it bounds memory
// itself (measured with go1.26: 110-180 bytes a line). net/http's server and
// client bound a head by its bytes only, so 64 KiB of 4-byte lines would
// become about 2.5 MiB of header map; counting lines too bounds the map.
const headLineCost = 200

// headScan follows an HTTP/1.x message head as its bytes arrive from the
// connection, before net/http parses them, so that a head is paid for and
// bounded while it is still coming in (a head trickled in over
// READ_TIMEOUT is held the whole time). It finds the blank line that ends
// the head; bytes after it (the body, the next pipelined request) are not
// its business.
type headScan struct {
	bytes   int      // bytes of the head so far, line ends included
	lines   int      // lines ended so far, the first (request or status) line included
	lineLen int      // bytes of the line being read, its line end not included
	first   byte     // the first byte of the line being read
	start   [12]byte // the first bytes of the head's first line: "HTTP/1.1 103"
	// interim: an answer, where a 1xx head is followed by another head;
	// all of them are counted together, as net/http's client does.
	interim   bool
	headStart int // lines before the current head (its interim heads)
	done      bool
}

// cost is the memory the head takes once parsed, as the budget counts it.
func (s *headScan) cost() int64 { return int64(s.bytes) + headLineCost*int64(s.lines) }

// feed follows p, the next bytes read from the connection.
func (s *headScan) feed(p []byte) {
	for !s.done && len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		seg := p
		if i >= 0 {
			seg = p[:i]
		}
		if s.lines == s.headStart && s.lineLen < len(s.start) {
			copy(s.start[s.lineLen:], seg)
		}
		if s.lineLen == 0 && len(seg) > 0 {
			s.first = seg[0]
		}
		s.lineLen += len(seg)
		if i < 0 {
			s.bytes += len(p)
			return
		}
		s.bytes += i + 1
		p = p[i+1:]
		blank := s.lineLen == 0 || s.lineLen == 1 && s.first == '\r'
		s.lineLen = 0
		if !blank || s.lines == s.headStart { // a blank first line is no end (nor a valid message)
			s.lines++
			continue
		}
		if s.interim && bytes.HasPrefix(s.start[:], []byte("HTTP/1.")) && s.start[8] == ' ' && s.start[9] == '1' {
			s.headStart, s.start = s.lines, [12]byte{} // a 100 or 103: the final answer's head follows
			continue
		}
		s.done = true
	}
}
