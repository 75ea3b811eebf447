package tail

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/adapter/receiver"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/flags"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// A line tail cannot read as a CloudEvent is reported on stderr and
// skipped; tail goes on to the next and still counts only events.
func TestWatchSkipsALineItCannotParse(t *testing.T) {
	lines := []string{
		`{"specversion":"1.0","id":"a","source":"s","type":"t"}`,
		`{"specversion":"1.0","id":"no-source","type":"t"}`,
		`not json at all`,
		`{"specversion":"1.0","id":"b","source":"s","type":"t","data":{"x":1}}`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-ndjson")
		for _, l := range lines {
			w.Write([]byte(l + "\n"))
			w.(http.Flusher).Flush()
		}
		<-r.Context().Done()
	}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out, errOut bytes.Buffer
	o := &Options{Count: 2, Output: &flags.Output{Format: "json"}, IOStreams: genericiooptions.IOStreams{Out: &out, ErrOut: &errOut}}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := o.watch(ctx, bufio.NewReader(resp.Body)); err != nil {
		t.Fatalf("watch: %v; stderr: %s", err, errOut.String())
	}
	got := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(got) != 2 || got[0] != lines[0] || got[1] != lines[3] {
		t.Fatalf("stdout: %q", out.String())
	}
	if n := strings.Count(errOut.String(), "skipped a line that is not a CloudEvent"); n != 2 {
		t.Fatalf("stderr should report the two lines it skipped: %q", errOut.String())
	}
}

// tail reads the receiver's stream with its session's token; the receiver
// (the real one, over 127.0.0.1) refuses any other, and tail says why.
func TestOpenStreamPresentsTheSessionToken(t *testing.T) {
	token, err := wiring.NewTailToken()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(receiver.NewHandler(receiver.Config{Token: token}, slog.New(slog.NewTextHandler(io.Discard, nil))))
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(`{"id":1}`))
	for k, v := range map[string]string{"Ce-Specversion": "1.0", "Ce-Id": "e-1", "Ce-Type": "t", "Ce-Source": "s", "Content-Type": "application/json"} {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST: %v %v", err, resp)
	}
	resp.Body.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := openStream(ctx, srv.URL+"/events", token[1:]+"x"); err == nil || !strings.Contains(err.Error(), "HTTP 401") {
		t.Fatalf("another token: %v", err)
	}
	body, err := openStream(ctx, srv.URL+"/events", token)
	if err != nil {
		t.Fatal(err)
	}
	defer body.Close()
	line, err := bufio.NewReader(body).ReadBytes('\n')
	if err != nil {
		t.Fatal(err)
	}
	if e, err := parseLine(line); err != nil || e.ID() != "e-1" {
		t.Fatalf("%v %q", err, line)
	}
}

// Ctrl-C is tail's normal stop: the watch ends with the signal's exit code
// (130) and no "error:" line (issue 21).
func TestCtrlCIsANormalStop(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out, errOut bytes.Buffer
	o := &Options{Output: &flags.Output{Format: "table"}, IOStreams: genericiooptions.IOStreams{Out: &out, ErrOut: &errOut}}
	ctx, cancel := context.WithCancelCause(context.Background())
	time.AfterFunc(50*time.Millisecond, func() { cancel(cmdutil.SignalError{Signal: os.Interrupt}) })
	err = o.watch(ctx, bufio.NewReader(resp.Body))
	if code, line := cmdutil.ExitCode(err), cmdutil.ErrorLine(err); code != 130 || line != "" {
		t.Fatalf("tail's Ctrl-C: exit %d, error line %q (%v)", code, line, err)
	}
}
