package adapter

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
)

// rawSink answers every request on 127.0.0.1 with answer, written as it is.
func rawSink(t *testing.T, answer string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	b := []byte(answer) // copied once, here: the tests count what the adapter allocates
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					_, _ = io.Copy(io.Discard, req.Body)
					if _, err := c.Write(b); err != nil {
						return
					}
				}
			}()
		}
	}()
	return "http://" + ln.Addr().String() + "/"
}

// answerHead is a 202 whose head has n header lines of the given value.
func answerHead(status string, n int, value string) string {
	var b strings.Builder
	b.WriteString("HTTP/1.1 " + status + "\r\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "X%d: %s\r\n", i, value)
	}
	return b.String()
}

// allocated is how many bytes the process allocated while f ran.
func allocated(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// A sink's answer heads (interim ones included) are read only up to 16 KiB
// and, in the pool, 64 lines: a sink sending 4 MiB of short header lines (about 80 MiB once
// parsed) costs the adapter next to nothing and the sender gets 502, as for
// any answer that is not the sink's acceptance. Heads inside the limits
// are read as before.
func TestSinkAnswerHeadIsBounded(t *testing.T) {
	huge := answerHead("202 Accepted", 500000, "v") + "Content-Length: 0\r\n\r\n"
	for _, client := range []string{SinkClientPool, SinkClientNetHTTP} {
		a, _ := adapterFor(t, rawSink(t, huge), func(c *Config) { c.SinkClient = client })
		var code int
		n := allocated(func() { resp, _ := post(t, a.URL, binaryHeaders(nil), `{}`); code = resp.StatusCode })
		t.Logf("%s: a 4 MiB answer head: %d, %.2f MiB allocated", client, code, float64(n)/(1<<20))
		if code != http.StatusBadGateway || n > 2<<20 {
			t.Errorf("%s: a 4 MiB answer head: sender got %d (want 502), the request allocated %.1f MiB (want < 2)", client, code, float64(n)/(1<<20))
		}
		fits := answerHead("103 Early Hints", 20, strings.Repeat("h", 200)) + "\r\n" +
			answerHead("202 Accepted", 40, strings.Repeat("v", 150)) + "Content-Length: 0\r\n\r\n"
		a, _ = adapterFor(t, rawSink(t, fits), func(c *Config) { c.SinkClient = client })
		if resp, body := post(t, a.URL, binaryHeaders(nil), `{}`); resp.StatusCode != http.StatusAccepted {
			t.Errorf("%s: heads inside the limits: want 202, got %d %s", client, resp.StatusCode, body)
		}
	}
}

// structuredWith is a structured event with n extensions of the given value.
func structuredWith(n int, value string) string {
	var b strings.Builder
	b.WriteString(`{"specversion":"1.0","id":"x1","type":"t","source":"/s","data":{"n":1}`)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `,"e%d":%q`, i, value)
	}
	return b.String() + "}"
}

// Extensions are bounded in both modes: at most 64, with 32 KiB of names and
// values. Past it, a structured event is 413 and a binary one 431 (there the
// extensions are header fields). A 1 MiB structured event of 85,000 short
// extensions is refused before anything decodes it; before, the adapter
// built them into maps and forwarded them as 85,000 headers.
func TestExtensionsAreBounded(t *testing.T) {
	s := newSink(t, http.StatusAccepted)
	a, _ := adapterFor(t, s.URL, func(c *Config) { c.MaxBodyBytes = 1 << 20 })
	structured := http.Header{"Content-Type": {"application/cloudevents+json"}}
	big := strings.Repeat("v", 4<<10)
	for _, c := range []struct {
		name string
		n    int
		v    string
		want int
	}{{"64 extensions", 64, "v", 202}, {"65 extensions", 65, "v", 413}, {"9 extensions of 4 KiB", 9, big, 413}} {
		if resp, body := post(t, a.URL, structured, structuredWith(c.n, c.v)); resp.StatusCode != c.want {
			t.Errorf("structured, %s: want %d, got %d %s", c.name, c.want, resp.StatusCode, body)
		}
		hdr := binaryHeaders(nil)
		for i := 0; i < c.n; i++ {
			hdr.Set(fmt.Sprintf("Ce-E%d", i), c.v)
		}
		want := map[int]int{202: 202, 413: 431}[c.want]
		if resp, body := post(t, a.URL, hdr, `{}`); resp.StatusCode != want {
			t.Errorf("binary, %s: want %d, got %d %s", c.name, want, resp.StatusCode, body)
		}
	}
	flood := structuredWith(85000, "") // under MAX_BODY_BYTES
	var code int
	var body string
	n := allocated(func() {
		var resp *http.Response
		resp, body = post(t, a.URL, structured, flood)
		code = resp.StatusCode
	})
	t.Logf("a %d KiB event of 85,000 extensions: %d, %.1f MiB allocated", len(flood)>>10, code, float64(n)/(1<<20))
	if code != http.StatusRequestEntityTooLarge || !strings.Contains(body, "extension") || n > 6<<20 {
		t.Errorf("a 1 MiB event of 85,000 extensions: want 413 with little allocated, got %d, %.1f MiB allocated", code, float64(n)/(1<<20))
	}
}

// extensionsIn counts what encoding/json finds, nested values and strings
// with braces, quotes and escapes included.
func TestExtensionsInCountsAsJSONDoes(t *testing.T) {
	for body, want := range map[string][2]int{
		`{}`:                         {0, 0},
		` { "id" : "1" , "a" : 1 } `: {1, 2},
		`{"data":{"x":"}\"{"},"b":[1,{"c":"]"}],"c":"\"}"}`: {2, 20},
		`{"a":true,"b":null,"c":-1.5e3,"time":"t"}`:         {3, 17},
		`[1]`:                {0, 0},
		`{"a":"unterminated`: {0, 0},
		`{"d\u0061ta":1}`:    {1, 10},
	} {
		n, size := extensionsIn([]byte(body))
		if n != want[0] || size != want[1] {
			t.Errorf("%s: got %d extensions of %d bytes, want %d of %d", body, n, size, want[0], want[1])
		}
	}
}
