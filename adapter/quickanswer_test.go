package adapter

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
)

// checkQuickAnswer holds quickAnswer to net/http: when it takes an answer,
// http.ReadResponse reads the same status from the same bytes, keeps the
// connection, finds an empty body and leaves the same bytes unread; when
// net/http refuses an answer, quickAnswer never takes it.
func checkQuickAnswer(t *testing.T, answer string) (taken bool) {
	t.Helper()
	qr := bufio.NewReader(strings.NewReader(answer))
	if _, err := qr.Peek(1); err != nil {
		return false
	}
	code, ok := quickAnswer(qr)
	if !ok {
		if qr.Buffered() != min(len(answer), 4096) {
			t.Fatalf("%q: declined but consumed bytes", answer)
		}
		return false
	}
	nr := bufio.NewReader(strings.NewReader(answer))
	resp, err := http.ReadResponse(nr, nil)
	if err != nil {
		t.Fatalf("%q: taken as %d, but net/http refuses it: %v", answer, code, err)
	}
	body, err := io.ReadAll(resp.Body)
	switch {
	case err != nil || len(body) != 0:
		t.Fatalf("%q: taken, but net/http reads a body %q (%v)", answer, body, err)
	case resp.StatusCode != code:
		t.Fatalf("%q: taken as %d, net/http reads %d", answer, code, resp.StatusCode)
	case resp.Close:
		t.Fatalf("%q: taken (the connection kept), net/http would close it", answer)
	}
	qrest, _ := io.ReadAll(qr)
	nrest, _ := io.ReadAll(nr)
	if !bytes.Equal(qrest, nrest) {
		t.Fatalf("%q: leaves %q unread, net/http %q", answer, qrest, nrest)
	}
	return true
}

// The answers a client meets (RFC 9110, RFC 9112): the usual 2xx with an
// empty body is taken, everything else left to net/http.
func TestQuickAnswerAgreesWithNetHTTP(t *testing.T) {
	taken := []string{
		"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 202 Accepted\r\nDate: Wed, 02 Dec 2026 08:00:00 GMT\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nContent-Type: text/plain\r\nAllow-Origin: *\r\n\r\n",
		"HTTP/1.1 202 Accepted\r\nContent-Length:0\r\n\r\n",
		"HTTP/1.1 202 Accepted\r\nContent-Length: \t0 \r\nX-Obs: caf\xc3\xa9\r\n\r\n",
		"HTTP/1.1 204 No Content\r\n\r\n",
		"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 201\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 299 Whatever it says\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\nHTTP/1.1 202 Accepted\r\n", // bytes after it stay unread
	}
	declined := []string{
		"HTTP/1.0 202 Accepted\r\nContent-Length: 0\r\n\r\n",                              // HTTP/1.0 closes unless kept alive
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n", // interim first
		"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 202 Accepted\r\n\r\n",                                  // a body until close
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",                 // a body
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", // chunked
		"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
		"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n",
		"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 202 Accepted\r\nContent-Length: 0, 0\r\n\r\n",
		"HTTP/1.1 202 Accepted\r\nContent-Length: +0\r\n\r\n",
		"HTTP/1.1 202 Accepted\r\nContent-Length: 00\r\n\r\n",
		"HTTP/1.1 202 Accepted\r\nContent-Length: -1\r\n\r\n",
		"HTTP/1.1 202 Accepted\r\nTrailer: X\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 202 Accepted\r\nContent-Length : 0\r\n\r\n",                     // space before the colon
		"HTTP/1.1 202 Accepted\r\nX-A: 1\r\n folded\r\nContent-Length: 0\r\n\r\n", // obs-fold
		"HTTP/1.1 202 Accepted\r\n Content-Length: 0\r\n\r\n",
		"HTTP/1.1 202 Accepted\nContent-Length: 0\n\n", // bare LF
		"HTTP/1.1 202 Accepted\r\nX-A: 1\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 202 Accepted\r\nX\x00A: 1\r\nContent-Length: 0\r\n\r\n", // bad name
		"HTTP/1.1 202 Accepted\r\nX(A): 1\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 202 Accepted\r\n: 1\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 202 Accepted\r\nX-A: a\x00b\r\nContent-Length: 0\r\n\r\n", // control character in a value
		"HTTP/1.1 202 Accepted\r\nX-A: a\rb\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 202 Accepted\r\nX-A: a\x7fb\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 2020 Accepted\r\nContent-Length: 0\r\n\r\n", // not three digits
		"HTTP/1.1 20 Accepted\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 2a2 Accepted\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1  202 Accepted\r\nContent-Length: 0\r\n\r\n",
		"http/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n",
		"HTTP/2 202 Accepted\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 202 Acc\x01epted\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 3\r\nContent-Length: 0\r\n\r\n", // not 2xx: Retry-After, the reason
		"HTTP/1.1 429 Too Many Requests\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 302 Found\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 101 Switching Protocols\r\n\r\n",
		"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n", // not whole yet
		"",
	}
	for _, a := range taken {
		if !checkQuickAnswer(t, a) {
			t.Errorf("%q: want it taken", a)
		}
	}
	for _, a := range declined {
		if checkQuickAnswer(t, a) {
			t.Errorf("%q: want it left to net/http", a)
		}
	}
}

func FuzzQuickAnswer(f *testing.F) {
	f.Add("HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
	f.Add("HTTP/1.1 204 No Content\r\nDate: x\r\n\r\n")
	f.Add("HTTP/1.1 200 OK\r\ncontent-length:\t0\r\nX: \xff\r\n\r\n")
	f.Fuzz(func(t *testing.T, answer string) { checkQuickAnswer(t, answer) })
}
