//go:build faults

package faults

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The dead-letter store (kymamesh-adapter deadletter) under the same load,
// killed (SIGKILL) during intake and during replay, and full: nothing it
// acknowledged is lost. docs/reliability.md has the table it prints.

// dlStore is a running store process on a data folder that outlives it.
type dlStore struct {
	t                *testing.T
	dir, addr, api   string
	env              []string
	cmd              *exec.Cmd
	exited           chan struct{}
	logPath          string
	starts, killings int
}

func newDLStore(t *testing.T, env ...string) *dlStore {
	s := &dlStore{t: t, dir: t.TempDir(), addr: freeAddr(t), api: freeAddr(t), env: env,
		logPath: filepath.Join(t.TempDir(), "store.log")}
	t.Cleanup(func() {
		s.kill()
		if t.Failed() {
			b, _ := os.ReadFile(s.logPath)
			t.Logf("store log (last 3000 bytes):\n%s", tail(b, 3000))
		}
	})
	return s
}

func (s *dlStore) start() {
	s.t.Helper()
	_, port, _ := net.SplitHostPort(s.addr)
	cmd := exec.Command(filepath.Join(bin, "kymamesh-adapter"), "deadletter")
	cmd.Env = append([]string{"PORT=" + port, "API_ADDR=" + s.api, "DATA_DIR=" + s.dir, "GOMAXPROCS=1",
		"GOMEMLIMIT=" + fmt.Sprint(memLimit)}, s.env...)
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		s.t.Fatal(err)
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.cmd, s.exited = cmd, make(chan struct{})
	exited := s.exited
	go func() { _ = cmd.Wait(); close(exited) }()
	s.starts++
	for i := 0; i < 1000; i++ {
		if resp, err := http.Get("http://" + s.addr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-exited:
			b, _ := os.ReadFile(s.logPath)
			s.t.Fatalf("the store exited at start:\n%s", tail(b, 2000))
		case <-time.After(10 * time.Millisecond):
		}
	}
	s.t.Fatal("the store did not become ready")
}

func (s *dlStore) kill() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.exited
	s.cmd = nil
	s.killings++
}

// stored lists every entry: event id -> deliveries.
func (s *dlStore) stored() map[string]int {
	s.t.Helper()
	out := map[string]int{}
	after := ""
	for {
		resp, err := http.Get("http://" + s.api + "/v1/events?limit=1000&after=" + after)
		if err != nil {
			s.t.Fatal(err)
		}
		var page struct {
			Items []struct {
				ID, EventID string
				Deliveries  int
			}
			Next string
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			s.t.Fatal(err)
		}
		for _, it := range page.Items {
			out[it.EventID] += it.Deliveries
		}
		if page.Next == "" {
			return out
		}
		after = page.Next
	}
}

// sendResults reads send's results file: id -> status.
func sendResults(t *testing.T, path string) map[string]int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r struct {
			ID     string
			Status int
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		out[r.ID] = r.Status
	}
	return out
}

var dlRows []string

func dlRow(t *testing.T, name string, sent, acked, refused, stored, lost, storedNotAcked, dups int, extra string) {
	row := fmt.Sprintf("| %s | %d | %d | %d | %d | **%d** | %d | %d | %s |", name, sent, acked, refused, stored, lost, storedNotAcked, dups, extra)
	dlRows = append(dlRows, row)
	t.Log(row)
}

func TestDeadLetterStoreReport(t *testing.T) {
	t.Cleanup(func() {
		fmt.Println("\n| case | sent | acknowledged | refused | stored | lost | stored, not acknowledged | stored more than once | |")
		fmt.Println("|---|---|---|---|---|---|---|---|---|")
		for _, r := range dlRows {
			fmt.Println(r)
		}
	})
	t.Run("store killed (SIGKILL) and restarted every 700 ms during intake", dlKilledDuringIntake)
	t.Run("store full", dlFull)
	t.Run("store killed (SIGKILL) during replay", dlKilledDuringReplay)
}

// intakeJoin joins send's results with what the store holds.
func intakeJoin(t *testing.T, name string, results map[string]int, stored map[string]int, extra string) (acked, refused int) {
	lost, notAcked, dups := 0, 0, 0
	for id, st := range results {
		ok := st >= 200 && st < 300
		if ok {
			acked++
			if stored[id] == 0 {
				lost++
			}
		} else {
			refused++
			if stored[id] > 0 {
				notAcked++
			}
		}
	}
	for _, n := range stored {
		if n > 1 {
			dups++
		}
	}
	dlRow(t, name, len(results), acked, refused, len(stored), lost, notAcked, dups, extra)
	if len(results) != events {
		t.Errorf("send reported %d events, want %d", len(results), events)
	}
	if lost != 0 {
		t.Errorf("%d acknowledged events are not in the store", lost)
	}
	if dups != 0 {
		t.Errorf("%d events were stored more than once (send never retries)", dups)
	}
	return acked, refused
}

