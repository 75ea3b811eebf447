//go:build faults

package faults

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/adapter/credfile"
)

// writeCredentials replaces the credentials folder's files as a kubelet
// updates a mounted Secret: each file whole (written aside, renamed), the
// keys no longer in the Secret removed.
func writeCredentials(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	for k, v := range files {
		tmp := filepath.Join(dir, ".tmp-"+k)
		if err := os.WriteFile(tmp, v, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, k)); err != nil {
			t.Fatal(err)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if _, keep := files[e.Name()]; !keep {
			_ = os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// accepts says whether the adapter takes token (a probe that is no valid
// event: 400 after the token was checked, 401 before; nothing reaches the sink).
func accepts(t *testing.T, url, token string) bool {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader("{}"))
	req.Header.Set("Ce-Specversion", "1.0")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusBadRequest
}

var refusedLine = regexp.MustCompile(`(?m)^kymamesh_adapter_auth_refused_total\{reason="(\w+)"\} (\d+)$`)

// refusals reads the adapter's refusals for credentials, by reason.
func (a *adapter) refusals(t *testing.T) map[string]int {
	t.Helper()
	resp, err := http.Get(a.metrics)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	out := map[string]int{}
	for _, m := range refusedLine.FindAllStringSubmatch(b.String(), -1) {
		out[m[1]], _ = strconv.Atoi(m[2])
	}
	return out
}

// A token rotation under a `send` load: the application's token A is
// rotated half a second in (B added, A valid for 3 s more), the sender
// switches its --token-file to B once the adapter takes B, and A expires
// while the load goes on. No event sent with a valid token is refused and
// every acknowledged event reached the sink once. Then a sender still on A
// after its expiry: every event refused (401), none reaches the sink.
func tokenRotationUnderLoad(t *testing.T) {
	sinkAddr, sinkLog := freeAddr(t), filepath.Join(t.TempDir(), "sink.log")
	startSink(t, "none", sinkAddr, sinkLog)
	dir, tokFile := t.TempDir(), filepath.Join(t.TempDir(), "token")
	tokA, _ := credfile.NewToken()
	tokB, _ := credfile.NewToken()
	created := time.Now().UTC()
	files := map[string][]byte{credfile.RequiredKey: []byte("true\n"),
		"aaaa0001": credfile.Credential{Token: tokA, Created: created}.Marshal()}
	writeCredentials(t, dir, files)
	writeFile(t, tokFile, tokA+"\n")
	a := startAdapter(t, sinkAddr, "CREDENTIALS_DIR="+dir, "CREDENTIALS_POLL=500ms")
	g0 := a.goroutines(t)
	rss0, _ := a.memory()
	results, cmd := send(t, a.url, "rotation", events, "--rate", rate, "--token-file", tokFile)
	time.Sleep(500 * time.Millisecond)
	expiry := time.Now().Add(3 * time.Second)
	files["aaaa0001"] = credfile.Credential{Token: tokA, Created: created, Expires: &expiry}.Marshal()
	files["bbbb0002"] = credfile.Credential{Token: tokB, Created: time.Now().UTC()}.Marshal()
	writeCredentials(t, dir, files)
	rotated := time.Now()
	probes := 0 // refused probes: counted by the adapter as invalid, not events of the load
	for ; !accepts(t, a.url, tokB); probes++ {
		if time.Since(rotated) > 2*time.Second {
			t.Fatal("the adapter did not take the new token within 2 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	live := time.Since(rotated)
	writeFile(t, tokFile, tokB+"\n") // the sender switches
	switched := time.Since(rotated)
	_ = cmd.Wait()
	rss1, peak := a.memory()
	g1 := a.settle(t, g0, 3*time.Second)
	j := join(t, results, sinkLog)
	refused := a.refusals(t)
	if refused["invalid"] -= probes; refused["invalid"] == 0 {
		delete(refused, "invalid")
	}
	t.Logf("new token taken %s after the rotation, sender switched at %s, old token expired at %s; refusals by reason: %v",
		live.Round(time.Millisecond), switched.Round(time.Millisecond), expiry.Sub(rotated).Round(time.Millisecond), refused)
	report(t, "token rotated mid-load (3 s grace), the sender switching --token-file", j, g0, g1, rss0, rss1, peak)
	if j.failed != 0 || len(refused) != 0 {
		t.Errorf("%d events failed, %v refused for their token: want none", j.failed, refused)
	}
	if time.Now().Before(expiry) {
		t.Fatalf("the load ended before the old token's expiry: the case did not cover it")
	}

	// After the grace: a sender still on A is refused, every event, and the
	// sink gets none of them.
	writeFile(t, tokFile, tokA+"\n")
	const late = 2000
	results, cmd = send(t, a.url, "expired", late, "--rate", rate, "--token-file", tokFile)
	_ = cmd.Wait()
	j = join(t, results, sinkLog)
	refused = a.refusals(t)
	unauthorized := 0 // the sink log holds the first load's events too: this load's are those of its ids
	for _, st := range j.status {
		if st == http.StatusUnauthorized {
			unauthorized++
		}
	}
	row := fmt.Sprintf("| a sender still on the old token after its grace | %d | %d | %d | %d | **%d** | **%d** | %d | 401: %d (expired: %d) |  |",
		j.sent, j.acked, j.failed, j.takenNotAcked, j.lost, j.dups, j.takenNotAcked, unauthorized, refused["expired"])
	rows = append(rows, row)
	t.Log(row)
	if j.sent != late || unauthorized != late || j.takenNotAcked != 0 || refused["expired"] != late {
		t.Errorf("with the expired token: %d sent, %d refused 401 (%d counted expired), %d reached the sink; want all %d refused, none through",
			j.sent, unauthorized, refused["expired"], j.takenNotAcked, late)
	}
}
