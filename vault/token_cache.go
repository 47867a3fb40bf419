package vault

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// DefaultMargin is how long before its expiry a cached token stops being reused.
const DefaultMargin = 60 * time.Second

// CachedToken is an access token as kept in the secret store.
type CachedToken struct {
	AccessToken string    `json:"access_token"`
	TokenType   string    `json:"token_type,omitempty"`
	ExpiresAt   time.Time `json:"expires_at,omitempty"`
	Scopes      []string  `json:"scopes,omitempty"`
	FetchedAt   time.Time `json:"fetched_at"`
}

// ValidFor reports whether the token is still good for at least d from now. A token
// without a known expiry is never reused: oat cannot know it is still good.
func (t CachedToken) ValidFor(now time.Time, d time.Duration) bool {
	return t.AccessToken != "" && !t.ExpiresAt.IsZero() && t.ExpiresAt.Sub(now) > d
}

// SaveToken keeps tok in the token cache (the kernel keyring) when there is one and the
// token has an expiry, else in the secret store, and its metadata in the state file.
// When the store cannot hold the token (a large JWT in a small keyring slot) the
// metadata is still recorded with Cached=false and the TooLargeError is returned for the
// caller to mention.
func (v *Vault) SaveToken(ctx context.Context, p Profile, tok CachedToken) error {
	data, err := json.Marshal(tok)
	if err != nil {
		return err
	}
	defer clear(data)
	cache := ""
	if c := v.Tokens; c != nil && !tok.ExpiresAt.IsZero() {
		// Over quota (EDQUOT) or refused: the secret store takes it, as without a cache.
		if c.Put(p.ID, data, tok.ExpiresAt.Sub(v.Now())) == nil {
			cache = c.Name()
		}
	}
	var storeErr error
	if cache == "" {
		storeErr = v.Secrets.Set(ctx, tokenKey(p.ID), string(data))
		if storeErr != nil && !errors.Is(storeErr, ErrValueTooLarge) {
			return fmt.Errorf("cache the token of %q: %w", p.Name, storeErr)
		}
		if storeErr != nil {
			_ = v.Secrets.Delete(ctx, tokenKey(p.ID)) // never leave an older token behind
		}
		if v.Tokens != nil {
			_ = v.Tokens.Delete(p.ID)
		}
	}
	var olderInStore bool
	err = v.State.Update(ctx, p.ID, func(s *TokenState) {
		olderInStore = s.Cached && s.Cache == ""
		// The rejection is kept: a token endpoint that issues the very token an API
		// rejected must not get it handed out again.
		rejected, rejectedAt := s.Rejected, s.RejectedAt
		*s = TokenState{FetchedAt: tok.FetchedAt.UTC(), ExpiresAt: tok.ExpiresAt.UTC(), TokenType: tok.TokenType,
			Scopes: tok.Scopes, Cached: storeErr == nil, Cache: cache, Rejected: rejected}
		if rejected != "" && rejected == tokenFingerprint(tok.AccessToken) {
			s.Cached, s.RejectedAt = false, rejectedAt
		}
	})
	if err != nil {
		return err
	}
	if cache != "" && olderInStore {
		// The token before this one was in the secret store: it is never read again (the
		// state names the cache), and is deleted there now. Only then does a forced fetch
		// touch the store, once.
		_ = v.Secrets.Delete(ctx, tokenKey(p.ID))
	}
	return storeErr
}

// readToken reads p's token from where st says it is. found is false when it is not
// there (or unreadable, or in a cache this process cannot use: fetch anew).
func (v *Vault) readToken(ctx context.Context, p Profile, st TokenState) (CachedToken, bool, error) {
	var raw []byte
	if st.Cache != "" {
		if v.Tokens == nil || v.Tokens.Name() != st.Cache {
			return CachedToken{}, false, nil
		}
		b, err := v.Tokens.Get(p.ID)
		if err != nil {
			return CachedToken{}, false, nil
		}
		raw = b
	} else {
		s, err := v.Secrets.Get(ctx, tokenKey(p.ID))
		if errors.Is(err, ErrNotFound) {
			return CachedToken{}, false, nil
		}
		if err != nil {
			return CachedToken{}, false, fmt.Errorf("read the cached token of %q: %w", p.Name, err)
		}
		raw = []byte(s)
	}
	defer clear(raw)
	var tok CachedToken
	if err := json.Unmarshal(raw, &tok); err != nil {
		return CachedToken{}, false, nil // unreadable cache: fetch anew
	}
	return tok, true, nil
}

