package main

import (
	"bytes"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// A send load stopped by a signal exits 128+signal (130 for Ctrl-C, 143 for
// SIGTERM), says how far it got, and still writes its results file.
func TestSignalStopsSendWithTheShellsExitCode(t *testing.T) {
	bin := buildPlugin(t)
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

// buildPlugin builds this command once per test binary.
var buildPlugin = func() func(t *testing.T) string {
	var once sync.Once
	var bin string
	var err error
	var out []byte
	return func(t *testing.T) string {
		once.Do(func() {
			dir, _ := os.MkdirTemp("", "kymamesh-main-")
			bin = filepath.Join(dir, "kubectl-kymamesh")
			out, err = exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
		})
		if err != nil {
			t.Fatalf("build: %v\n%s", err, out)
		}
		return bin
	}
}()

// Progress shows on a terminal and never on a pipe: a load under a
// pseudo-terminal (util-linux's script) draws a bar with the rate; the same
// load into a pipe writes the summary and nothing else.
func TestProgressOnATerminalOnly(t *testing.T) {
	// A missing tool is the machine's, not the plugin's: skip, never fail.
	// BSD's script (macOS) takes other flags than util-linux's.
	if runtime.GOOS != "linux" {
		t.Skipf("needs util-linux script, a Linux tool; this is %s", runtime.GOOS)
	}
	if _, err := exec.LookPath("script"); err != nil {
		t.Skipf("needs util-linux script: %v", err)
	}
	bin := buildPlugin(t)
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusAccepted) }))
	defer rc.Close()
	args := bin + " send --to " + rc.URL + " --type t --count 60 --rate 100"
	var pipeErr bytes.Buffer
	pipe := exec.Command("sh", "-c", args)
	pipe.Stderr = &pipeErr
	if err := pipe.Run(); err != nil {
		t.Fatalf("through a pipe: %v\n%s", err, pipeErr.String())
	}
	if lines := strings.Split(strings.TrimSpace(pipeErr.String()), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], "sent 60, acknowledged 60, failed 0") {
		t.Fatalf("through a pipe, stderr is not just the summary: %q", pipeErr.String())
	}
	tty, err := exec.Command("script", "-qefc", args, "/dev/null").CombinedOutput()
	if err != nil {
		t.Fatalf("under a terminal: %v\n%s", err, tty)
	}
	if !strings.Contains(string(tty), "sending") || !strings.Contains(string(tty), "events/s") ||
		!strings.Contains(string(tty), "sent 60, acknowledged 60, failed 0") {
		t.Fatalf("under a terminal, no progress bar before the summary: %q", tty)
	}
}

// stopsWithin starts bin with args, sends SIGINT after 500ms and returns
// how long it took to exit after the signal, its exit code and stderr.
func stopsWithin(t *testing.T, bin string, args ...string) (time.Duration, int, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	sent := time.Now()
	_ = cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	took := time.Since(sent)
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	return took, cmd.ProcessState.ExitCode(), stderr.String()
}

// The first Ctrl-C stops a send --rate at once, not at the next scheduled
// event (one every 20 s here): 130 and the summary, well within the interval.
func TestCtrlCDoesNotWaitForTheNextScheduledEvent(t *testing.T) {
	bin := buildPlugin(t)
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusAccepted) }))
	defer rc.Close()
	took, code, stderr := stopsWithin(t, bin, "send", "--to", rc.URL, "--type", "t", "--count", "10", "--rate", "0.05")
	if took > 5*time.Second || code != 130 || !strings.Contains(stderr, "error: stopped after 1 of 10 events, 1 acknowledged: interrupted by interrupt") {
		t.Fatalf("send --rate 0.05 took %s to stop after Ctrl-C, exit %d:\n%s", took, code, stderr)
	}
}

// The first Ctrl-C stops doctor while the API server's TLS handshake hangs
// (a listener on 127.0.0.1 that accepts and never answers), instead of
// waiting out client-go's 10 s handshake timeout.
func TestCtrlCStopsDoctorDuringATLSHandshake(t *testing.T) {
	bin := buildPlugin(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, silent, until the test ends
		}
	}()
	kubeconfig := filepath.Join(t.TempDir(), "config")
	cfg := "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://" + ln.Addr().String() + "', insecure-skip-tls-verify: true}}]\n" +
		"users: [{name: u, user: {token: t}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n"
	if err := os.WriteFile(kubeconfig, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	took, code, stderr := stopsWithin(t, bin, "doctor", "--kubeconfig", kubeconfig)
	if took > 3*time.Second || code != 130 {
		t.Fatalf("doctor took %s to stop after Ctrl-C during a TLS handshake, exit %d:\n%s", took, code, stderr)
	}
}
