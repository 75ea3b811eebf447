package adapter

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// scriptedSink is a raw TCP sink on 127.0.0.1 that answers the n-th request
// (counted over all connections) with answers[n] written byte for byte, so
// that the pool meets the HTTP/1.1 cases a library client handles for it
// (RFC 9110, RFC 9112). An answer ending in "\x00close" closes the connection
// after it is written; "\x00drop" closes without answering; "\x00early"
// answers after the headers, before reading the body, then closes.
type scriptedSink struct {
	ln      net.Listener
	answers []string
	mu      sync.Mutex
	reqs    int
	conns   int
	ids     []string
}

func newScriptedSink(t *testing.T, answers ...string) *scriptedSink {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &scriptedSink{ln: ln, answers: answers}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns++
			s.mu.Unlock()
			go s.serve(c)
		}
	}()
	return s
}

func (s *scriptedSink) serve(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		s.mu.Lock()
		n := s.reqs
		s.reqs++
		s.ids = append(s.ids, req.Header.Get("Ce-Id"))
		s.mu.Unlock()
		answer := "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"
		if n < len(s.answers) {
			answer = s.answers[n]
		}
		answer, action, _ := strings.Cut(answer, "\x00")
		if action != "early" {
			_, _ = io.Copy(io.Discard, req.Body)
		}
		if _, err := io.WriteString(c, answer); err != nil || action != "" {
			if action == "early" { // let the answer arrive before the RST the unread body causes
				time.Sleep(50 * time.Millisecond)
			}
			return
		}
	}
}

func (s *scriptedSink) url() string { return "http://" + s.ln.Addr().String() + "/" }

func (s *scriptedSink) counts() (reqs, conns int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reqs, s.conns
}

func testEvent(id string, size int) *outEvent {
	return &outEvent{header: http.Header{"Ce-Id": {id}}, source: "shop", body: []byte(strings.Repeat("x", size))}
}

const (
	ok202   = "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"
	ans500  = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\noops"
	ans422  = "HTTP/1.1 422 Unprocessable Entity\r\nContent-Length: 0\r\n\r\n"
	hints   = "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
	goOn    = "HTTP/1.1 100 Continue\r\n\r\n"
	ans204  = "HTTP/1.1 204 No Content\r\n\r\n"
	ans304  = "HTTP/1.1 304 Not Modified\r\nContent-Length: 12\r\n\r\n" // a 304 has no body, whatever its length says
	chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n5\r\nhello\r\n0\r\nX-Checksum: 1\r\n\r\n"
)

func codes(t *testing.T, p *sinkPool, n int) []int {
	t.Helper()
	var got []int
	for i := 0; i < n; i++ {
		code, _, err := p.roundTrip(testEvent(fmt.Sprint("e", i), 2))
		if err != nil {
			code = -1
		}
		got = append(got, code)
	}
	return got
}

func TestSinkPoolHTTP11Cases(t *testing.T) {
	for _, tc := range []struct {
		name    string
		answers []string
		want    []int
		conns   int // connections the sink saw for len(want) events
	}{
		// The sequence: each event gets the sink's final answer to it.
		{"103 before the final answer", []string{hints + ok202, ans500, ans422, ok202, ans500}, []int{202, 500, 422, 202, 500}, 1},
		{"100 Continue and two 103s before the final answer", []string{goOn + hints + hints + ans422, ok202}, []int{422, 202}, 1},
		{"204 and 304 carry no body", []string{ans204, ans304, ok202}, []int{204, 304, 202}, 1},
		{"chunked answer with trailers", []string{chunked, ans422}, []int{200, 422}, 1},
		{"Connection: close", []string{"HTTP/1.1 202 Accepted\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", ok202}, []int{202, 202}, 2},
		{"HTTP/1.0 sink, body until close", []string{"HTTP/1.0 200 OK\r\n\r\nfine\x00close", "HTTP/1.0 201 Created\r\n\r\n\x00close"}, []int{200, 201}, 2},
		{"answer body longer than the pool drains", []string{"HTTP/1.1 200 OK\r\nContent-Length: 70000\r\n\r\n" + strings.Repeat("b", 70000), ok202}, []int{200, 202}, 2},
		{"more interim answers than allowed", []string{strings.Repeat(hints, max1xx+1) + ok202, ok202}, []int{-1, 202}, 2},
		{"101 is not an answer to a POST", []string{"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n", ok202}, []int{-1, 202}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newScriptedSink(t, tc.answers...)
			p := newSinkPool(s.url(), 2*time.Second, http.ProxyFromEnvironment)
			got := codes(t, p, len(tc.want))
			if !slices.Equal(got, tc.want) {
				t.Fatalf("answers %v, want %v", got, tc.want)
			}
			if reqs, conns := s.counts(); reqs != len(tc.want) || conns != tc.conns {
				t.Fatalf("sink saw %d requests on %d connections, want %d on %d", reqs, conns, len(tc.want), tc.conns)
			}
		})
	}
}

// A sink that reads the event and closes the connection without answering may
// have taken it: the event fails (the caller retries) and is not sent again.
func TestSinkPoolDoesNotResendWhatTheSinkMayHaveRead(t *testing.T) {
	s := newScriptedSink(t, ok202, "\x00drop", ok202)
	p := newSinkPool(s.url(), 2*time.Second, http.ProxyFromEnvironment)
	got := codes(t, p, 3)
	if got[0] != 202 || got[1] != -1 || got[2] != 202 {
		t.Fatalf("answers %v, want [202 -1 202]", got)
	}
	if reqs, _ := s.counts(); reqs != 3 {
		t.Fatalf("the sink saw %d requests for 3 events: the dropped one was sent again", reqs)
	}
}

// A sink that answers before it read the whole request (and closes): its
// answer stands, though the rest of the body could not be written.
func TestSinkPoolTakesAnAnswerBeforeTheRequestIsWritten(t *testing.T) {
	s := newScriptedSink(t, "HTTP/1.1 413 Content Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n\x00early")
	p := newSinkPool(s.url(), 2*time.Second, http.ProxyFromEnvironment)
	code, _, err := p.roundTrip(testEvent("big", 8<<20))
	if err != nil || code != 413 {
		t.Fatalf("want the sink's 413, got %d %v", code, err)
	}
	if reqs, _ := s.counts(); reqs != 1 {
		t.Fatalf("sink saw %d requests, want 1", reqs)
	}
}
