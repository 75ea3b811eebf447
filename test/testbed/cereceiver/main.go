// Command cereceiver is the test bed's event subscriber: it accepts CloudEvents
// over HTTP on a loopback address and appends each as one JSON line (id, type,
// source, subject, data) to stdout or a file. The demo and benchmarks use it.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"
)

type event struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Source  string `json:"source"`
	Subject string `json:"subject,omitempty"`
	Data    string `json:"data"`
}

func main() {
	addr := flag.String("addr", "127.0.0.1:19190", "listen address (loopback)")
	out := flag.String("out", "", "file to append events to (default stdout)")
	quiet := flag.Bool("quiet", false, "record nothing, only accept (for load tests)")
	flag.Parse()
	w := io.Writer(os.Stdout)
	if *out != "" {
		f, err := os.OpenFile(*out, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			fmt.Fprintln(os.Stderr, "cereceiver:", err)
			os.Exit(1)
		}
		defer f.Close()
		w = f
	}
	var mu sync.Mutex
	enc := json.NewEncoder(w)
	h := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !*quiet {
			e := event{ID: r.Header.Get("Ce-Id"), Type: r.Header.Get("Ce-Type"), Source: r.Header.Get("Ce-Source"),
				Subject: r.Header.Get("Ce-Subject"), Data: string(body)}
			mu.Lock()
			_ = enc.Encode(e)
			mu.Unlock()
		}
		rw.WriteHeader(http.StatusAccepted)
	})
	srv := &http.Server{Addr: *addr, Handler: h, ReadHeaderTimeout: 5 * time.Second}
	if err := srv.ListenAndServe(); err != nil {
		fmt.Fprintln(os.Stderr, "cereceiver:", err)
		os.Exit(1)
	}
}
