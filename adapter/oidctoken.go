package adapter

import (
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/http/httpguts"
)

// DefaultOIDCTokenFile is where a Knative SinkBinding mounts the token of the
// adapter's OIDC identity when Knative's authentication-oidc feature is on.
const DefaultOIDCTokenFile = "/oidc/token"

// oidcToken is the Authorization the adapter presents to its sink: the
// SinkBinding's token, read from its file. Knative rotates the token by
// rewriting the file, so the file is looked at again at most once a second;
// without the file (OIDC off) there is none.
type oidcToken struct {
	path    string
	log     *slog.Logger // nil: no log
	mu      sync.Mutex
	warned  time.Time // the bad file version already logged
	checked time.Time
	modTime time.Time
	value   string // "Bearer ..." or ""
}

func newOIDCToken(path string, log *slog.Logger) *oidcToken { return &oidcToken{path: path, log: log} }

// authorization returns the header value to send, or "".
func (t *oidcToken) authorization(now time.Time) string {
	if t == nil || t.path == "" {
		return ""
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if now.Sub(t.checked) < time.Second && !t.checked.IsZero() {
		return t.value
	}
	t.checked = now
	st, err := os.Stat(t.path)
	if err != nil {
		t.value, t.modTime = "", time.Time{}
		return ""
	}
	if st.ModTime().Equal(t.modTime) && t.value != "" {
		return t.value
	}
	b, err := os.ReadFile(t.path)
	if err != nil {
		return t.value // keep the last good one through a rewrite
	}
	tok := strings.TrimSpace(string(b)) // line ends around the token
	t.modTime, t.value = st.ModTime(), ""
	switch {
	case tok != "" && httpguts.ValidHeaderFieldValue(tok):
		t.value = "Bearer " + tok
	case tok != "" && t.log != nil && !st.ModTime().Equal(t.warned):
		// A line break inside cannot go into a header, and guessing the
		// token by joining lines could send a wrong one: say so once per
		// version of the file, never with the token.
		t.warned = st.ModTime()
		t.log.Warn("the OIDC token file holds a control character (such as a line break) inside the token: no token is sent to the sink", "file", t.path)
	}
	return t.value
}
