package vault

import (
	"bytes"
	"context"
	"fmt"
	"time"
)

// StateSchema is the version of state.toml.
const StateSchema = 1

// TokenState is what oat remembers about a profile's last token beside the profiles, so
// that listing never reads the secret store. It holds no token.
type TokenState struct {
	FetchedAt time.Time `toml:"fetched_at,omitempty" json:"fetched_at,omitempty"`
	// ExpiresAt is zero when the server gave no expiry.
	ExpiresAt time.Time `toml:"expires_at,omitempty" json:"expires_at,omitempty"`
	TokenType string    `toml:"token_type,omitempty" json:"token_type,omitempty"`
	Scopes    []string  `toml:"scopes,omitempty" json:"scopes,omitempty"`
	// Cached says whether the token itself is kept: in the token cache named Cache, or
	// in the secret store when Cache is empty.
	Cached bool `toml:"cached,omitempty" json:"cached,omitempty"`
	// Cache names the TokenCache holding the token ("keyctl"); empty: the secret store.
	Cache string `toml:"cache,omitempty" json:"cache,omitempty"`
	// LastError is the last fetch failure (already sanitized, never containing a secret).
	LastError   string    `toml:"last_error,omitempty" json:"last_error,omitempty"`
	LastErrorAt time.Time `toml:"last_error_at,omitempty" json:"last_error_at,omitempty"`
	// RejectedAt is when an API answered 401 to the last token before its expiry;
	// Rejected is that token's fingerprint, so it is never handed out again even if
	// deleting it from the store failed.
	RejectedAt time.Time `toml:"rejected_at,omitempty" json:"rejected_at,omitempty"`
	Rejected   string    `toml:"rejected,omitempty" json:"rejected,omitempty"`
}

type stateDoc struct {
	Schema int                   `toml:"schema"`
	Tokens map[string]TokenState `toml:"token"`
	// Requests are the test requests last sent per profile ID, most recent first
	// (request_history.go). Never with a token.
	Requests map[string][]HistoryEntry `toml:"requests,omitempty"`
}

// StateFile is state.toml: token metadata per profile ID.
type StateFile struct {
	Path string
	hook writeHook
}

func (f *StateFile) parse(data []byte, strict bool) (*stateDoc, error) {
	doc := &stateDoc{Schema: StateSchema}
	// Empty or zero-filled: what a crash can leave of a file written without fsync
	// (writeCacheFile). It is a cache: read as empty, and the next write replaces it.
	if len(bytes.Trim(data, "\x00 \t\r\n")) > 0 {
		if err := decodeTOML(f.Path, data, doc, strict); err != nil {
			return nil, err
		}
		if doc.Schema > StateSchema {
			return nil, &FileError{Path: f.Path, Err: fmt.Errorf("schema %d is %w", doc.Schema, ErrNewerSchema)}
		}
	}
	if doc.Tokens == nil {
		doc.Tokens = map[string]TokenState{}
	}
	return doc, nil
}

// Load returns every token state by profile ID.
func (f *StateFile) Load() (map[string]TokenState, error) {
	data, err := readFileIfExists(f.Path)
	if err != nil {
		return nil, err
	}
	doc, err := f.parse(data, false)
	if err != nil {
		return nil, err
	}
	return doc.Tokens, nil
}

// Update changes the state of one profile under the lock.
func (f *StateFile) Update(ctx context.Context, id string, fn func(*TokenState)) error {
	// A cache: atomic but not synced (writeCacheFile).
	return updateTOMLWith(ctx, f.Path, f.hook, writeCacheFile, f.parse, func(doc *stateDoc) error {
		st := doc.Tokens[id]
		fn(&st)
		if st.isZero() {
			delete(doc.Tokens, id)
		} else {
			doc.Tokens[id] = st
		}
		doc.Schema = StateSchema
		return nil
	})
}

func (s *TokenState) isZero() bool {
	return s.FetchedAt.IsZero() && s.ExpiresAt.IsZero() && s.LastError == "" && !s.Cached && len(s.Scopes) == 0 && s.TokenType == ""
}

// TokenStatusKind names the state of a profile's token for listing.
type TokenStatusKind string

// The token states.
const (
	TokenNone     TokenStatusKind = "none"
	TokenValid    TokenStatusKind = "valid"
	TokenExpiring TokenStatusKind = "expiring"
	TokenExpired  TokenStatusKind = "expired"
	TokenError    TokenStatusKind = "error"
	// TokenRejected: an API answered 401 to the token before its expiry.
	TokenRejected TokenStatusKind = "rejected"
	// TokenNoExpiry: a token was fetched but the server gave no expiry.
	TokenNoExpiry TokenStatusKind = "no expiry"
)

// TokenStatus is a token's state at one instant.
type TokenStatus struct {
	Kind TokenStatusKind
	// Left is the time remaining for valid and expiring tokens.
	Left time.Duration
}

// Status says what state the token is in at now; tokens with less than warn left are
// expiring. A failed fetch after the last success shows as error.
func (s TokenState) Status(now time.Time, warn time.Duration) TokenStatus {
	if s.LastError != "" && !s.LastErrorAt.Before(s.FetchedAt) {
		return TokenStatus{Kind: TokenError}
	}
	if !s.RejectedAt.IsZero() && !s.RejectedAt.Before(s.FetchedAt) {
		return TokenStatus{Kind: TokenRejected}
	}
	switch {
	case s.FetchedAt.IsZero():
		return TokenStatus{Kind: TokenNone}
	case s.ExpiresAt.IsZero():
		return TokenStatus{Kind: TokenNoExpiry}
	}
	left := s.ExpiresAt.Sub(now)
	switch {
	case left <= 0:
		return TokenStatus{Kind: TokenExpired}
	case left <= warn:
		return TokenStatus{Kind: TokenExpiring, Left: left}
	}
	return TokenStatus{Kind: TokenValid, Left: left}
}
