//go:build e2e

package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/test/testbed"
)

// adapterPods lists the adapter's pods: name, containerID, terminating.
func adapterPods(t *testing.T, ns, app string) (running []string, pids []int, terminating int) {
	t.Helper()
	out := testbed.MustKubectl(t, "get", "pods", "-n", ns, "-l", "kymamesh.kyma-project.io/application="+app, "-o",
		`jsonpath={range .items[*]}{.metadata.name} {.metadata.deletionTimestamp} {.status.containerStatuses[0].containerID}{"\n"}{end}`)
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 0:
		case len(f) == 3: // deleted: terminating
			terminating++
		default:
			running = append(running, f[0])
			if len(f) == 2 {
				if pid, err := strconv.Atoi(strings.TrimPrefix(f[1], "kubeletlite://")); err == nil {
					pids = append(pids, pid)
				}
			}
		}
	}
	return running, pids, terminating
}

// Nothing is lost while the adapter's pods come and go (issue 20): three
// replicas behind the application's Service (the test bed's proxy balances
// over the ready endpoints), a load through it with send --retries, and a
// rolling restart, a pod killed outright and a scale-down from 3 to 1 in the
// middle of it. Every event the sender got 202 for reaches the Trigger's
// subscriber (joined by id); the refusals during the drains are retried so
// that every event is acknowledged in the end.
func TestAdapterLosesNothingWhilePodsComeAndGo(t *testing.T) {
	integration := testbed.Namespace(t)
	user := testbed.Namespace(t)
	sub := testbed.NewReceiver(t)
	mustKM(t, "wire", "shop", "--to", user, "--integration-namespace", integration, "--replicas", "3",
		"--trigger", "load", "--filter", "type=load", "--sink", sub.URL, "--wait", "--wait-timeout", "90s")
	settled := func(n int) {
		eventually(t, 90*time.Second, fmt.Sprintf("%d ready adapter pods and none terminating", n), func() bool {
			running, pids, terminating := adapterPods(t, integration, "shop")
			r := km(t, "source", "describe", "shop", "--integration-namespace", integration)
			return len(running) == n && len(pids) == n && terminating == 0 && strings.Contains(r.Stdout, fmt.Sprintf("replicas %d/%d ready", n, n))
		})
	}
	dir := t.TempDir()
	const count, rate = 1500, 150
	for _, c := range []struct {
		name    string
		disrupt func(t *testing.T)
		after   int
	}{
		{"rollout restart", func(t *testing.T) {
			testbed.MustKubectl(t, "rollout", "restart", "deployment/shop-adapter", "-n", integration)
		}, 3},
		{"a pod killed outright", func(t *testing.T) {
			_, pids, _ := adapterPods(t, integration, "shop")
			if len(pids) == 0 {
				t.Fatal("no adapter pod to kill")
			}
			if err := syscall.Kill(pids[0], syscall.SIGKILL); err != nil {
				t.Fatalf("kill %d: %v", pids[0], err)
			}
		}, 3},
		{"scale down 3 to 1", func(t *testing.T) {
			mustKM(t, "source", "update", "http", "shop", "--integration-namespace", integration, "--replicas", "1")
		}, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			settled(3)
			if c.after == 1 {
				defer mustKM(t, "source", "update", "http", "shop", "--integration-namespace", integration, "--replicas", "3")
			}
			results := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-")+".jsonl")
			prefix := strings.ReplaceAll(c.name, " ", "-")
			done := make(chan testbed.Result, 1)
			go func() {
				done <- sendKM(t, "--to", "app:shop", "--integration-namespace", integration, "--via", "direct", "--type", "load", "--id", prefix,
					"--count", strconv.Itoa(count), "--rate", strconv.Itoa(rate), "--concurrency", "8", "--retries", "5", "--results", results, "-o", "json")
			}()
			time.Sleep(3 * time.Second)
			c.disrupt(t)
			r := <-done
			f, err := os.Open(results)
			if err != nil {
				t.Fatalf("%v: %s", err, r)
			}
			defer f.Close()
			var acked []string
			retried, refusals, failed := 0, 0, 0
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				var e struct {
					ID       string `json:"id"`
					Status   int    `json:"status"`
					Attempts int    `json:"attempts"`
				}
				if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
					t.Fatal(err)
				}
				if e.Attempts > 1 {
					retried++
					refusals += e.Attempts - 1
				}
				if e.Status == 202 {
					acked = append(acked, e.ID)
				} else {
					failed++
				}
			}
			lost := 0
			eventually(t, 120*time.Second, "every acknowledged event at the subscriber", func() bool {
				lost = 0
				for _, id := range acked {
					if !sub.Has(id) {
						lost++
					}
				}
				return lost == 0
			})
			t.Logf("%s: sent %d, acknowledged %d, not acknowledged in the end %d, events retried %d, refusals retried %d, lost %d",
				c.name, count, len(acked), failed, retried, refusals, lost)
			if len(acked) != count || failed != 0 || r.Code != 0 {
				t.Fatalf("not every event was acknowledged in the end: %s", r)
			}
			settled(c.after)
		})
	}
}
