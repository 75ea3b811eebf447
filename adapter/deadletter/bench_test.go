package deadletter

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkIntakeHTTP: dead letters posted by 16 senders over HTTP on
// 127.0.0.1, each answered 202 once committed (docs/benchmarks.md).
func BenchmarkIntakeHTTP(b *testing.B) {
	s := start(b, Config{DataDir: b.TempDir()})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	var n atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := n.Add(1)
				if i > int64(b.N) {
					return
				}
				req, _ := http.NewRequest(http.MethodPost, s.intake, strings.NewReader(`{"order":1,"pad":"`+strings.Repeat("x", 900)+`"}`))
				req.Header.Set("Ce-Specversion", "1.0")
				req.Header.Set("Ce-Id", fmt.Sprint(i))
				req.Header.Set("Ce-Type", "order.created")
				req.Header.Set("Ce-Source", "shop")
				req.Header.Set("Ce-Knativeerrordest", "http://h.shop.svc.cluster.local")
				req.Header.Set("Ce-Knativeerrorcode", "500")
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil || resp.StatusCode != http.StatusAccepted {
					b.Errorf("%v %v", resp, err)
					return
				}
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkList100k: list's server side over 100,000 stored events, a page
// whose filter matches only the last ones (every summary is read).
func BenchmarkList100k(b *testing.B) {
	st, err := Open(b.TempDir(), 0)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ev := []byte(`{"specversion":"1.0","id":"x","source":"shop","type":"order.created","data":{"pad":"` + strings.Repeat("x", 900) + `"}}`)
	var wg sync.WaitGroup
	for w := range 16 { // Put commits each event: 16 at a time share the commits
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < 100000; i += 16 {
				code := 500
				if i >= 99900 {
					code = 404
				}
				if _, err := st.Put(Summary{EventID: fmt.Sprint(i), Source: "shop", Destination: "http://h", Code: code}, ev, time.Now()); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ResetTimer()
	for range b.N {
		n := 0
		if err := st.Scan(Filter{Code: 404}, func(Summary) bool { n++; return n < 100 }); err != nil || n != 100 {
			b.Fatal(n, err)
		}
	}
}
