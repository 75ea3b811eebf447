package adapter

import (
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/adapter/credfile"
)

// DefaultCredentialsDir is where the adapter Deployment mounts the
// application's credentials Secret (optional: without the Secret the folder
// is empty and the application takes events without a token, as before).
const DefaultCredentialsDir = "/var/run/kymamesh/credentials"

// defaultCredentialsPoll is how often the folder is read again: the kubelet
// rewrites a mounted Secret's files when the Secret changes, and a new,
// rotated or revoked token counts from the next read, without a restart.
const defaultCredentialsPoll = 2 * time.Second

// Reasons an event is refused for its credentials, as the metrics count them.
const (
	authMissing = "missing" // no Authorization, or an empty bearer token
	authInvalid = "invalid" // another scheme, or a token that is none of the application's
	authExpired = "expired" // a rotated-out token past its grace
)

// credential is what the adapter keeps of a token: its SHA-256 and its expiry.
type credential struct {
	id      string
	hash    [sha256.Size]byte
	expires time.Time // zero: until revoked
}

// credentialSet is one reading of the folder.
type credentialSet struct {
	required bool // the Secret exists: every event needs a valid token
	creds    []credential
}

// credentials follows the mounted Secret's folder. It holds only the tokens'
// hashes; the tokens themselves are dropped as soon as they are hashed, and
// nothing it logs holds one.
type credentials struct {
	dir  string
	poll time.Duration
	log  *slog.Logger

	set     atomic.Pointer[credentialSet]
	checked atomic.Int64 // unix nanos of the last read
	mu      sync.Mutex   // one reader at a time; the others use the last set
	lastLog string       // what was last logged about the folder, to log a change once
}

func newCredentials(dir string, poll time.Duration, log *slog.Logger) *credentials {
	if poll <= 0 {
		poll = defaultCredentialsPoll
	}
	c := &credentials{dir: dir, poll: poll, log: log}
	c.set.Store(&credentialSet{})
	if dir != "" {
		c.refresh(time.Now())
	}
	return c
}

// current returns the credentials as of now, reading the folder again when
// the last reading is older than the poll interval. Only one request reads;
// the others go on with the last reading meanwhile.
func (c *credentials) current(now time.Time) *credentialSet {
	if c == nil || c.dir == "" {
		return nil
	}
	if now.UnixNano()-c.checked.Load() >= int64(c.poll) && c.mu.TryLock() {
		c.refreshLocked(now)
		c.mu.Unlock()
	}
	return c.set.Load()
}

func (c *credentials) refresh(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refreshLocked(now)
}

// refreshLocked reads the folder. A file that cannot be read or parsed (the
// kubelet between two versions, a hand-edited Secret) keeps the last good
// reading whole, and says so once; a folder that is gone means no Secret.
func (c *credentials) refreshLocked(now time.Time) {
	c.checked.Store(now.UnixNano())
	entries, err := os.ReadDir(c.dir)
	if err != nil {
		if os.IsNotExist(err) {
			c.store(&credentialSet{}, "no credentials folder: events are taken without a token")
			return
		}
		c.note("the credentials folder cannot be read; keeping the last credentials", "error", err.Error())
		return
	}
	set := &credentialSet{}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") { // the kubelet's ..data and its versions
			continue
		}
		if name == credfile.RequiredKey {
			set.required = true
			continue
		}
		b, err := os.ReadFile(filepath.Join(c.dir, name))
		if err != nil {
			if fi, serr := os.Stat(filepath.Join(c.dir, name)); serr == nil && fi.IsDir() {
				continue
			}
			c.note("a credential file cannot be read; keeping the last credentials", "id", name, "error", err.Error())
			return
		}
		cr, err := credfile.Parse(b)
		if err != nil {
			c.note("a credential file is not valid; keeping the last credentials", "id", name, "error", err.Error())
			return
		}
		one := credential{id: name, hash: sha256.Sum256([]byte(cr.Token))}
		if cr.Expires != nil {
			one.expires = *cr.Expires
		}
		set.creds = append(set.creds, one)
	}
	set.required = set.required || len(set.creds) > 0
	ids := make([]string, 0, len(set.creds))
	for _, cr := range set.creds {
		ids = append(ids, cr.id)
	}
	slices.Sort(ids)
	if set.required {
		c.store(set, "credentials loaded: events need a valid bearer token", "ids", strings.Join(ids, ","))
	} else {
		c.store(set, "no credentials: events are taken without a token")
	}
}

// store makes set the current one and logs the change, once.
func (c *credentials) store(set *credentialSet, msg string, args ...any) {
	c.set.Store(set)
	c.note(msg, args...)
}

// note logs msg unless it is what was logged last.
func (c *credentials) note(msg string, args ...any) {
	key := msg
	for _, a := range args {
		if s, ok := a.(string); ok {
			key += "\x00" + s
		}
	}
	if key == c.lastLog || c.log == nil {
		return
	}
	c.lastLog = key
	c.log.Info(msg, append(args, "dir", c.dir)...)
}

// check says whether the request may post events: "" when it may, else the
// reason it may not. Every credential is compared, in constant time over the
// hashes, whatever matches first.
func (s *credentialSet) check(hdr http.Header, now time.Time) string {
	if s == nil || !s.required {
		return ""
	}
	vals := hdr["Authorization"]
	if len(vals) == 0 {
		return authMissing
	}
	if len(vals) > 1 {
		return authInvalid
	}
	scheme, tok, _ := strings.Cut(strings.TrimSpace(vals[0]), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return authInvalid
	}
	tok = strings.TrimSpace(tok)
	if tok == "" {
		return authMissing
	}
	sum := sha256.Sum256([]byte(tok))
	valid, expired := 0, 0
	for i := range s.creds {
		eq := subtle.ConstantTimeCompare(sum[:], s.creds[i].hash[:])
		if s.creds[i].expires.IsZero() || now.Before(s.creds[i].expires) {
			valid |= eq
		} else {
			expired |= eq
		}
	}
	switch {
	case valid == 1:
		return ""
	case expired == 1:
		return authExpired
	}
	return authInvalid
}

// counts says whether a token is required and how many are valid at now.
func (s *credentialSet) counts(now time.Time) (bool, int) {
	n := 0
	for _, c := range s.creds {
		if c.expires.IsZero() || now.Before(c.expires) {
			n++
		}
	}
	return s.required, n
}
