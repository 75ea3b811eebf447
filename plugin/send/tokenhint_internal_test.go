package send

import (
	"strings"
	"testing"
	"time"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// A 401 to the application's own newest token, made moments ago (source
// token rotate, then send --to app:APP), is the kubelet not having updated
// the adapter's mounted Secret yet, not a token that "is not, or no longer,
// valid": the hint says to send again in a minute. An older token refused
// is the plain hint.
func TestTokenHintForATokenMadeJustNow(t *testing.T) {
	o := &Options{To: "app:shop"}
	o.token = func() string { return "kmt_x" }
	o.appTokenInfo = &wiring.TokenInfo{ID: "3f2a9c1e", Created: time.Now().Add(-20 * time.Second)}
	if got := o.tokenHint(true, false); !strings.HasPrefix(got, " (401: the application's newest token, 3f2a9c1e, was made 2") ||
		!strings.Contains(got, "its adapter takes it once the kubelet updates the mounted Secret, about a minute at most; send again then)") {
		t.Fatalf("a token made 20s ago: %q", got)
	}
	o.appTokenInfo.Created = time.Now().Add(-10 * time.Minute)
	if got := o.tokenHint(true, false); got != " (401: the token was refused: it is not, or no longer, valid)" {
		t.Fatalf("a token made 10m ago: %q", got)
	}
	o.appTokenInfo = nil // --token
	if got := o.tokenHint(true, false); got != " (401: the token was refused: it is not, or no longer, valid)" {
		t.Fatalf("--token: %q", got)
	}
}
