package main

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A send load stopped by a signal exits 128+signal (130 for Ctrl-C, 143 for
// SIGTERM), says how far it got, and still writes its results file.
func TestSignalStopsSendWithTheShellsExitCode(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "kubectl-kymamesh")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusAccepted) }))
	defer rc.Close()
	for sig, want := range map[syscall.Signal]int{syscall.SIGINT: 130, syscall.SIGTERM: 143} {
		results := filepath.Join(t.TempDir(), "r.jsonl")
		cmd := exec.Command(bin, "send", "--to", rc.URL, "--type", "t", "--count", "100000", "--rate", "200", "--results", results)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(500 * time.Millisecond)
		_ = cmd.Process.Signal(sig)
		err := cmd.Wait()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != want {
			t.Fatalf("%s: want exit %d, got %v\n%s", sig, want, err, stderr.String())
		}
		last := strings.TrimSpace(stderr.String())
		last = last[strings.LastIndex(last, "\n")+1:]
		if !strings.HasPrefix(last, "error: stopped after ") || !strings.HasSuffix(last, "acknowledged: interrupted by "+sig.String()) {
			t.Fatalf("%s: last line %q", sig, last)
		}
		if b, _ := os.ReadFile(results); bytes.Count(b, []byte("\n")) == 0 {
			t.Fatalf("%s: no results written", sig)
		}
	}
}
