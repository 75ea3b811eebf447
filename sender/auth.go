package sender

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/http/httpguts"

	inputerr "github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
)

// Token gives the bearer token to present with each event ("" for none).
// It is asked once per request, so that a token file rewritten during a
// load (a rotation) is presented from the next event on.
type Token func() string

// StaticToken checks a token given on the command line (flag names the flag).
func StaticToken(flag, tok string) (Token, error) {
	tok = strings.TrimSpace(tok)
	if err := checkToken(tok); err != nil {
		return nil, inputerr.Errorf(flag, "%v", err)
	}
	return func() string { return tok }, nil
}

func checkToken(tok string) error {
	switch {
	case tok == "":
		return fmt.Errorf("the token is empty")
	case !httpguts.ValidHeaderFieldValue(tok) || strings.ContainsAny(tok, " \t"):
		// A line break inside cannot go into a header, and joining lines
		// could present a wrong token: refused, never guessed.
		return fmt.Errorf("the token holds a space or control character (such as a line break) inside")
	}
	return nil
}

// tokenFile re-reads its file when it changed, at most every 100 ms; a
// version it cannot use (being rewritten, empty) keeps the last good token.
type tokenFile struct {
	path    string
	mu      sync.Mutex
	checked time.Time
	modTime time.Time
	size    int64
	value   string
}

// TokenFile reads a token from path (flag names the flag): the file's
// content, with the line ends around it trimmed. The file is read again when
// it changes.
func TokenFile(flag, path string) (Token, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, inputerr.Errorf(flag, "%v", unwrapPath(err))
	}
	tok := strings.TrimSpace(string(b))
	if err := checkToken(tok); err != nil {
		return nil, inputerr.Errorf(flag, "%s: %v", path, err)
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, inputerr.Errorf(flag, "%v", unwrapPath(err))
	}
	tf := &tokenFile{path: path, value: tok, modTime: st.ModTime(), size: st.Size(), checked: time.Now()}
	return tf.get, nil
}

func (t *tokenFile) get() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := time.Now()
	if now.Sub(t.checked) < 100*time.Millisecond {
		return t.value
	}
	t.checked = now
	st, err := os.Stat(t.path)
	if err != nil || st.ModTime().Equal(t.modTime) && st.Size() == t.size {
		return t.value
	}
	b, err := os.ReadFile(t.path)
	if err != nil {
		return t.value
	}
	if tok := strings.TrimSpace(string(b)); checkToken(tok) == nil {
		t.value, t.modTime, t.size = tok, st.ModTime(), st.Size()
	}
	return t.value
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Path, pe.Err)
	}
	return err
}

// TLSOptions are kubectl's TLS flags, for an https target.
type TLSOptions struct {
	CAFile   string // --certificate-authority
	Insecure bool   // --insecure-skip-tls-verify
}

// Config returns the TLS configuration, or nil for Go's defaults (the
// system's roots).
func (o TLSOptions) Config() (*tls.Config, error) {
	if o.CAFile != "" && o.Insecure {
		return nil, inputerr.Errorf("--insecure-skip-tls-verify", "cannot be combined with --certificate-authority: verify with the CA, or skip verifying")
	}
	if o.Insecure {
		return &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}, nil //nolint:gosec // asked for by --insecure-skip-tls-verify
	}
	if o.CAFile == "" {
		return nil, nil
	}
	b, err := os.ReadFile(o.CAFile)
	if err != nil {
		return nil, inputerr.Errorf("--certificate-authority", "%v", unwrapPath(err))
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, inputerr.Errorf("--certificate-authority", "%s holds no PEM certificate", o.CAFile)
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}
