package receiver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
)

// testToken is the bearer token the tests' receivers are given.
const testToken = "t0k3n-for-the-tests-0123456789abcdef"

// postBody sends a binary-mode event with body as its data.
func postBody(t *testing.T, url, id string, body []byte) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Ce-Specversion", "1.0")
	req.Header.Set("Ce-Id", id)
	req.Header.Set("Ce-Type", "blob")
	req.Header.Set("Ce-Source", "test")
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// One event larger than MAX_BODY_BYTES is refused with 413, whether or not
// it announces its length; one at the limit is taken.
func TestBodyLimit(t *testing.T) {
	base, _ := start(t, Config{MaxBodyBytes: 64 << 10, BacklogBytes: 1 << 20})
	if code := postBody(t, base, "big", make([]byte, 64<<10+1)); code != http.StatusRequestEntityTooLarge {
		t.Fatalf("a body one byte over the limit: %d, want 413", code)
	}
	// Chunked: no Content-Length to refuse it by.
	req, _ := http.NewRequest(http.MethodPost, base, io.MultiReader(bytes.NewReader(make([]byte, 200<<10))))
	req.Header.Set("Ce-Specversion", "1.0")
	req.Header.Set("Ce-Id", "chunked")
	req.Header.Set("Ce-Type", "blob")
	req.Header.Set("Ce-Source", "test")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("a chunked body over the limit: %d, want 413", resp.StatusCode)
	}
	if code := postBody(t, base, "fits", make([]byte, 64<<10)); code != http.StatusAccepted {
		t.Fatalf("a body at the limit: %d, want 202", code)
	}
}

// The backlog is bounded by bytes, not by a count of events: once what is
// queued reaches BACKLOG_BYTES, events get 503 + Retry-After.
func TestBacklogIsBoundedByBytes(t *testing.T) {
	base, _ := start(t, Config{MaxBodyBytes: 64 << 10, BacklogBytes: 1 << 20})
	accepted := 0
	for i := range 100 {
		code := postBody(t, base, fmt.Sprint(i), bytes.Repeat([]byte{'x'}, 32<<10))
		if code == http.StatusServiceUnavailable {
			break
		}
		if code != http.StatusAccepted {
			t.Fatalf("event %d: %d", i, code)
		}
		accepted++
	}
	// A line holds the 32 KiB and the attributes: at most 31 fit in 1 MiB.
	if accepted == 100 || accepted > 31 || accepted < 24 {
		t.Fatalf("%d events of 32 KiB accepted into a 1 MiB backlog", accepted)
	}
}

// A body trickled in is cut at READ_TIMEOUT with 408, while the event
// stream, a long-lived GET, outlives READ_TIMEOUT.
func TestReadTimeout(t *testing.T) {
	base, _ := start(t, Config{MaxBodyBytes: 64 << 10, BacklogBytes: 1 << 20, ReadTimeout: 300 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events := watchAs(t, ctx, base, testToken)

	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: x\r\nCe-Specversion: 1.0\r\nCe-Id: slow\r\nCe-Type: t\r\nCe-Source: s\r\nContent-Length: 100\r\n\r\n0123456789")
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a trickled body within 5s: %v", err)
	}
	if resp.StatusCode != http.StatusRequestTimeout {
		t.Fatalf("a trickled body: %d, want 408", resp.StatusCode)
	}

	time.Sleep(500 * time.Millisecond) // past READ_TIMEOUT for the stream too
	if code := post(t, base, "after"); code != http.StatusAccepted {
		t.Fatalf("POST: %d", code)
	}
	if got := next(t, events); got.ID != "after" {
		t.Fatalf("stream after READ_TIMEOUT: %+v", got)
	}
}

// watchAs opens GET /events with a bearer token.
func watchAs(t *testing.T, ctx context.Context, base, token string) <-chan line {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/events", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	// A watcher that just left may not be noticed yet (409) on a busy machine.
	for deadline := time.Now().Add(5 * time.Second); err == nil && resp.StatusCode == http.StatusConflict && time.Now().Before(deadline); {
		resp.Body.Close()
		time.Sleep(50 * time.Millisecond)
		resp, err = http.DefaultClient.Do(req)
	}
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /events: %d", resp.StatusCode)
	}
	out := make(chan line, 1000)
	go func() {
		defer resp.Body.Close()
		defer close(out)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 8<<20)
		for sc.Scan() {
			var l line
			var raw struct {
				line
				Data json.RawMessage
			}
			if err := json.Unmarshal(sc.Bytes(), &raw); err != nil {
				t.Errorf("a line that is not JSON: %.200q", sc.Text())
				return
			}
			l = raw.line
			_ = json.Unmarshal(raw.Data, &l.Data) // the tests' own data is an object of strings
			out <- l
		}
	}()
	return out
}

