package deadletter

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// store is a running store over real HTTP on 127.0.0.1.
type testStore struct {
	intake, api string
	store       *Store
	dir         string
}

func start(t testing.TB, cfg Config) *testStore {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	s, err := Open(cfg.DataDir, cfg.MaxStoreBytes)
	if err != nil {
		t.Fatal(err)
	}
	h := NewHandlers(cfg, s, quiet())
	in, api := httptest.NewServer(h.Intake), httptest.NewServer(h.API)
	t.Cleanup(func() { in.Close(); api.Close(); s.Close() })
	return &testStore{intake: in.URL, api: api.URL, store: s, dir: cfg.DataDir}
}

// deadLetter posts a binary-mode event as Knative's dispatcher sends a dead letter.
func deadLetter(t *testing.T, url, id, dest string, code int) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"order":"`+id+`"}`))
	for k, v := range map[string]string{"Ce-Specversion": "1.0", "Ce-Id": id, "Ce-Type": "order.created", "Ce-Source": "shop",
		"Ce-Region": "eu", "Content-Type": "application/json", "Ce-Knativeerrordest": dest,
		"Ce-Knativeerrorcode": fmt.Sprint(code), "Ce-Knativeerrordata": "c2VydmVyIHNhaWQgbm8="} { // "server said no"
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp
}

func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
	}
	return resp.StatusCode
}

func postJSON(t *testing.T, url string, body any) (int, []byte) {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// Each event is kept whole, in either mode: attributes, extensions (Knative's
// among them), data, arrival; list filters and pages, stats counts.
func TestKeepsEachEventWhole(t *testing.T) {
	s := start(t, Config{})
	if r := deadLetter(t, s.intake, "e-1", "http://a.shop.svc.cluster.local", 500); r.StatusCode != http.StatusAccepted {
		t.Fatalf("binary: %d", r.StatusCode)
	}
	structured := `{"specversion":"1.0","id":"e-2","source":"shop","type":"order.paid","datacontenttype":"text/plain",
		"data":"hello","knativeerrordest":"http://b.shop.svc.cluster.local","knativeerrorcode":400,"knativeerrordata":"YmFkIGlucHV0"}`
	resp, err := http.Post(s.intake, "application/cloudevents+json", strings.NewReader(structured))
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("structured: %v %v", resp, err)
	}
	resp.Body.Close()
	var page ListPage
	getJSON(t, s.api+"/v1/events", &page)
	if len(page.Items) != 2 {
		t.Fatalf("list: %+v", page)
	}
	a, b := page.Items[0], page.Items[1]
	if a.ID != "1" || a.EventID != "e-1" || a.Code != 500 || a.Destination != "http://a.shop.svc.cluster.local" || a.Reason != "server said no" ||
		a.Arrived.IsZero() || a.Deliveries != 1 {
		t.Fatalf("first: %+v", a)
	}
	if b.EventID != "e-2" || b.Code != 400 || b.Reason != "bad input" || b.Type != "order.paid" {
		t.Fatalf("second: %+v", b)
	}
	var e Entry
	getJSON(t, s.api+"/v1/events/1", &e)
	var ev map[string]any
	if err := json.Unmarshal(e.Event, &ev); err != nil {
		t.Fatal(err)
	}
	if ev["region"] != "eu" || ev["knativeerrordest"] != "http://a.shop.svc.cluster.local" || ev["knativeerrorcode"] != "500" ||
		ev["knativeerrordata"] != "c2VydmVyIHNhaWQgbm8=" || fmt.Sprint(ev["data"]) != "map[order:e-1]" {
		t.Fatalf("stored event: %s", e.Event)
	}
	getJSON(t, s.api+"/v1/events/2", &e)
	if !strings.Contains(string(e.Event), `"data":"hello"`) {
		t.Fatalf("text data: %s", e.Event)
	}
	// The same event again is the same entry, counted.
	if r := deadLetter(t, s.intake, "e-1", "http://a.shop.svc.cluster.local", 502); r.StatusCode != http.StatusAccepted {
		t.Fatal(r.StatusCode)
	}
	getJSON(t, s.api+"/v1/events?code=502", &page)
	if len(page.Items) != 1 || page.Items[0].ID != "1" || page.Items[0].Deliveries != 2 {
		t.Fatalf("code filter, redelivery: %+v", page.Items)
	}
	getJSON(t, s.api+"/v1/events?destination="+url.QueryEscape("http://b.shop.svc.cluster.local"), &page)
	if len(page.Items) != 1 || page.Items[0].EventID != "e-2" {
		t.Fatalf("destination filter: %+v", page.Items)
	}
	getJSON(t, s.api+"/v1/events?since="+url.QueryEscape(time.Now().Add(time.Hour).Format(time.RFC3339)), &page)
	if len(page.Items) != 0 {
		t.Fatalf("since filter: %+v", page.Items)
	}
	getJSON(t, s.api+"/v1/events?limit=1", &page)
	if len(page.Items) != 1 || page.Next != "1" {
		t.Fatalf("page 1: %+v", page)
	}
	page = ListPage{}
	getJSON(t, s.api+"/v1/events?limit=1&after=1", &page)
	if len(page.Items) != 1 || page.Items[0].ID != "2" || page.Next != "" {
		t.Fatalf("page 2: %+v", page)
	}
	var st Stats
	getJSON(t, s.api+"/v1/stats", &st)
	if st.Count != 2 || st.ByCode["502"] != 1 || st.ByCode["400"] != 1 || st.ByDestination["http://a.shop.svc.cluster.local"] != 1 ||
		st.Oldest == nil || st.Newest == nil || st.Bytes <= 0 {
		t.Fatalf("stats: %+v", st)
	}
}

// Only POST / takes events; heads, bodies and extensions are bounded; what
// is not a CloudEvent is refused; the API refuses what it cannot do.
func TestIntakeAndAPIRefusals(t *testing.T) {
	s := start(t, Config{MaxBodyBytes: 1 << 10, BodyBudget: 1 << 20})
	for _, c := range []struct {
		method, path, ctype, body string
		hdr                       map[string]string
		want                      int
	}{
		{http.MethodGet, "/", "", "", nil, http.StatusMethodNotAllowed},
		{http.MethodPost, "/x", "application/json", "{}", nil, http.StatusNotFound},
		{http.MethodPost, "/healthz", "", "", nil, http.StatusMethodNotAllowed},
		{http.MethodPost, "/", "application/json", "{}", nil, http.StatusBadRequest},
		{http.MethodPost, "/", "application/cloudevents+json", `{"specversion":"1.0","id":"x","source":"s","type":"t","data":"` + strings.Repeat("a", 2000) + `"}`, nil, http.StatusRequestEntityTooLarge},
		{http.MethodPost, "/", "application/cloudevents+json", `{"specversion":"1.0","id":"x","source":"s","type":"t"}`, map[string]string{"Content-Encoding": "gzip"}, http.StatusUnsupportedMediaType},
		{http.MethodPost, "/", "application/cloudevents+json", `{"specversion":"1.0","id":"x","source":"s","type":"t"}`, manyHeaders(200), http.StatusRequestHeaderFieldsTooLarge},
	} {
		req, _ := http.NewRequest(c.method, s.intake+c.path, strings.NewReader(c.body))
		if c.ctype != "" {
			req.Header.Set("Content-Type", c.ctype)
		}
		for k, v := range c.hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s %s %.40s: %d, want %d", c.method, c.path, c.body, resp.StatusCode, c.want)
		}
	}
	deadLetter(t, s.intake, "e-1", "http://a", 500)
	if code := getJSON(t, s.api+"/v1/events/99", nil); code != http.StatusNotFound {
		t.Errorf("unknown id: %d", code)
	}
	if code := getJSON(t, s.api+"/v1/events?code=abc", nil); code != http.StatusBadRequest {
		t.Errorf("bad code: %d", code)
	}
	for _, c := range []struct {
		path string
		body any
		want int
	}{
		{"/v1/replay", ReplayRequest{Selection: Selection{IDs: []string{"1", "7"}}}, http.StatusNotFound},
		{"/v1/replay", ReplayRequest{Selection: Selection{CESQL: "type = "}}, http.StatusBadRequest},
		{"/v1/replay", ReplayRequest{Selection: Selection{All: true}, To: "ftp://x"}, http.StatusBadRequest},
		{"/v1/replay", ReplayRequest{Selection: Selection{All: true, IDs: []string{"1"}}}, http.StatusBadRequest},
		{"/v1/purge", Selection{IDs: []string{"8"}}, http.StatusNotFound},
		{"/v1/purge", map[string]any{"everything": true}, http.StatusBadRequest},
	} {
		if code, body := postJSON(t, s.api+c.path, c.body); code != c.want {
			t.Errorf("%s %+v: %d %s, want %d", c.path, c.body, code, body, c.want)
		}
	}
	var page ListPage
	getJSON(t, s.api+"/v1/events", &page)
	if len(page.Items) != 1 {
		t.Fatalf("a refused replay or purge changed the store: %+v", page.Items)
	}
}

func manyHeaders(n int) map[string]string {
	m := map[string]string{}
	for i := range n {
		m[fmt.Sprintf("X-H%d", i)] = "v"
	}
	return m
}

// Past MAX_STORE_BYTES the store answers 503 with Retry-After: every event
// it acknowledged is there, none it refused is; purge makes room again.
func TestFullStoreAnswers503(t *testing.T) {
	s := start(t, Config{MaxStoreBytes: 20 << 10})
	var acked, refused []string
	for i := range 100 {
		id := fmt.Sprintf("e-%d", i)
		r := deadLetter(t, s.intake, id, "http://a", 500)
		switch r.StatusCode {
		case http.StatusAccepted:
			acked = append(acked, id)
		case http.StatusServiceUnavailable:
			if r.Header.Get("Retry-After") == "" {
				t.Fatal("503 without Retry-After")
			}
			refused = append(refused, id)
		default:
			t.Fatalf("%s: %d", id, r.StatusCode)
		}
	}
	if len(acked) == 0 || len(refused) == 0 {
		t.Fatalf("acked %d, refused %d: the limit did not bite", len(acked), len(refused))
	}
	var page ListPage
	getJSON(t, s.api+"/v1/events?limit=1000", &page)
	if len(page.Items) != len(acked) {
		t.Fatalf("stored %d, acknowledged %d", len(page.Items), len(acked))
	}
	for i, it := range page.Items {
		if it.EventID != acked[i] {
			t.Fatalf("stored %s, acknowledged %s", it.EventID, acked[i])
		}
	}
	if code, _ := postJSON(t, s.api+"/v1/purge", Selection{All: true}); code != http.StatusOK {
		t.Fatal("purge", code)
	}
	if used, _ := s.store.Bytes(); used != 0 {
		t.Fatalf("after purge the store counts %d bytes", used)
	}
	if r := deadLetter(t, s.intake, "after", "http://a", 500); r.StatusCode != http.StatusAccepted {
		t.Fatalf("after purge: %d", r.StatusCode)
	}
}

// receiver records each event it is sent and answers with code(id).
type receiver struct {
	mu   sync.Mutex
	got  map[string][]http.Header
	code func(id string) int
}

func newReceiver(t *testing.T, code func(string) int) (*receiver, string) {
	rc := &receiver{got: map[string][]http.Header{}, code: code}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		id := r.Header.Get("Ce-Id")
		rc.mu.Lock()
		rc.got[id] = append(rc.got[id], r.Header.Clone())
		c := rc.code(id)
		rc.mu.Unlock()
		w.WriteHeader(c)
	}))
	t.Cleanup(srv.Close)
	return rc, srv.URL
}

func replayLines(t *testing.T, api string, req ReplayRequest) ([]ReplayResult, ReplayDone) {
	t.Helper()
	code, body := postJSON(t, api+"/v1/replay", req)
	if code != http.StatusOK {
		t.Fatalf("replay: %d %s", code, body)
	}
	var out []ReplayResult
	var done ReplayDone
	for _, l := range strings.Split(strings.TrimSpace(string(body)), "\n") {
		if strings.Contains(l, `"done"`) {
			_ = json.Unmarshal([]byte(l), &done)
			continue
		}
		var r ReplayResult
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out, done
}

// Replay sends each event once to its original destination, with its id
// and the count of replays, without Knative's failure extensions, and
// deletes it only after a 2xx; a failed one stays, counted, and the next
// replay carries the count on.
func TestReplayExactlyOnceAndFailureKeeps(t *testing.T) {
	s := start(t, Config{})
	failing := true
	rc, dest := newReceiver(t, func(id string) int {
		if id == "bad" && failing {
			return http.StatusInternalServerError
		}
		return http.StatusAccepted
	})
	for i := range 20 {
		deadLetter(t, s.intake, fmt.Sprintf("e-%d", i), dest, 500)
	}
	deadLetter(t, s.intake, "bad", dest, 500)
	deadLetter(t, s.intake, "nodest", "", 500)
	results, done := replayLines(t, s.api, ReplayRequest{Selection: Selection{All: true}, Rate: 1000})
	if done.Delivered != 20 || done.Failed != 2 || len(results) != 22 {
		t.Fatalf("replay: %+v, %d lines", done, len(results))
	}
	for i := range 20 {
		hs := rc.got[fmt.Sprintf("e-%d", i)]
		if len(hs) != 1 {
			t.Fatalf("e-%d received %d times", i, len(hs))
		}
		if hs[0].Get("Ce-Kymameshreplays") != "1" || hs[0].Get("Ce-Knativeerrordest") != "" || hs[0].Get("Ce-Region") != "eu" {
			t.Fatalf("replayed headers: %v", hs[0])
		}
	}
	var page ListPage
	getJSON(t, s.api+"/v1/events", &page)
	if len(page.Items) != 2 || page.Items[0].EventID != "bad" || page.Items[0].Replays != 1 || page.Items[0].LastReplay.Status != 500 {
		t.Fatalf("after replay: %+v", page.Items)
	}
	failing = false
	_, done = replayLines(t, s.api, ReplayRequest{Selection: Selection{CESQL: "id = 'bad'"}})
	if done.Delivered != 1 || done.Failed != 0 || len(rc.got["bad"]) != 2 || rc.got["bad"][1].Get("Ce-Kymameshreplays") != "2" {
		t.Fatalf("second replay: %+v, %v", done, rc.got["bad"])
	}
	// To another target (a Broker's address), and a dry run sends nothing.
	results, done = replayLines(t, s.api, ReplayRequest{Selection: Selection{IDs: []string{page.Items[1].ID}}, To: dest, DryRun: true})
	if done.Delivered != 1 || len(rc.got["nodest"]) != 0 || results[0].Target != dest {
		t.Fatalf("dry run: %+v %+v", done, results)
	}
	_, done = replayLines(t, s.api, ReplayRequest{Selection: Selection{IDs: []string{page.Items[1].ID}}, To: dest})
	if done.Delivered != 1 || len(rc.got["nodest"]) != 1 {
		t.Fatalf("to a URL: %+v", done)
	}
	getJSON(t, s.api+"/v1/events", &page)
	if len(page.Items) != 0 {
		t.Fatalf("left: %+v", page.Items)
	}
}

// A damaged database file is never a silent empty store: Open says so and
// moves it aside; the next start begins empty and stats names the file.
func TestDamagedDatabaseIsSetAside(t *testing.T) {
	for name, damage := range map[string]func(t *testing.T, path string){
		"not a database": func(t *testing.T, path string) {
			if err := os.WriteFile(path, bytes.Repeat([]byte("garbage!"), 4096), 0o600); err != nil {
				t.Fatal(err)
			}
		},
		"a data page overwritten": func(t *testing.T, path string) {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			page := os.Getpagesize()
			for i := 2 * page; i < len(b); i++ { // every page past the two meta pages
				b[i] ^= 0x5a
			}
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
		},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			s, err := Open(dir, 0)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 50 {
				if _, err := s.Put(Summary{EventID: fmt.Sprint(i), Source: "s"}, []byte(`{"specversion":"1.0","id":"x","source":"s","type":"t"}`), time.Now()); err != nil {
					t.Fatal(err)
				}
			}
			s.Close()
			path := filepath.Join(dir, DBFile)
			damage(t, path)
			_, err = Open(dir, 0)
			var de *DamagedError
			if !errors.As(err, &de) {
				t.Fatalf("Open of a damaged file: %v", err)
			}
			if !strings.Contains(err.Error(), "damaged") || !strings.Contains(err.Error(), de.SetAside) {
				t.Fatalf("error: %v", err)
			}
			if _, err := os.Stat(de.SetAside); err != nil {
				t.Fatalf("not set aside: %v", err)
			}
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Fatalf("the damaged file is still in place: %v", err)
			}
			h := start(t, Config{DataDir: dir})
			var st Stats
			getJSON(t, h.api+"/v1/stats", &st)
			if st.Count != 0 || len(st.SetAside) != 1 || st.SetAside[0] != filepath.Base(de.SetAside) {
				t.Fatalf("stats after the restart: %+v", st)
			}
		})
	}
}
