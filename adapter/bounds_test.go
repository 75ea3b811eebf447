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