// A watcher that stops reading keeps what is queued for it: new events are
// refused (503) once the backlog is full, and when it goes away the events
// not yet written to it wait for the next watcher, in order, to the last
// one acknowledged. Only what was already written into the first watcher's
// connection (the socket buffers) can be missing, and only at the front.
func TestAStuckWatcherThatLeavesLosesNothingQueued(t *testing.T) {
	base, _ := start(t, Config{MaxBodyBytes: 64 << 10, BacklogBytes: 2 << 20})
	// A watcher that never reads.
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "GET /events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n", testToken)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("stuck watcher's GET: %v %v", err, resp)
	}
	var acked []string
	refused := false
	for i := range 3000 {
		id := fmt.Sprintf("e-%04d", i)
		switch code := postBody(t, base, id, bytes.Repeat([]byte{'x'}, 32<<10)); code {
		case http.StatusAccepted:
			acked = append(acked, id)
		case http.StatusServiceUnavailable:
			refused = true
		default:
			t.Fatalf("%s: %d", id, code)
		}
		if refused {
			break
		}
	}
	if !refused {
		t.Fatalf("a watcher that never reads: %d events acknowledged, none refused", len(acked))
	}
	conn.Close()
	time.Sleep(200 * time.Millisecond) // the receiver notices the watcher left

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events := watchAs(t, ctx, base, testToken)
	var got []string
	for len(got) == 0 || got[len(got)-1] != acked[len(acked)-1] {
		select {
		case l, ok := <-events:
			if !ok {
				t.Fatal("stream ended")
			}
			got = append(got, l.ID)
		case <-time.After(3 * time.Second):
			t.Fatalf("the next watcher got %d events, not through the last acknowledged (%s); %d acknowledged",
				len(got), acked[len(acked)-1], len(acked))
		}
	}
	// got must be a suffix of acked: nothing missing in the middle, the
	// missing front small enough to be what the first connection held.
	front := len(acked) - len(got)
	for i, id := range got {
		if acked[front+i] != id {
			t.Fatalf("event %d: got %s, want %s", i, id, acked[front+i])
		}
	}
	if front*32<<10 > 16<<20 {
		t.Fatalf("%d events missing at the front: more than a connection holds", front)
	}
}