func dlKilledDuringIntake(t *testing.T) {
	s := newDLStore(t)
	s.start()
	results, cmd := send(t, "http://"+s.addr+"/", "dl-kill", events, "--rate", rate)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	for running := true; running; {
		select {
		case <-done:
			running = false
		case <-time.After(700 * time.Millisecond):
			s.kill()
			time.Sleep(100 * time.Millisecond)
			s.start()
		}
	}
	s.kill() // and once more: what was acknowledged is on disk, not in memory
	s.start()
	acked, refused := intakeJoin(t, "store killed (SIGKILL) and restarted every 700 ms during intake", sendResults(t, results), s.stored(),
		fmt.Sprintf("%d kills", s.killings))
	if acked == 0 || refused == 0 || s.killings < 3 {
		t.Errorf("want kills mid-load: %d acknowledged, %d refused, %d kills", acked, refused, s.killings)
	}
}

func dlFull(t *testing.T) {
	s := newDLStore(t, "MAX_STORE_BYTES=4194304")
	s.start()
	results, cmd := send(t, "http://"+s.addr+"/", "dl-full", events, "--rate", rate)
	_ = cmd.Wait()
	res := sendResults(t, results)
	stored := s.stored()
	acked, refused := intakeJoin(t, "store full (MAX_STORE_BYTES=4 MiB)", res, stored, "")
	if acked == 0 || refused == 0 {
		t.Errorf("want the limit to bite: %d acknowledged, %d refused", acked, refused)
	}
	for id, st := range res {
		if st != http.StatusAccepted && st != http.StatusServiceUnavailable {
			t.Fatalf("%s: %d, want 202 or 503", id, st)
		}
	}
	if len(stored) != acked {
		t.Errorf("stored %d, acknowledged %d", len(stored), acked)
	}
}

// dlKilledDuringReplay: 5000 dead letters replayed to a receiver, the store
// killed twice mid-replay and the replay asked again after each restart:
// every event arrives at least once, the store ends empty, and the events
// received twice (delivered, then killed before the entry was deleted)
// are counted.
func dlKilledDuringReplay(t *testing.T) {
	const n = 5000
	var mu sync.Mutex
	got := map[string]int{}
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		got[r.Header.Get("Ce-Id")]++
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	defer rc.Close()
	s := newDLStore(t)
	s.start()
	for i := range n {
		req, _ := http.NewRequest(http.MethodPost, "http://"+s.addr+"/", strings.NewReader(`{"n":1}`))
		for k, v := range map[string]string{"Ce-Specversion": "1.0", "Ce-Id": fmt.Sprintf("r-%d", i), "Ce-Type": "t", "Ce-Source": "s",
			"Content-Type": "application/json", "Ce-Knativeerrordest": rc.URL, "Ce-Knativeerrorcode": "500"} {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != http.StatusAccepted {
			t.Fatalf("storing r-%d: %v %v", i, resp, err)
		}
		resp.Body.Close()
	}
	replay := func() {
		body, _ := json.Marshal(map[string]any{"all": true})
		resp, err := http.Post("http://"+s.api+"/v1/replay", "application/json", bytes.NewReader(body))
		if err != nil {
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	for range 2 {
		go replay()
		time.Sleep(700 * time.Millisecond)
		s.kill()
		s.start()
	}
	replay()
	left := s.stored()
	mu.Lock()
	defer mu.Unlock()
	missing, twice := 0, 0
	for i := range n {
		switch c := got[fmt.Sprintf("r-%d", i)]; {
		case c == 0:
			missing++
		case c > 1:
			twice++
		}
	}
	dlRow(t, "store killed (SIGKILL) twice during a replay of 5000, replayed again", n, n, 0, n, missing, 0, 0,
		fmt.Sprintf("received twice: %d; left in the store: %d", twice, len(left)))
	if missing != 0 || len(left) != 0 {
		t.Errorf("%d events never arrived, %d left in the store", missing, len(left))
	}
	if s.killings < 2 {
		t.Errorf("%d kills", s.killings)
	}
}
