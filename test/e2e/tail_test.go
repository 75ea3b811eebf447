//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/test/testbed"
)

// lockedBuffer is a bytes.Buffer a running process writes while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// tailing is a "kubectl kymamesh tail" running in the background.
type tailing struct {
	cmd            *exec.Cmd
	stdout, stderr *lockedBuffer
	done           chan struct{}
}

// startTail starts tail and waits until it watches (its receiver and
// Trigger are ready).
func startTail(t *testing.T, args ...string) *tailing {
	t.Helper()
	tl := &tailing{stdout: &lockedBuffer{}, stderr: &lockedBuffer{}, done: make(chan struct{})}
	tl.cmd = exec.Command("kubectl", append([]string{"kymamesh", "tail"}, args...)...)
	tl.cmd.Env, tl.cmd.Stdout, tl.cmd.Stderr = os.Environ(), tl.stdout, tl.stderr
	if err := tl.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = tl.cmd.Wait(); close(tl.done) }()
	t.Cleanup(func() { _ = tl.cmd.Process.Kill() })
	eventually(t, 120*time.Second, "tail to watch", func() bool {
		select {
		case <-tl.done:
			t.Fatalf("tail ended before watching: %s", tl.stderr)
		default:
		}
		return strings.Contains(tl.stderr.String(), "watching events of broker")
	})
	return tl
}

// wait waits for tail to end and returns its exit code.
func (tl *tailing) wait(t *testing.T, within time.Duration) int {
	t.Helper()
	select {
	case <-tl.done:
		return tl.cmd.ProcessState.ExitCode()
	case <-time.After(within):
		t.Fatalf("tail did not end within %s; stderr: %s", within, tl.stderr)
		return -1
	}
}

// tailLeftovers lists every object of any tail session in ns.
func tailLeftovers(t *testing.T, ns string) string {
	t.Helper()
	return strings.TrimSpace(testbed.MustKubectl(t, "get", "-n", ns, "-o", "name", "-l", "kymamesh.kyma-project.io/tail",
		"deployments,pods,services,serviceaccounts,roles,rolebindings,secrets,triggers.eventing.knative.dev"))
}

// tail + send, the check a user runs by hand: tail --count 2 receives the two
// events that pass its filter, from an application's adapter through the
// whole chain, and leaves nothing behind when it ends.
func TestTailReceivesWhatSendSent(t *testing.T) {
	integration, user := testbed.Namespace(t), testbed.Namespace(t)
	mustKM(t, "wire", "shop", "--to", user, "--integration-namespace", integration, "--wait", "--wait-timeout", "90s")
	tl := startTail(t, "-n", user, "--filter", "type=order.created", "--count", "2", "-o", "json", "--timeout", "2m")
	for _, ev := range []struct{ id, typ string }{{"t-1", "order.created"}, {"t-2", "order.shipped"}, {"t-3", "order.created"}} {
		mustKM(t, "send", "--to", "app:shop", "--integration-namespace", integration, "--type", ev.typ, "--id", ev.id, "--data", `{"id":"`+ev.id+`"}`)
	}
	if code := tl.wait(t, 90*time.Second); code != 0 {
		t.Fatalf("tail exit %d; stdout: %s\nstderr: %s", code, tl.stdout, tl.stderr)
	}
	lines := strings.Split(strings.TrimSpace(tl.stdout.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 JSON lines, got %q", tl.stdout)
	}
	for i, want := range []string{"t-1", "t-3"} {
		var ev struct {
			ID, Type, Source string
			Data             map[string]string
		}
		if err := json.Unmarshal([]byte(lines[i]), &ev); err != nil || ev.ID != want || ev.Type != "order.created" ||
			ev.Source != "shop" || ev.Data["id"] != want {
			t.Fatalf("line %d: %v %q", i, err, lines[i])
		}
	}
	if !strings.Contains(tl.stderr.String(), "removed the receiver kymamesh-tail-") {
		t.Fatalf("tail did not say it cleaned up: %s", tl.stderr)
	}
	if left := tailLeftovers(t, user); left != "" {
		t.Fatalf("tail left behind:\n%s", left)
	}
}

// Ctrl-C ends tail with 130, without an "error:" line, after it removed what it made; a tail killed
// outright cannot, and its receiver removes itself (through its own narrow
// Role) once nobody watched it for --receiver-idle-timeout.
func TestTailCleansUpWhenInterruptedOrKilled(t *testing.T) {
	user := testbed.Namespace(t)
	// Without a Broker, tail says so and makes nothing.
	r := km(t, "tail", "-n", user)
	wantExit(t, r, 1, `broker "default" does not exist in namespace "`+user+`": make it with 'kubectl kymamesh enable ns `+user+`'`)
	if left := tailLeftovers(t, user); left != "" {
		t.Fatalf("tail without a Broker made:\n%s", left)
	}
	mustKM(t, "enable", "ns", user, "--wait")
	tl := startTail(t, "-n", user)
	_ = tl.cmd.Process.Signal(syscall.SIGINT)
	if code := tl.wait(t, 60*time.Second); code != 130 || strings.Contains(tl.stderr.String(), "error:") {
		// Ctrl-C is tail's normal stop: 130 as documented, but no error line.
		t.Fatalf("tail after Ctrl-C: exit %d: %s", code, tl.stderr)
	}
	if left := tailLeftovers(t, user); left != "" {
		t.Fatalf("tail left behind after Ctrl-C:\n%s", left)
	}

	tl = startTail(t, "-n", user, "--receiver-idle-timeout", "5s")
	_ = tl.cmd.Process.Kill()
	tl.wait(t, 10*time.Second)
	if tailLeftovers(t, user) == "" {
		t.Fatal("a killed tail had nothing to leave behind")
	}
	eventually(t, 90*time.Second, "the receiver to remove itself", func() bool { return tailLeftovers(t, user) == "" })
}