// Only the tail that created the receiver reads the stream: GET /events
// needs its token; without it, or with another, 401 and the backlog stays.
func TestOnlyTheOwnerReadsTheStream(t *testing.T) {
	base, _ := start(t, Config{MaxBodyBytes: 64 << 10, BacklogBytes: 1 << 20})
	if code := post(t, base, "secret-1"); code != http.StatusAccepted {
		t.Fatalf("POST: %d", code)
	}
	for _, auth := range []string{"", "Bearer ", "Bearer wrong", "Bearer " + testToken + "x", "Basic " + testToken, testToken} {
		req, _ := http.NewRequest(http.MethodGet, base+"/events", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		resp, err := http.DefaultClient.Do(req.WithContext(ctx))
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body) // a stream ends at the timeout
		resp.Body.Close()
		cancel()
		if resp.StatusCode != http.StatusUnauthorized || bytes.Contains(body, []byte("secret-1")) {
			t.Fatalf("Authorization %q: %d %q", auth, resp.StatusCode, body)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if got := next(t, watchAs(t, ctx, base, testToken)); got.ID != "secret-1" {
		t.Fatalf("the owner: %+v", got)
	}
}

// What is not a valid CloudEvent is refused with 400, not acknowledged for
// tail to choke on: a binary event without source, a structured one
// without id, one with a bad time.
func TestRefusesInvalidCloudEvents(t *testing.T) {
	base, _ := start(t, Config{MaxBodyBytes: 64 << 10, BacklogBytes: 1 << 20})
	send := func(hdr map[string]string, body string) int {
		req, _ := http.NewRequest(http.MethodPost, base, strings.NewReader(body))
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for name, c := range map[string]struct {
		hdr  map[string]string
		body string
	}{
		"binary without source": {map[string]string{"Ce-Specversion": "1.0", "Ce-Id": "1", "Ce-Type": "t"}, "{}"},
		"binary without id":     {map[string]string{"Ce-Specversion": "1.0", "Ce-Source": "s", "Ce-Type": "t"}, "{}"},
		"structured without id": {map[string]string{"Content-Type": "application/cloudevents+json"},
			`{"specversion":"1.0","source":"s","type":"t"}`},
		"structured without source": {map[string]string{"Content-Type": "application/cloudevents+json"},
			`{"specversion":"1.0","id":"1","type":"t"}`},
	} {
		if code := send(c.hdr, c.body); code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", name, code)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events := watchAs(t, ctx, base, testToken)
	if code := post(t, base, "valid"); code != http.StatusAccepted {
		t.Fatalf("a valid event: %d", code)
	}
	if got := next(t, events); got.ID != "valid" {
		t.Fatalf("first on the stream: %+v, want the valid event", got)
	}
}

// Every event reaches tail as one line that the SDK reads back with the
// same data: pretty-printed JSON (whose newlines would split the line),
// data that is not what its JSON type says and binary data (which the SDK
// would write raw into the line or mangle as a string).
func TestEveryEventIsOneLineThatReadsBack(t *testing.T) {
	base, _ := start(t, Config{MaxBodyBytes: 64 << 10, BacklogBytes: 1 << 20})
	cases := []struct {
		id, ct string
		data   []byte
	}{
		{"pretty", "application/json", []byte("{\n  \"a\": 1,\n  \"b\": \"x\\ny\"\n}\n")},
		{"no-type-binary", "", []byte{0, 1, 2, '\n', 0xff, 0xfe}},
		{"json-not-json", "application/json; charset=utf-8", []byte("{\"a\":\n")},
		{"octets", "application/octet-stream", []byte{0xff, '\n', 0, 0x80}},
		{"text", "text/plain", []byte("line one\nline two")},
	}
	for _, c := range cases {
		req, _ := http.NewRequest(http.MethodPost, base, bytes.NewReader(c.data))
		for k, v := range map[string]string{"Ce-Specversion": "1.0", "Ce-Id": c.id, "Ce-Type": "t", "Ce-Source": "s"} {
			req.Header.Set(k, v)
		}
		if c.ct != "" {
			req.Header.Set("Content-Type", c.ct)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("%s: %d", c.id, resp.StatusCode)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/events", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	for _, c := range cases {
		l, err := br.ReadBytes('\n')
		if err != nil {
			t.Fatal(err)
		}
		var ev event.Event
		if err := ev.UnmarshalJSON(l); err != nil {
			t.Fatalf("%s: the line does not read back: %v: %q", c.id, err, l)
		}
		want := c.data
		if c.id == "pretty" {
			want = []byte(`{"a":1,"b":"x\ny"}`)
		}
		if ev.ID() != c.id || !bytes.Equal(ev.Data(), want) {
			t.Fatalf("%s: got %s with data %q, want %q", c.id, ev.ID(), ev.Data(), want)
		}
	}
}

// The receiver does not start without its token (it would stream to
// anyone), nor with limits that could never hold its largest event.
func TestConfigNeedsTheTokenAndSaneLimits(t *testing.T) {
	files := map[string]string{"/tok": " " + testToken + "\n", "/short": "abc"}
	read := func(name string) ([]byte, error) {
		if v, ok := files[name]; ok {
			return []byte(v), nil
		}
		return nil, fmt.Errorf("open %s: no such file", name)
	}
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	c, err := ConfigFromEnv(env(map[string]string{"TAIL_TOKEN_FILE": "/tok", "READ_TIMEOUT": "2s", "BACKLOG_BYTES": "4194304"}), read)
	if err != nil || c.Token != testToken || c.ReadTimeout != 2*time.Second || c.BacklogBytes != 4<<20 || c.MaxBodyBytes != 1<<20 {
		t.Fatalf("%+v %v", c, err)
	}
	for name, kv := range map[string]map[string]string{
		"no token file":   {},
		"a short token":   {"TAIL_TOKEN_FILE": "/short"},
		"a small backlog": {"TAIL_TOKEN_FILE": "/tok", "BACKLOG_BYTES": "1048576"},
		"a bad timeout":   {"TAIL_TOKEN_FILE": "/tok", "READ_TIMEOUT": "0s"},
	} {
		if _, err := ConfigFromEnv(env(kv), read); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if got := backlogFromMemoryLimit(64 << 20); got != 16<<20 {
		t.Fatalf("a quarter of 64Mi: %d", got)
	}
}