// CachedToken returns p's cached token if it is valid for longer than minValid. The
// state file is consulted first, so an expired or absent token costs no store call, and
// a token in the token cache costs none either.
func (v *Vault) CachedToken(ctx context.Context, p Profile, minValid time.Duration) (CachedToken, bool, error) {
	states, err := v.State.Load()
	if err != nil {
		return CachedToken{}, false, err
	}
	st, ok := states[p.ID]
	if !ok || !st.Cached || st.ExpiresAt.IsZero() || st.ExpiresAt.Sub(v.Now()) <= minValid {
		return CachedToken{}, false, nil
	}
	tok, ok, err := v.readToken(ctx, p, st)
	if !ok || err != nil {
		return CachedToken{}, false, err
	}
	if st.Rejected != "" && st.Rejected == tokenFingerprint(tok.AccessToken) {
		return CachedToken{}, false, nil // an API refused it: never again
	}
	if !tok.ValidFor(v.Now(), minValid) {
		return CachedToken{}, false, nil
	}
	return tok, true, nil
}

// RejectToken records that an API answered 401 to accessToken, p's token, before its
// expiry, and drops it from the cache: it is never handed out again (by the CLI, the
// app, exec or a token file), and the next request for a token fetches a new one. The
// rejection is recorded first, so a failure to delete still keeps the token from use.
func (v *Vault) RejectToken(ctx context.Context, p Profile, accessToken string) error {
	states, err := v.State.Load()
	if err != nil {
		return err
	}
	st := states[p.ID]
	cached, found, err := v.readToken(ctx, p, st)
	if err == nil && found && st.Cached && cached.AccessToken != accessToken {
		return nil // another oat has cached a newer token since: the rejected one is gone
	}
	if err := v.State.Update(ctx, p.ID, func(s *TokenState) {
		s.Cached, s.RejectedAt, s.Rejected = false, v.Now().UTC(), tokenFingerprint(accessToken)
	}); err != nil {
		return err
	}
	v.dropCachedToken(p.ID)
	if st.Cache != "" {
		return nil
	}
	if err := v.Secrets.Delete(ctx, tokenKey(p.ID)); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	return nil
}

// dropCachedToken forgets p's token in the token cache (the secret store's copy, if
// any, is the caller's to delete).
func (v *Vault) dropCachedToken(id string) {
	if v.Tokens != nil {
		_ = v.Tokens.Delete(id)
	}
}

// WasRejected says whether an API rejected this very token of p before.
func (v *Vault) WasRejected(p Profile, accessToken string) bool {
	states, err := v.State.Load()
	if err != nil {
		return false
	}
	r := states[p.ID].Rejected
	return r != "" && r == tokenFingerprint(accessToken)
}

// tokenFingerprint names a token in the state file without giving it away.
func tokenFingerprint(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:12])
}

// RecordTokenError remembers a failed fetch (msg must already be sanitized).
func (v *Vault) RecordTokenError(ctx context.Context, p Profile, msg string) error {
	return v.State.Update(ctx, p.ID, func(s *TokenState) {
		s.LastError, s.LastErrorAt = msg, v.Now().UTC()
	})
}

// ForgetToken drops p's cached token and its metadata.
func (v *Vault) ForgetToken(ctx context.Context, p Profile) error {
	v.dropCachedToken(p.ID)
	if err := v.Secrets.Delete(ctx, tokenKey(p.ID)); err != nil {
		return err
	}
	return v.State.Update(ctx, p.ID, func(s *TokenState) { *s = TokenState{} })
}

// ForgetCachedTokens drops every profile's token from the fast cache (the kernel
// keyring): tokens are credentials too, and locking the store must not leave them
// usable without the passphrase. It returns how many profiles it went through.
func (v *Vault) ForgetCachedTokens() int {
	ps, err := v.List()
	if err != nil {
		return 0
	}
	for _, p := range ps {
		v.dropCachedToken(p.ID)
	}
	return len(ps)
}

// TokenStates returns the token metadata of every profile by ID, reading no secret.
func (v *Vault) TokenStates() (map[string]TokenState, error) { return v.State.Load() }

// Lock forgets what oat keeps unlocked between commands: the file store's key, the
// copies of keyring values kept after their first read, and the cached tokens (a token
// is a credential too: none stays usable once locked).
func (v *Vault) Lock() error {
	switch s := v.Secrets.(type) {
	case *FileStore:
		if err := s.Lock(); err != nil {
			return err
		}
	case *KeyringStore:
		ps, err := v.List()
		if err != nil {
			return err
		}
		var keys []string
		for _, p := range ps {
			keys = append(keys, secretKey(p.ID), stagedKey(p.ID), previousKey(p.ID), tokenKey(p.ID))
		}
		if err := s.Forget(keys...); err != nil {
			return err
		}
	}
	v.ForgetCachedTokens()
	return nil
}

// CachedSecrets counts the profiles whose active secret the keyring store holds in its
// cache (checked without renewing anything); -1 for other stores.
func (v *Vault) CachedSecrets() int {
	ks, ok := v.Secrets.(*KeyringStore)
	if !ok {
		return -1
	}
	ps, _ := v.List()
	n := 0
	for _, p := range ps {
		if ks.Cached(secretKey(p.ID)) {
			n++
		}
	}
	return n
}
