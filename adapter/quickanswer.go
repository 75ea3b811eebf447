package adapter

import (
	"bufio"
	"bytes"
)

// quickAnswer reads the sink's answer when it is the one a Channel gives
// nearly every event, a 2xx with an empty body, from the bytes already
// buffered, without net/http's Response, header map and body reader (8% of
// the adapter's CPU in the profile, docs/benchmarks.md). It consumes nothing
// and says ok=false for anything else, which http.ReadResponse then reads
// from the untouched buffer: so it only ever agrees with net/http or leaves
// the answer to it (TestQuickAnswerAgreesWithNetHTTP, FuzzQuickAnswer).
//
// Taken: "HTTP/1.1 2xx reason" and header lines "Name: value" each ending in
// CRLF, names RFC 9110 tokens, values without control characters other than
// tab, no Transfer-Encoding, Connection or Trailer field, and either exactly
// one "Content-Length: 0" or a 204 without Content-Length. Everything else,
// a 1xx first, HTTP/1.0, folded lines, a bare LF, a body, goes to net/http.
func quickAnswer(r *bufio.Reader) (code int, ok bool) {
	buf, _ := r.Peek(r.Buffered())
	end := bytes.Index(buf, []byte("\r\n\r\n"))
	if end < 0 {
		return 0, false
	}
	head := buf[:end+2] // each line with its CRLF
	nl := bytes.Index(head, []byte("\r\n"))
	line := head[:nl]
	if len(line) < 12 || string(line[:9]) != "HTTP/1.1 " || line[9] != '2' || !isDigit(line[10]) || !isDigit(line[11]) ||
		len(line) > 12 && line[12] != ' ' || !fieldValueOK(line[min(len(line), 13):]) {
		return 0, false
	}
	code = 200 + int(line[10]-'0')*10 + int(line[11]-'0')
	lengths := 0
	for rest := head[nl+2:]; len(rest) > 0; {
		i := bytes.Index(rest, []byte("\r\n"))
		line, rest = rest[:i], rest[i+2:]
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || !isToken(line[:colon]) {
			return 0, false // no name, a folded line, a space before the colon
		}
		name, value := line[:colon], bytes.Trim(line[colon+1:], " \t")
		if !fieldValueOK(value) {
			return 0, false
		}
		switch {
		case asciiEqualFold(name, "Content-Length"):
			lengths++
			if lengths > 1 || string(value) != "0" {
				return 0, false
			}
		case asciiEqualFold(name, "Transfer-Encoding"), asciiEqualFold(name, "Connection"), asciiEqualFold(name, "Trailer"):
			return 0, false
		}
	}
	if lengths == 0 && code != 204 {
		return 0, false // a body until the connection closes
	}
	if _, err := r.Discard(end + 4); err != nil {
		return 0, false
	}
	return code, true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isToken: an RFC 9110 token (a field name).
func isToken(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 || c <= ' ' || c == 0x7f || bytes.IndexByte([]byte(`"(),/:;<=>?@[\]{}`), c) >= 0 {
			return false
		}
	}
	return true
}

// fieldValueOK: no control characters but tab (obs-text, bytes >= 0x80, is
// allowed, as net/http allows it).
func fieldValueOK(b []byte) bool {
	for _, c := range b {
		if c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// asciiEqualFold compares a field name with a canonical one, ignoring case.
func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		c, d := b[i], s[i]
		if c|0x20 != d|0x20 || c|0x20 < 'a' && c != d { // case folding for letters only
			return false
		}
	}
	return true
}
