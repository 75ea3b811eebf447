// Package credfile is the format of an application's credentials as they are
// kept in its Secret and mounted into its adapter: one key (one file) per
// token, named by the token's id, holding a small JSON document with the token,
// when it was made and, for a token rotated out, when it stops being valid.
// The plugin writes it (wiring), the adapter reads it; it needs only the
// standard library, so the adapter carries nothing of the plugin.
package credfile

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// RequiredKey is a key every credentials Secret carries besides its tokens:
// with it the adapter requires a token even when none is left (after
// `token revoke --all`), so that revoking the last token never opens the
// application to anyone.
const RequiredKey = "credentials-required"

// TokenPrefix starts every token, so that secret scanners and people can tell
// one when they see it.
const TokenPrefix = "kmt_"

// tokenBytes is a token's randomness: 256 bits.
const tokenBytes = 32

// Credential is one token.
type Credential struct {
	Token   string     `json:"token"`
	Created time.Time  `json:"created"`
	Expires *time.Time `json:"expires,omitempty"` // nil: valid until revoked
}

// Valid says whether the token is still valid at now.
func (c Credential) Valid(now time.Time) bool { return c.Expires == nil || now.Before(*c.Expires) }

// NewToken returns a fresh random token: TokenPrefix and 256 bits from
// crypto/rand, base64url without padding (47 characters).
func NewToken() (string, error) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("reading random bytes for a token: %w", err)
	}
	return TokenPrefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// NewID returns a fresh token id: 8 hexadecimal digits, also from crypto/rand
// (ids are shown and logged; they tell nothing of the token).
func NewID() (string, error) {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("reading random bytes for a token id: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// ValidID says whether id can be a token id (and so a Secret key): 1 to 63
// lower-case letters, digits and dashes.
func ValidID(id string) bool {
	if id == "" || len(id) > 63 || id == RequiredKey {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// Marshal renders c as its file's content.
func (c Credential) Marshal() []byte {
	b, _ := json.Marshal(c) // a struct of strings and times always marshals
	return append(b, '\n')
}

// Parse reads a credential file. The error never holds the token.
func Parse(b []byte) (Credential, error) {
	var c Credential
	if err := json.Unmarshal(b, &c); err != nil {
		return c, errors.New("not a credential (JSON with token, created and expires)")
	}
	if !strings.HasPrefix(c.Token, TokenPrefix) || len(c.Token) < len(TokenPrefix)+43 {
		return c, errors.New("its token is not one the plugin makes (kmt_ and 256 random bits)")
	}
	return c, nil
}
