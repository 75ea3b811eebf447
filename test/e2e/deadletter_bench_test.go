//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/test/testbed"
)

// arrivals is a receiver on 127.0.0.1 that answers every request with code
// and keeps when each arrived.
type arrivals struct {
	mu    sync.Mutex
	times []time.Time
	port  int
}

func newArrivals(b *testing.B, code int) *arrivals {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	a := &arrivals{port: ln.Addr().(*net.TCPAddr).Port}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		a.mu.Lock()
		a.times = append(a.times, time.Now())
		a.mu.Unlock()
		w.WriteHeader(code)
	})}
	go func() { _ = srv.Serve(ln) }()
	b.Cleanup(func() { _ = srv.Close() })
	return a
}

func (a *arrivals) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.times)
}

// rate is events a second between the first and the last arrival.
func rate(times []time.Time) float64 {
	if len(times) < 2 {
		return 0
	}
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	return float64(len(times)-1) / times[len(times)-1].Sub(times[0]).Seconds()
}

func benchKM(b *testing.B, args ...string) string {
	b.Helper()
	r := testbed.Run(b, nil, "kubectl", append([]string{"kymamesh"}, args...)...)
	if r.Code != 0 {
		b.Fatalf("kubectl kymamesh %s: %s", strings.Join(args, " "), r)
	}
	return r.Stdout
}

// postAll sends n events to target through the test bed's proxy from 16
// senders, as Knative's dispatcher sends (one request per event, many at
// once); every one must be answered 2xx.
func postAll(b *testing.B, target, prefix string, n int, headers map[string]string) time.Duration {
	proxy, _ := url.Parse(testbed.HTTPProxy())
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{Proxy: http.ProxyURL(proxy), MaxIdleConnsPerHost: 16}}
	var next atomic.Int64
	var failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= int64(n); i = next.Add(1) {
				req, _ := http.NewRequest(http.MethodPost, target, bytes.NewBufferString(`{"order":1,"pad":"`+strings.Repeat("x", 900)+`"}`))
				for k, v := range map[string]string{"Ce-Specversion": "1.0", "Ce-Id": fmt.Sprintf("%s-%d", prefix, i), "Ce-Type": "bench.failed",
					"Ce-Source": "/e2e/bench", "Content-Type": "application/json"} {
					req.Header.Set(k, v)
				}
				for k, v := range headers {
					req.Header.Set(k, v)
				}
				resp, err := client.Do(req)
				if err != nil {
					failed.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode/100 != 2 {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if failed.Load() > 0 {
		b.Fatalf("%d of %d events to %s were not accepted", failed.Load(), n, target)
	}
	return time.Since(start)
}

// BenchmarkDeadLetterStoreVersusDispatcher measures, in one run on the test
// bed, how fast Knative's dispatcher (for a channel-based Broker the
// channel's: it retries and dead-letters each Trigger's Subscription) sends dead letters
// when the dead-letter sink costs nothing (a receiver that answers 202), how
// fast it sends them when the sink is the store, and how fast the store takes
// them from 16 senders straight to its Service (docs/benchmarks.md). Each
// phase sends N (400) events, bounded; run it once:
//
//	flock /tmp/testbed.lock bash test/testbed/run.sh -- go test -tags e2e -count=1 \
//	  -run '^$' -bench DeadLetterStoreVersusDispatcher -benchtime 1x ./test/e2e/
func BenchmarkDeadLetterStoreVersusDispatcher(b *testing.B) {
	const n = 400
	ns := fmt.Sprintf("dlbench-%d", time.Now().UnixNano()%100000)
	testbed.MustKubectl(b, "create", "namespace", ns)
	b.Cleanup(func() { testbed.Kubectl(b, "delete", "namespace", ns, "--wait=false") })
	fail, sink := newArrivals(b, http.StatusInternalServerError), newArrivals(b, http.StatusAccepted)
	manifest := filepath.Join(b.TempDir(), "svc.yaml")
	svc := "apiVersion: v1\nkind: Service\nmetadata: {name: %s, namespace: %s}\nspec:\n  ports: [{port: 80, targetPort: %d}]\n---\n"
	if err := os.WriteFile(manifest, []byte(fmt.Sprintf(svc, "fail", ns, fail.port)+fmt.Sprintf(svc, "fastdls", ns, sink.port)), 0o600); err != nil {
		b.Fatal(err)
	}
	testbed.MustKubectl(b, "apply", "-f", manifest)
	benchKM(b, "broker", "create", "fast", "-n", ns, "--retry", "0", "--dl-sink", "svc:fastdls", "--wait")
	benchKM(b, "broker", "create", "stored", "-n", ns, "--retry", "0", "--wait")
	benchKM(b, "deadletter", "enable", "-n", ns, "--broker", "stored", "--size", "256Mi", "--wait")
	benchKM(b, "trigger", "create", "tf", "-n", ns, "--broker", "fast", "--sink", "svc:fail", "--wait")
	benchKM(b, "trigger", "create", "ts", "-n", ns, "--broker", "stored", "--sink", "svc:fail", "--wait")
	ingress := func(broker string) string {
		return strings.TrimSpace(testbed.MustKubectl(b, "get", "broker", broker, "-n", ns, "-o", "jsonpath={.status.address.url}"))
	}
	waitFor := func(what string, done func() bool) {
		deadline := time.Now().Add(3 * time.Minute)
		for !done() {
			if time.Now().After(deadline) {
				b.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	storeTimes := func() []time.Time {
		var l struct {
			Items []struct {
				Arrived time.Time `json:"arrived"`
			} `json:"items"`
		}
		if err := json.Unmarshal([]byte(benchKM(b, "deadletter", "list", "-n", ns, "-o", "json")), &l); err != nil {
			b.Fatal(err)
		}
		out := make([]time.Time, 0, len(l.Items))
		for _, it := range l.Items {
			out = append(out, it.Arrived)
		}
		return out
	}
	b.ResetTimer()

	// 1. The dispatcher to a dead-letter sink that costs nothing.
	postAll(b, ingress("fast"), "fast", n, nil)
	waitFor("the dispatcher's dead letters at the plain sink", func() bool { return sink.count() >= n })
	sink.mu.Lock()
	dispatcher := rate(append([]time.Time(nil), sink.times...))
	sink.mu.Unlock()

	// 2. The dispatcher to the store.
	postAll(b, ingress("stored"), "stored", n, nil)
	waitFor("the dispatcher's dead letters in the store", func() bool { return len(storeTimes()) >= n })
	viaStore := rate(storeTimes())
	benchKM(b, "deadletter", "purge", "--all", "-n", ns)

	// 3. The store alone: 16 senders straight to its Service.
	took := postAll(b, "http://kymamesh-deadletter."+ns+".svc.cluster.local/", "direct", n,
		map[string]string{"Ce-Knativeerrordest": "http://fail." + ns + ".svc.cluster.local", "Ce-Knativeerrorcode": "500"})
	intake := float64(n) / took.Seconds()
	b.StopTimer()

	b.ReportMetric(dispatcher, "dispatcher-events/s")
	b.ReportMetric(viaStore, "dispatcher-to-store-events/s")
	b.ReportMetric(intake, "store-intake-events/s")
	b.ReportMetric(intake/dispatcher, "intake/dispatcher")
	b.ReportMetric(viaStore/dispatcher, "to-store/to-plain-sink")
	b.Logf("%d events each: the dispatcher sends %.0f dead letters/s to a plain sink and %.0f/s to the store; the store takes %.0f/s from 16 senders (%.2fx the dispatcher)",
		n, dispatcher, viaStore, intake, intake/dispatcher)
}
