//go:build faults

package faults

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Load of every case: distinct ids, bounded in count and rate.
const (
	events      = 20000
	rate        = "4000" // events/s: about 5 s of load, so that the kill case sees several kills
	concurrency = "32"
	memLimit    = 128 << 20 // the Deployment's limits.memory, given to the adapter as GOMEMLIMIT
)

// rows collects the report, printed after the run as the table in docs/reliability.md.
var rows []string

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitDial(t *testing.T, addr string) {
	t.Helper()
	for i := 0; i < 500; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("nothing listens on %s", addr)
}

// startSink runs the fault sink (this test binary) and waits until it listens.
func startSink(t *testing.T, mode, addr, logPath string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), sinkModeEnv+"="+mode, sinkAddrEnv+"="+addr, sinkLogEnv+"="+logPath, sinkHangEnv+"=1s")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	waitDial(t, addr)
	return cmd
}

// adapter is a running kymamesh-adapter process.
type adapter struct {
	cmd          *exec.Cmd
	url, metrics string
	exited       chan struct{}
	exitErr      error
}

func startAdapter(t *testing.T, sinkAddr string, env ...string) *adapter {
	t.Helper()
	addr, maddr := freeAddr(t), freeAddr(t)
	_, port, _ := net.SplitHostPort(addr)
	_, mport, _ := net.SplitHostPort(maddr)
	adapterBin := filepath.Join(bin, "kymamesh-adapter")
	if b := os.Getenv("FAULTS_ADAPTER_BIN"); b != "" { // another build, for an A/B of the same cases
		adapterBin = b
	}
	cmd := exec.Command(adapterBin)
	// As the Deployment runs it: one CPU, 128Mi, its default timeouts except
	// the sink's, shortened so the hang case stays short.
	cmd.Env = append([]string{"EVENT_SOURCE=faults", "K_SINK=http://" + sinkAddr + "/", "PORT=" + port, "METRICS_PORT=" + mport,
		"GOMAXPROCS=1", "GOMEMLIMIT=" + strconv.Itoa(memLimit), "SINK_TIMEOUT=300ms", "DRAIN_PERIOD=0"}, env...)
	logf, err := os.Create(filepath.Join(t.TempDir(), "adapter.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	a := &adapter{cmd: cmd, url: "http://" + addr + "/", metrics: "http://" + maddr + "/metrics", exited: make(chan struct{})}
	go func() { a.exitErr = cmd.Wait(); close(a.exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-a.exited
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			t.Logf("adapter log (last 2000 bytes):\n%s", tail(b, 2000))
		}
	})
	for i := 0; i < 500; i++ {
		if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return a
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the adapter did not become ready")
	return nil
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

var goroutinesLine = regexp.MustCompile(`(?m)^go_goroutines (\d+)$`)

// goroutines reads the adapter's goroutine count from its metrics.
func (a *adapter) goroutines(t *testing.T) int {
	t.Helper()
	resp, err := http.Get(a.metrics)
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	var b strings.Builder
	_, _ = bufio.NewReader(resp.Body).WriteTo(&b)
	m := goroutinesLine.FindStringSubmatch(b.String())
	if m == nil {
		return -1 // an adapter from before the gauge (FAULTS_ADAPTER_BIN)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// memory reads the adapter's resident set and its peak, in MiB.
func (a *adapter) memory() (rss, peak float64) {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", a.cmd.Process.Pid))
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "VmRSS:":
			rss = kb / 1024
		case "VmHWM:":
			peak = kb / 1024
		}
	}
	return rss, peak
}

// sockets counts the adapter's open sockets (listeners and connections).
func (a *adapter) sockets() int {
	dir := fmt.Sprintf("/proc/%d/fd", a.cmd.Process.Pid)
	fds, _ := os.ReadDir(dir)
	n := 0
	for _, fd := range fds {
		if l, err := os.Readlink(filepath.Join(dir, fd.Name())); err == nil && strings.HasPrefix(l, "socket:") {
			n++
		}
	}
	return n
}

// settle waits, up to within, until the adapter's goroutines are back to at most want.
func (a *adapter) settle(t *testing.T, want int, within time.Duration) int {
	n := a.goroutines(t)
	for end := time.Now().Add(within); n > want && time.Now().Before(end); {
		time.Sleep(10 * time.Millisecond)
		n = a.goroutines(t)
	}
	return n
}

// send runs the plugin's load against the adapter and returns the results file.
func send(t *testing.T, url, id string, count int, extra ...string) (string, *exec.Cmd) {
	t.Helper()
	results := filepath.Join(t.TempDir(), "results.jsonl")
	args := append([]string{"send", "--to", url, "--type", "fault.test", "--id", id, "--count", strconv.Itoa(count),
		"--concurrency", concurrency, "--timeout", "5s", "--results", results}, extra...)
	cmd := exec.Command(filepath.Join(bin, "kubectl-kymamesh"), args...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return results, cmd
}

// joined is one case's per-id join of send's results with the sink's log.
type joined struct {
	sent, acked, failed int
	took                int // events the sink answered 2xx (it took them)
	lost                int // acknowledged, but the sink never took them
	dups                int // events the sink received more than once
	takenNotAcked       int // the sink took them, the sender got no 2xx (a retrying sender duplicates these)
	status              map[string]int
	sink                map[string][]string
}

func join(t *testing.T, resultsPath, sinkLog string) joined {
	t.Helper()
	j := joined{status: map[string]int{}, sink: map[string][]string{}}
	rf, err := os.Open(resultsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer rf.Close()
	sc := bufio.NewScanner(rf)
	for sc.Scan() {
		var r struct {
			ID     string
			Status int
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("results line %q: %v", sc.Text(), err)
		}
		j.status[r.ID] = r.Status
	}
	lb, err := os.ReadFile(sinkLog)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	for _, l := range strings.Split(strings.TrimSpace(string(lb)), "\n") {
		if id, what, ok := strings.Cut(l, " "); ok {
			j.sink[id] = append(j.sink[id], what)
		}
	}
	for id, st := range j.status {
		j.sent++
		acked := st >= 200 && st < 300
		took := false
		for _, w := range j.sink[id] {
			took = took || strings.HasPrefix(w, "2")
		}
		switch {
		case acked:
			j.acked++
		default:
			j.failed++
		}
		if acked && !took {
			j.lost++
		}
		if took && !acked {
			j.takenNotAcked++
		}
	}
	for _, ws := range j.sink {
		if len(ws) > 1 {
			j.dups++
		}
		for _, w := range ws {
			if strings.HasPrefix(w, "2") {
				j.took++
				break
			}
		}
	}
	return j
}

// report checks the case's promises and adds its row to the table.
func report(t *testing.T, name string, j joined, g0, g1 int, rss0, rss1, peak float64) {
	t.Helper()
	row := fmt.Sprintf("| %s | %d | %d | %d | %d | **%d** | **%d** | %d | %.1f / %.1f / %.1f | %d / %d |",
		name, j.sent, j.acked, j.failed, j.took, j.lost, j.dups, j.takenNotAcked, rss0, rss1, peak, g0, g1)
	rows = append(rows, row)
	t.Log(row)
	if j.sent != events {
		t.Errorf("send reported %d events, want %d", j.sent, events)
	}
	if j.lost != 0 {
		t.Errorf("%d events were acknowledged that the sink never took", j.lost)
	}
	if j.dups != 0 {
		t.Errorf("%d events reached the sink more than once", j.dups)
	}
}

func TestMainReport(t *testing.T) {
	t.Cleanup(func() {
		fmt.Println("\n| case | sent | acknowledged | failed | sink took | lost | duplicated | took, not acknowledged | adapter RSS MiB before / after / peak | goroutines before / after |")
		fmt.Println("|---|---|---|---|---|---|---|---|---|---|")
		for _, r := range rows {
			fmt.Println(r)
		}
	})
	for _, tc := range []struct {
		name, mode string
		during     func(t *testing.T, sink **exec.Cmd, sinkAddr, sinkLog string, a *adapter, stop <-chan struct{})
		env        []string
	}{
		{"sink killed (SIGKILL) and restarted every second", "none", killSinkEverySecond, nil},
		{"sink answers 500 to one event in five", "errors", nil, nil},
		{"sink answers one in a hundred after SINK_TIMEOUT (300 ms)", "hang", nil, nil},
		{"sink reads one in twenty, then hangs up unanswered", "drop", nil, nil},
		{"sink sends 103 (and 100) before every answer; answers 500, 422, 202 in turn", "interim", nil, nil},
		{"sink redirects one in ten (301, 302, 303, 307, 308) to a path that answers 200", "redirect", nil, nil},
		{"the same, SINK_CLIENT=net/http (the client of https sinks)", "redirect", nil, []string{"SINK_CLIENT=net/http"}},
	} {
		t.Run(tc.name, func(t *testing.T) { runCase(t, tc.name, tc.mode, tc.during, tc.env...) })
	}
	t.Run("adapter SIGTERMed mid-load", adapterStoppedMidLoad)
	t.Run("500 slow clients announcing 1 MiB bodies", slowClients)
	t.Run("heads and extensions flooding 150 connections", headAndExtensionFloods)
	t.Run("idle connections holding MAX_CONNECTIONS", idleConnectionsAtTheLimit)
	t.Run("token rotation under load", tokenRotationUnderLoad)
}

func runCase(t *testing.T, name, mode string, during func(*testing.T, **exec.Cmd, string, string, *adapter, <-chan struct{}), env ...string) {
	sinkAddr, sinkLog := freeAddr(t), filepath.Join(t.TempDir(), "sink.log")
	sink := startSink(t, mode, sinkAddr, sinkLog)
	a := startAdapter(t, sinkAddr, env...)
	g0, s0 := a.goroutines(t), a.sockets()
	rss0, _ := a.memory()
	results, cmd := send(t, a.url, mode, events, "--rate", rate)
	stop := make(chan struct{})
	done := make(chan struct{})
	if during != nil {
		go func() { defer close(done); during(t, &sink, sinkAddr, sinkLog, a, stop) }()
	} else {
		close(done)
	}
	_ = cmd.Wait() // exit 1 when events failed, as they should here
	close(stop)
	<-done
	g1 := a.settle(t, g0, 3*time.Second)
	rss1, peak := a.memory()
	j := join(t, results, sinkLog)
	report(t, name, j, g0, g1, rss0, rss1, peak)
	allowed := g0 + 2
	if slices.Contains(env, "SINK_CLIENT=net/http") {
		// Go's Transport keeps its idle connections to the sink (90 s), each
		// with a read and a write goroutine; the senders' are closed by now.
		allowed += 2 * (a.sockets() - s0)
	}
	if g1 > allowed {
		t.Errorf("goroutines: %d before the load, %d after it (%d allowed)", g0, g1, allowed)
	}
	if mode == "redirect" {
		// A redirected event is the sink's failure to take it (502), and
		// nothing reaches where the redirect points.
		for id, st := range j.status {
			n, _ := strconv.Atoi(id[strings.LastIndexByte(id, '-')+1:])
			if n%10 == 3 && st != http.StatusBadGateway || slices.Contains(j.sink[id], "followed") {
				t.Fatalf("event %s: sender got %d, want 502 for a redirect (sink: %v)", id, st, j.sink[id])
			}
		}
	}
	if mode == "interim" {
		// Each event got the sink's final answer to it, not an interim one
		// nor another event's.
		for id, st := range j.status {
			n, _ := strconv.Atoi(id[strings.LastIndexByte(id, '-')+1:])
			if want := [3]int{502, 422, 202}[n%3]; st != want {
				t.Fatalf("event %s: sender got %d, want %d (sink: %v)", id, st, want, j.sink[id])
			}
		}
	}
}

// killSinkEverySecond SIGKILLs the sink and starts it again, every second.
func killSinkEverySecond(t *testing.T, sink **exec.Cmd, sinkAddr, sinkLog string, _ *adapter, stop <-chan struct{}) {
	kills := 0
	defer func() { t.Logf("sink killed %d times", kills) }()
	for {
		select {
		case <-stop:
			return
		case <-time.After(time.Second):
		}
		_ = (*sink).Process.Kill()
		_ = (*sink).Wait()
		kills++
		*sink = startSink(t, "none", sinkAddr, sinkLog)
	}
}

// The adapter gets SIGTERM a second into the load: it drains (not ready,
// still serving) for DRAIN_PERIOD, finishes what is in flight and exits 0.
// Events after that are refused, never lost.
func adapterStoppedMidLoad(t *testing.T) {
	sinkAddr, sinkLog := freeAddr(t), filepath.Join(t.TempDir(), "sink.log")
	startSink(t, "none", sinkAddr, sinkLog)
	a := startAdapter(t, sinkAddr, "DRAIN_PERIOD=1s")
	g0 := a.goroutines(t)
	rss0, _ := a.memory()
	results, cmd := send(t, a.url, "sigterm", events, "--rate", rate)
	time.Sleep(time.Second)
	rss1, peak := a.memory()
	if err := a.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-a.exited
	_ = cmd.Wait()
	if a.exitErr != nil {
		t.Errorf("the adapter exited with %v after SIGTERM, want 0", a.exitErr)
	}
	j := join(t, results, sinkLog)
	report(t, "adapter SIGTERMed a second into the load (DRAIN_PERIOD=1s)", j, g0, 0, rss0, rss1, peak)
	if j.acked == 0 || j.failed == 0 {
		t.Errorf("want events both before and after the stop: %d acknowledged, %d failed", j.acked, j.failed)
	}
}

// 500 connections announce the largest body (1 MiB) and send one byte: the
// adapter's memory stays far under the Deployment's limit, a normal load on
// other connections is served in full, and once READ_TIMEOUT has passed the
// slow connections are gone.
func slowClients(t *testing.T) {
	sinkAddr, sinkLog := freeAddr(t), filepath.Join(t.TempDir(), "sink.log")
	startSink(t, "none", sinkAddr, sinkLog)
	a := startAdapter(t, sinkAddr, "READ_TIMEOUT=3s")
	g0 := a.goroutines(t)
	rss0, _ := a.memory()
	addr := strings.TrimSuffix(strings.TrimPrefix(a.url, "http://"), "/")
	var conns []net.Conn
	for i := 0; i < 500; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: a\r\nCe-Specversion: 1.0\r\nCe-Id: slow-%d\r\nCe-Type: t\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{", i, 1<<20)
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	results, cmd := send(t, a.url, "beside-slow", events)
	_ = cmd.Wait()
	_, peak := a.memory()
	rss1, _ := a.memory()
	j := join(t, results, sinkLog)
	g1 := a.settle(t, g0, 10*time.Second) // READ_TIMEOUT (3s) cuts the slow ones off
	report(t, "500 slow clients announcing 1 MiB bodies, a load beside them", j, g0, g1, rss0, rss1, peak)
	if j.acked != events {
		t.Errorf("beside the slow clients %d of %d events were acknowledged", j.acked, events)
	}
	if peak*(1<<20) >= memLimit/2 {
		t.Errorf("adapter peak RSS %.1f MiB: want well under the %d MiB limit", peak, memLimit>>20)
	}
	if g1 > g0+2 {
		t.Errorf("goroutines: %d before, %d after READ_TIMEOUT let the slow clients go", g0, g1)
	}
}

// 100 connections each send a head of 256 KiB of short header lines and hold
// it unfinished, and 50 senders post, over and over, 110 KiB structured
// events of 10,000 short extensions, while a normal load runs on other
// connections. Parsed, each head would be about 5 MiB of header map and each
// event about 7 MiB of maps and headers: the adapter refuses both (431,
// 413) as they arrive, its memory stays far under the Deployment's limit and
// the load is served in full.
func headAndExtensionFloods(t *testing.T) {
	sinkAddr, sinkLog := freeAddr(t), filepath.Join(t.TempDir(), "sink.log")
	startSink(t, "none", sinkAddr, sinkLog)
	a := startAdapter(t, sinkAddr, "READ_TIMEOUT=3s")
	g0 := a.goroutines(t)
	rss0, _ := a.memory()
	addr := strings.TrimSuffix(strings.TrimPrefix(a.url, "http://"), "/")
	var head strings.Builder
	head.WriteString("POST / HTTP/1.1\r\nHost: a\r\nCe-Specversion: 1.0\r\nCe-Id: flood\r\nCe-Type: t\r\n")
	for i := 0; head.Len() < 256<<10; i++ {
		fmt.Fprintf(&head, "X%d: v\r\n", i)
	}
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := 0; i < 100; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		go func() { _, _ = c.Write([]byte(head.String())) }() // no blank line: the head is held
	}
	_ = conns[0].SetReadDeadline(time.Now().Add(5 * time.Second))
	if b, _ := bufio.NewReader(conns[0]).ReadString('\n'); !strings.Contains(b, "431") {
		t.Errorf("a 256 KiB head of short lines: want 431, got %q", b)
	}
	var ev strings.Builder
	ev.WriteString(`{"specversion":"1.0","id":"x","type":"t","source":"/s"`)
	for i := 0; i < 10000; i++ {
		fmt.Fprintf(&ev, `,"e%d":""`, i)
	}
	ev.WriteString("}")
	body := ev.String()
	stop := make(chan struct{})
	floods := make(chan map[int]int, 50)
	for i := 0; i < 50; i++ {
		go func() {
			got := map[int]int{}
			client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
			for {
				select {
				case <-stop:
					floods <- got
					return
				default:
				}
				resp, err := client.Post(a.url, "application/cloudevents+json", strings.NewReader(body))
				if err != nil {
					got[0]++
					continue
				}
				resp.Body.Close()
				got[resp.StatusCode]++
			}
		}()
	}
	results, cmd := send(t, a.url, "beside-floods", events)
	_ = cmd.Wait()
	close(stop)
	statuses := map[int]int{}
	for i := 0; i < 50; i++ {
		for k, v := range <-floods {
			statuses[k] += v
		}
	}
	_, peak := a.memory()
	rss1, _ := a.memory()
	j := join(t, results, sinkLog)
	for _, c := range conns {
		c.Close()
	}
	g1 := a.settle(t, g0, 10*time.Second)
	report(t, "100 connections holding 256 KiB heads of short lines, 50 posting 10,000-extension events, a load beside them", j, g0, g1, rss0, rss1, peak)
	t.Logf("the extension floods got (status: count; 0 = no answer): %v", statuses)
	if j.acked != events {
		t.Errorf("beside the floods %d of %d events were acknowledged", j.acked, events)
	}
	if peak*(1<<20) >= memLimit/2 {
		t.Errorf("adapter peak RSS %.1f MiB: want well under the %d MiB limit", peak, memLimit>>20)
	}
	for code, n := range statuses {
		if code != http.StatusRequestEntityTooLarge && code != http.StatusServiceUnavailable {
			t.Errorf("%d extension floods got %d, want 413 (or 503 while memory is short)", n, code)
		}
	}
	if g1 > g0+2 {
		t.Errorf("goroutines: %d before, %d after", g0, g1)
	}
}

// MAX_CONNECTIONS (64 here) are all kept-alive connections that sent one
// event and wait, idle, for their next; then a sender with 32 connections
// comes. The idle ones give way (the longest idle first) and the load is
// served in full; before, the sender waited in the listen queue until the
// idle connections timed out (two minutes), each of its events timing out.
func idleConnectionsAtTheLimit(t *testing.T) {
	sinkAddr, sinkLog := freeAddr(t), filepath.Join(t.TempDir(), "sink.log")
	startSink(t, "none", sinkAddr, sinkLog)
	a := startAdapter(t, sinkAddr, "MAX_CONNECTIONS=64")
	g0 := a.goroutines(t)
	rss0, _ := a.memory()
	http.DefaultTransport.(*http.Transport).CloseIdleConnections() // startAdapter's probes hold one otherwise
	addr := strings.TrimSuffix(strings.TrimPrefix(a.url, "http://"), "/")
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := 0; i < 64; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: a\r\nCe-Specversion: 1.0\r\nCe-Id: idle-%d\r\nCe-Type: t\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}", i)
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil || resp.StatusCode != http.StatusAccepted {
			t.Fatalf("idle connection %d: its one event: %v %v", i, resp, err)
		}
	}
	results, cmd := send(t, a.url, "beside-idle", events, "--rate", rate)
	finished := make(chan struct{})
	go func() { _ = cmd.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		<-finished
		t.Fatal("the sender did not finish within 60 s: starved by the idle connections")
	}
	_, peak := a.memory()
	rss1, _ := a.memory()
	j := join(t, results, sinkLog)
	closed := 0
	for _, c := range conns {
		_ = c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		if _, err := c.Read(make([]byte, 1)); errors.Is(err, io.EOF) {
			closed++
		}
	}
	for _, c := range conns {
		c.Close()
	}
	g1 := a.settle(t, g0, 3*time.Second)
	report(t, "MAX_CONNECTIONS=64 held by idle kept-alive connections, then a 32-connection sender", j, g0, g1, rss0, rss1, peak)
	t.Logf("%d of the 64 idle connections gave way", closed)
	if j.acked != events {
		t.Errorf("beside the idle connections %d of %d events were acknowledged", j.acked, events)
	}
	if g1 > g0+2 {
		t.Errorf("goroutines: %d before, %d after", g0, g1)
	}
}
