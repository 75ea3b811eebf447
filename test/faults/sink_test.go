//go:build faults

package faults

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// The fault sink's settings, passed to the re-executed test binary.
const (
	sinkModeEnv = "FAULTS_SINK_MODE" // none, errors, hang, drop, interim, redirect
	sinkAddrEnv = "FAULTS_SINK_ADDR"
	sinkLogEnv  = "FAULTS_SINK_LOG"
	sinkHangEnv = "FAULTS_SINK_HANG" // how long a hanging answer takes
)

// answer is what the sink does with event n of a run, by mode: the faults
// hit a fixed share of the events, chosen by sequence number.
func answer(mode string, n int) (code int, hang, drop bool, interim []int) {
	switch mode {
	case "errors": // one in five refused
		if n%5 == 3 {
			return http.StatusInternalServerError, false, false, nil
		}
	case "hang": // one in a hundred answered after the adapter gave up
		if n%100 == 7 {
			return http.StatusAccepted, true, false, nil
		}
	case "drop": // one in twenty read, then the connection closed unanswered
		if n%20 == 7 {
			return 0, false, true, nil
		}
	case "redirect": // one in ten sent elsewhere, with each of the five redirects in turn
		if n%10 == 3 {
			return redirects[n/10%len(redirects)], false, false, nil
		}
	case "interim": // every event gets 103 (and every other one 100 first), then a mix of answers
		interim = []int{http.StatusEarlyHints}
		if n%2 == 1 {
			interim = []int{http.StatusContinue, http.StatusEarlyHints}
		}
		switch n % 3 {
		case 0:
			return http.StatusInternalServerError, false, false, interim
		case 1:
			return http.StatusUnprocessableEntity, false, false, interim
		}
		return http.StatusAccepted, false, false, interim
	}
	return http.StatusAccepted, false, false, nil
}

// redirects are the answers of the redirect mode, to movedPath.
var redirects = []int{301, 302, 303, 307, 308}

// movedPath is where the redirect mode points; what arrives there is logged
// as "ID followed" (not taken): an adapter that followed and acknowledged it
// loses the event.
const movedPath = "/moved"

// runSink serves until killed. Each event's id and what the sink did with it
// go to the log, one line written whole (O_APPEND) before the answer: a line
// "ID 202" means the sink took the event, whatever became of the answer.
func runSink() int {
	mode := os.Getenv(sinkModeEnv)
	hang, _ := time.ParseDuration(os.Getenv(sinkHangEnv))
	logf, err := os.OpenFile(os.Getenv(sinkLogEnv), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ln, err := net.Listen("tcp", os.Getenv(sinkAddrEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		id := r.Header.Get("Ce-Id")
		if r.URL.Path == movedPath {
			_, _ = logf.Write([]byte(id + " followed\n"))
			w.WriteHeader(http.StatusOK) // as a health endpoint would
			return
		}
		n, _ := strconv.Atoi(id[strings.LastIndexByte(id, '-')+1:])
		code, slow, drop, interim := answer(mode, n)
		if slow {
			time.Sleep(hang)
		}
		what := strconv.Itoa(code)
		if drop {
			what = "dropped"
		}
		_, _ = logf.Write([]byte(id + " " + what + "\n"))
		if drop {
			c, _, _ := w.(http.Hijacker).Hijack()
			c.Close()
			return
		}
		for _, c := range interim {
			w.WriteHeader(c)
		}
		if code >= 300 && code < 400 {
			w.Header().Set("Location", movedPath)
		}
		w.WriteHeader(code)
	})
	_ = http.Serve(ln, h)
	return 1
}
