package vault

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
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
//
// It is mostly a cache (token metadata, last errors, the test-call request history), so a
// file that cannot be read (broken TOML, over its size bound, not a regular file) never
// locks the user out: it is set aside as state.toml.broken-TIME, kept for the user to look
// at, read as empty, and the function given to SetWarn hears of it once. A file written by a newer oat is still
// refused (it is not broken, and this oat would drop what it does not know).
type StateFile struct {
	Path string
	hook writeHook
	// warn, when set (SetWarn), hears of a state file set aside.
	warn func(msg string)

	mu  sync.Mutex
	now func() time.Time // nil: time.Now
}

// unreadableState says err means the state file cannot be read at all (as opposed to a
// failure to read it that may pass, or a newer schema): such a file is set aside.
func unreadableState(err error) bool {
	var fe *FileError
	if errors.As(err, &fe) {
		return !errors.Is(err, ErrNewerSchema)
	}
	return errors.Is(err, ErrFileTooLarge) || errors.Is(err, ErrNotRegularFile)
}

// readDoc reads and decodes the state file; one that cannot be read is set aside and
// read as empty. locked says the caller holds the file's lock (a write); strict is
// parse's.
func (f *StateFile) readDoc(ctx context.Context, strict, locked bool) (*stateDoc, error) {
	data, err := readFileIfExists(f.Path)
	var doc *stateDoc
	if err == nil {
		doc, err = f.parse(data, strict)
		if err != nil && strict && !errors.Is(err, ErrNewerSchema) {
			// An unknown field alone is no reason to set the file aside: a writer refuses it
			// as before (rewriting would drop the field); broken TOML fails here too.
			if _, lerr := f.parse(data, false); lerr == nil {
				return nil, err
			}
		}
	}
	if err == nil || !unreadableState(err) {
		return doc, err
	}
	if locked {
		f.setAside(err)
	} else {
		// Under the lock, and only if it is still unreadable: another oat may have set it
		// aside and written a good one meanwhile. A lock that cannot be had leaves the
		// file where it is, still read as empty.
		_ = withLock(ctx, f.Path, func() error {
			data, rerr := readFileIfExists(f.Path)
			if rerr == nil {
				_, rerr = f.parse(data, false)
			}
			if rerr != nil && unreadableState(rerr) {
				f.setAside(rerr)
			}
			return nil
		})
	}
	return f.parse(nil, false)
}

// setAside renames the unreadable state file to state.toml.broken-TIME (0600) and warns.
// A rename that fails is said in the warning: the file is then read as empty each time.
func (f *StateFile) setAside(cause error) {
	now := time.Now
	if f.now != nil {
		now = f.now
	}
	reason := cause.Error()
	var fe *FileError
	var pe *fs.PathError
	if errors.As(cause, &pe) && pe.Path == f.Path {
		reason = pe.Err.Error() // the path is said once
	}
	if errors.As(cause, &fe) {
		reason = fe.Err.Error()
		if fe.Line > 0 {
			reason = fmt.Sprintf("line %d: %s", fe.Line, reason)
		}
	}
	base := f.Path + ".broken-" + now().UTC().Format("20060102T150405Z")
	aside := base
	for i := 2; ; i++ {
		if _, err := os.Lstat(aside); errors.Is(err, os.ErrNotExist) {
			break
		}
		aside = fmt.Sprintf("%s-%d", base, i)
	}
	var msg string
	if fi, err := os.Lstat(f.Path); err == nil && !fi.Mode().IsRegular() && !fi.IsDir() {
		// A symlink, FIFO or device is no data of oat's: set aside it would stay a link
		// (to /etc/passwd, say) that a later chmod would follow. It is removed (a link's
		// target is left alone) and the state starts anew.
		if err := os.Remove(f.Path); err == nil {
			msg = fmt.Sprintf("%s is not a regular file (%s, %s): removed (what it pointed to is untouched); token metadata and request history start anew", f.Path, fi.Mode().Type(), reason)
			f.mu.Lock()
			warn := f.warn
			f.mu.Unlock()
			if warn != nil {
				warn(msg)
			}
			return
		}
	}
	if err := os.Rename(f.Path, aside); err != nil {
		msg = fmt.Sprintf("%s cannot be read (%s) and could not be set aside (%v): oat reads it as empty", f.Path, reason, err)
	} else {
		if fi, err := os.Lstat(aside); err == nil && fi.Mode().IsRegular() {
			_ = os.Chmod(aside, 0o600)
		}
		msg = fmt.Sprintf("%s cannot be read (%s): set aside as %s; token metadata and request history start anew", f.Path, reason, filepath.Base(aside))
	}
	f.mu.Lock()
	warn := f.warn
	f.mu.Unlock()
	if warn != nil {
		warn(msg)
	}
}

// SetWarn sets the function told (with a message naming both paths) when an unreadable
// state file is set aside. It may be called while other goroutines use the file.
func (f *StateFile) SetWarn(fn func(msg string)) {
	f.mu.Lock()
	f.warn = fn
	f.mu.Unlock()
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
	doc, err := f.readDoc(context.Background(), false, false)
	if err != nil {
		return nil, err
	}
	return doc.Tokens, nil
}

// Update changes the state of one profile under the lock.
func (f *StateFile) Update(ctx context.Context, id string, fn func(*TokenState)) error {
	// A cache: atomic but not synced (writeCacheFile).
	return f.update(ctx, func(doc *stateDoc) error {
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

// update is updateTOML for the state file: a cache, written atomically but not synced
// (writeCacheFile), and a file that cannot be read is set aside rather than refused.
func (f *StateFile) update(ctx context.Context, fn func(*stateDoc) error) error {
	return withLock(ctx, f.Path, func() error {
		doc, err := f.readDoc(ctx, true, true)
		if err != nil {
			return err
		}
		if err := fn(doc); err != nil {
			return err
		}
		return writeTOML(f.Path, doc, f.hook, writeCacheFile)
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
