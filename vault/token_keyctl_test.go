package vault

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oatcli/oat/vault/vaulttest"
)

// The errors of the fake keyrings (syscall's Errno values differ by platform).
var (
	errNoKey = errors.New("required key not available")
	errQuota = errors.New("disk quota exceeded")
	errPerm  = vaulttest.ErrPerm
)

// countingStore counts every call to the store it wraps.
type countingStore struct {
	SecretStore
	calls atomic.Int64
}

func (s *countingStore) Get(ctx context.Context, k string) (string, error) {
	s.calls.Add(1)
	return s.SecretStore.Get(ctx, k)
}
func (s *countingStore) Set(ctx context.Context, k, v string) error {
	s.calls.Add(1)
	return s.SecretStore.Set(ctx, k, v)
}
func (s *countingStore) Delete(ctx context.Context, k string) error {
	s.calls.Add(1)
	return s.SecretStore.Delete(ctx, k)
}

// fakeKeys is an in-memory kernel keyring: the KeyctlCache logic runs on every platform.
type fakeKeys struct {
	mu      sync.Mutex
	next    int
	byDesc  map[string]int
	payload map[int][]byte
	timeout map[int]uint
	perm    map[int]uint32
	public  map[int]bool
	failAdd error
	failInv error
}

func newFakeKeys() *fakeKeys {
	return &fakeKeys{next: 100, byDesc: map[string]int{}, payload: map[int][]byte{}, timeout: map[int]uint{}, perm: map[int]uint32{}, public: map[int]bool{}}
}

func (f *fakeKeys) UserKeyring() (int, error) { return 1, nil }
func (f *fakeKeys) Search(desc string) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k, ok := f.byDesc[desc]
	if !ok || !f.public[k] {
		return 0, errNoKey
	}
	return k, nil
}
func (f *fakeKeys) Read(k int) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.payload[k]
	if !ok {
		return nil, errNoKey
	}
	return append([]byte(nil), p...), nil
}
func (f *fakeKeys) Add(desc string, p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failAdd != nil {
		return 0, f.failAdd
	}
	f.next++
	f.payload[f.next] = append([]byte(nil), p...)
	f.byDesc["private:"+desc] = f.next
	return f.next, nil
}
func (f *fakeKeys) SetPerm(k int, p uint32) error {
	f.mu.Lock()
	f.perm[k] = p
	f.mu.Unlock()
	return nil
}
func (f *fakeKeys) SetTimeout(k int, s uint) error {
	f.mu.Lock()
	f.timeout[k] = s
	f.mu.Unlock()
	return nil
}
func (f *fakeKeys) Publish(k int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for d, id := range f.byDesc {
		if id == k && strings.HasPrefix(d, "private:") {
			delete(f.byDesc, d)
			f.byDesc[strings.TrimPrefix(d, "private:")] = k
			break
		}
	}
	f.public[k] = true
	return nil
}
func (f *fakeKeys) Invalidate(k int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failInv != nil {
		return f.failInv
	}
	delete(f.payload, k)
	return nil
}

// realKeyctl returns the kernel keyring cache for dir, or skips where keyctl is refused.
func realKeyctl(t *testing.T, dir string) *KeyctlCache {
	t.Helper()
	c := NewKeyctlCache(dir, nil)
	if err := c.Available(); err != nil {
		t.Skipf("no kernel keyring here: %v", err)
	}
	// The per-user quota (20,000 bytes for users other than root) may be full of the
	// tokens of other tests (they expire with their tokens): oat then uses the store,
	// which other tests cover; this one needs room.
	if err := c.Put("probe", make([]byte, 2048), time.Second); err != nil {
		t.Skipf("the kernel keyring refuses a token here: %v", err)
	}
	_ = c.Delete("probe")
	return c
}

// keyctlVaults runs fn on a vault whose token cache is the fake keyring (everywhere)
// and the real one (on Linux where keyctl is allowed).
func keyctlVaults(t *testing.T, fn func(t *testing.T, v *Vault, store *countingStore, clk *fixedClock)) {
	for _, kind := range []string{"fake", "kernel"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			v, mem, clk := newTestVault(t)
			store := &countingStore{SecretStore: mem}
			v.Secrets = store
			if kind == "fake" {
				v.Tokens = NewKeyctlCache(v.Dir, newFakeKeys())
			} else {
				v.Tokens = realKeyctl(t, v.Dir)
			}
			fn(t, v, store, clk)
		})
	}
}

// A cached token in the token cache is read without a single call to the secret store
// (a keyring's D-Bus round trip, the file store's decryption), and so is a forced fetch
// written: the store holds secrets, not tokens.
func TestTokenCacheNeverTouchesStore(t *testing.T) {
	t.Parallel()
	keyctlVaults(t, func(t *testing.T, v *Vault, store *countingStore, clk *fixedClock) {
		ctx := context.Background()
		p := mustAdd(t, v, "a", "s")
		defer v.ForgetToken(ctx, p)
		before := store.calls.Load()
		tok := CachedToken{AccessToken: "eyJ.cached-" + p.ID, TokenType: "Bearer", ExpiresAt: clk.t.Add(time.Hour), FetchedAt: clk.t}
		if err := v.SaveToken(ctx, p, tok); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			got, ok, err := v.CachedToken(ctx, p, DefaultMargin)
			if !ok || err != nil || got.AccessToken != tok.AccessToken {
				t.Fatalf("cache miss: %v %v", ok, err)
			}
		}
		if n := store.calls.Load() - before; n != 0 {
			t.Fatalf("the secret store was called %d times for a cached token", n)
		}
		st, _ := v.TokenStates()
		if s := st[p.ID]; !s.Cached || s.Cache != KeyctlCacheName {
			t.Fatalf("state %+v: want cached in keyctl", s)
		}
		if _, err := store.SecretStore.Get(ctx, tokenKey(p.ID)); !errors.Is(err, ErrNotFound) {
			t.Fatalf("the token is in the secret store too: %v", err)
		}
	})
}

// The kernel removes the key at the token's expiry, whether or not oat runs again; two
// config directories never see each other's tokens.
func TestKeyctlExpiresAndKeepsConfigDirsApart(t *testing.T) {
	t.Parallel()
	a, b := realKeyctl(t, t.TempDir()), realKeyctl(t, t.TempDir())
	if err := a.Put("same-id", []byte("token-of-a"), 2*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := b.Put("same-id", []byte("token-of-b"), time.Hour); err != nil {
		t.Fatal(err)
	}
	defer b.Delete("same-id")
	if got, err := a.Get("same-id"); err != nil || string(got) != "token-of-a" {
		t.Fatalf("a: %q %v", got, err)
	}
	if got, err := b.Get("same-id"); err != nil || string(got) != "token-of-b" {
		t.Fatalf("b: %q %v", got, err)
	}
	// A bound on the wait, not a timing assertion: the key must go, within seconds.
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, err := a.Get("same-id")
		if errors.Is(err, ErrNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the key outlived its timeout: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if got, err := b.Get("same-id"); err != nil || string(got) != "token-of-b" {
		t.Fatalf("b after a's expiry: %q %v", got, err)
	}
	if err := b.Delete("same-id"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Get("same-id"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted key still there: %v", err)
	}
}

// Keys are given their timeout and permissions before they become visible, and the
// permissions grant nothing to the group or other users.
func TestKeyctlPutOrder(t *testing.T) {
	t.Parallel()
	f := newFakeKeys()
	c := NewKeyctlCache(t.TempDir(), f)
	if err := c.Put("id", []byte("v"), 1500*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	k, err := f.Search(c.desc("id"))
	if err != nil {
		t.Fatal(err)
	}
	if f.timeout[k] != 2 {
		t.Fatalf("timeout %d s, want 2 (rounded up)", f.timeout[k])
	}
	if p := f.perm[k]; p&0x0000ffff != 0 || p&0x00ff0000 == 0 {
		t.Fatalf("perm %#x: group or other get something, or the user nothing", p)
	}
	if err := c.Put("id", []byte("v"), 0); err == nil {
		t.Fatal("a key without a time to live was kept")
	}
}

// With keyctl refused (Docker's default seccomp profile), there is no token cache:
// tokens go to the secret store, and the cache in use says so. A keyring that refuses
// one token (over quota) puts that one in the store.
func TestKeyctlBlockedFallsBackToStore(t *testing.T) {
	t.Parallel()
	v, mem, clk := newTestVault(t)
	ctx := context.Background()
	if c := NewTokenCache(v.Dir, vaulttest.BlockedKeys{}); c != nil {
		t.Fatalf("blocked keyctl gave a cache: %v", c.Name())
	}
	v.Tokens = NewTokenCache(v.Dir, vaulttest.BlockedKeys{})
	if got := v.TokenCacheName(); got != "store" {
		t.Fatalf("cache in use %q, want store", got)
	}
	if err := NewKeyctlCache(v.Dir, vaulttest.BlockedKeys{}).Available(); err == nil || !errors.Is(err, errPerm) {
		t.Fatalf("why not: %v", err)
	}
	p := mustAdd(t, v, "a", "s")
	tok := CachedToken{AccessToken: "tok-in-store", ExpiresAt: clk.t.Add(time.Hour), FetchedAt: clk.t}
	if err := v.SaveToken(ctx, p, tok); err != nil {
		t.Fatal(err)
	}
	if _, err := mem.Get(ctx, tokenKey(p.ID)); err != nil {
		t.Fatalf("token not in the store: %v", err)
	}
	if got, ok, err := v.CachedToken(ctx, p, 0); !ok || err != nil || got.AccessToken != "tok-in-store" {
		t.Fatalf("fallback cache miss: %v %v", ok, err)
	}

	// Available, but this token refused (EDQUOT): the store takes it.
	keys := newFakeKeys()
	keys.failAdd = errQuota
	v.Tokens = NewKeyctlCache(v.Dir, keys)
	if got := v.TokenCacheName(); got != KeyctlCacheName {
		t.Fatalf("cache in use %q", got)
	}
	tok.AccessToken = "tok-over-quota"
	if err := v.SaveToken(ctx, p, tok); err != nil {
		t.Fatal(err)
	}
	st, _ := v.TokenStates()
	if s := st[p.ID]; !s.Cached || s.Cache != "" {
		t.Fatalf("state %+v: want cached in the store", s)
	}
	if got, ok, _ := v.CachedToken(ctx, p, 0); !ok || got.AccessToken != "tok-over-quota" {
		t.Fatal("over-quota token not read back from the store")
	}
	// The next one fits: it goes to keyctl and the store's older copy is deleted.
	keys.failAdd = nil
	tok.AccessToken = "tok-in-keyctl"
	if err := v.SaveToken(ctx, p, tok); err != nil {
		t.Fatal(err)
	}
	if _, err := mem.Get(ctx, tokenKey(p.ID)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("older token left in the store: %v", err)
	}
	if got, ok, _ := v.CachedToken(ctx, p, 0); !ok || got.AccessToken != "tok-in-keyctl" {
		t.Fatal("keyctl token not read back")
	}
	// A token cached by a process with keyctl is not found by one without it: it
	// fetches anew instead of failing.
	v.Tokens = nil
	if _, ok, err := v.CachedToken(ctx, p, 0); ok || err != nil {
		t.Fatalf("without keyctl: %v %v", ok, err)
	}
}

// A token an API rejected never comes back from the kernel keyring: not after
// RejectToken, not when the token endpoint issues it again, and not when the key could
// not be deleted.
func TestKeyctlRejectedTokenNeverReturned(t *testing.T) {
	t.Parallel()
	keyctlVaults(t, func(t *testing.T, v *Vault, store *countingStore, clk *fixedClock) {
		ctx := context.Background()
		p := mustAdd(t, v, "a", "s")
		defer v.ForgetToken(ctx, p)
		tok := CachedToken{AccessToken: "rejected-" + p.ID, ExpiresAt: clk.t.Add(time.Hour), FetchedAt: clk.t}
		if err := v.SaveToken(ctx, p, tok); err != nil {
			t.Fatal(err)
		}
		if err := v.RejectToken(ctx, p, tok.AccessToken); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := v.CachedToken(ctx, p, 0); ok {
			t.Fatal("rejected token returned")
		}
		if _, err := v.Tokens.Get(p.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("rejected token left in the kernel keyring: %v", err)
		}
		if !v.WasRejected(p, tok.AccessToken) {
			t.Fatal("rejection not recorded")
		}
		if err := v.SaveToken(ctx, p, tok); err != nil { // issued again
			t.Fatal(err)
		}
		if _, ok, _ := v.CachedToken(ctx, p, 0); ok {
			t.Fatal("rejected token returned after it was issued again")
		}
	})
	t.Run("delete-fails", func(t *testing.T) {
		t.Parallel()
		v, _, clk := newTestVault(t)
		keys := newFakeKeys()
		v.Tokens = NewKeyctlCache(v.Dir, keys)
		ctx := context.Background()
		p := mustAdd(t, v, "a", "s")
		tok := CachedToken{AccessToken: "stuck", ExpiresAt: clk.t.Add(time.Hour), FetchedAt: clk.t}
		v.SaveToken(ctx, p, tok)
		keys.failInv = errPerm
		_ = v.RejectToken(ctx, p, tok.AccessToken)
		if _, err := v.Tokens.Get(p.ID); err != nil {
			t.Fatal("the fake should have kept the key")
		}
		if _, ok, _ := v.CachedToken(ctx, p, 0); ok {
			t.Fatal("a rejected token that could not be deleted was returned")
		}
	})
}

// With the kernel keyring as the token cache, no token reaches a file, and the state
// file names the cache without holding the token.
func TestNoTokenOnDiskWithKeyctl(t *testing.T) {
	t.Parallel()
	keyctlVaults(t, func(t *testing.T, v *Vault, store *countingStore, clk *fixedClock) {
		ctx := context.Background()
		v.Secrets = newFileStore(t, v.Dir, "pass-phrase")
		p := mustAdd(t, v, "a", "first-SECRET-value-1")
		defer v.ForgetToken(ctx, p)
		tokens := []string{"eyJhbGciOiJSUzI1NiJ9.TOKEN-one-" + p.ID, "eyJhbGciOiJSUzI1NiJ9.TOKEN-two-" + p.ID}
		for _, tk := range tokens {
			if err := v.SaveToken(ctx, p, CachedToken{AccessToken: tk, ExpiresAt: clk.t.Add(time.Hour), FetchedAt: clk.t}); err != nil {
				t.Fatal(err)
			}
		}
		v.RejectToken(ctx, p, tokens[1])
		sawState := false
		filepath.WalkDir(v.Dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, _ := os.ReadFile(path)
			for _, s := range append(tokens, "first-SECRET-value-1") {
				if strings.Contains(string(data), s) {
					t.Errorf("%s holds %q in plain text", path, s)
				}
			}
			if filepath.Base(path) == "state.toml" {
				sawState = strings.Contains(string(data), `cache = 'keyctl'`)
			}
			return nil
		})
		if !sawState {
			t.Error("state.toml does not name the keyctl cache")
		}
	})
}

// A forced fetch writes the token to the token cache and its state without a single
// fsync (both are a cache); the profiles file and the store keep theirs. Not parallel:
// it sets the package's sync observer.
func TestTokenWritesAreNotSynced(t *testing.T) {
	v, _, clk := newTestVault(t)
	v.Secrets = newFileStore(t, v.Dir, "pass-phrase")
	v.Tokens = NewKeyctlCache(v.Dir, newFakeKeys())
	var mu sync.Mutex
	var synced []string
	syncObserver = func(path string) {
		if strings.HasPrefix(path, v.Dir) {
			mu.Lock()
			synced = append(synced, filepath.Base(path))
			mu.Unlock()
		}
	}
	defer func() { syncObserver = nil }()
	ctx := context.Background()
	p := mustAdd(t, v, "a", "s")
	if len(synced) == 0 {
		t.Fatal("adding a profile synced nothing: the observer sees nothing")
	}
	synced = nil
	if err := v.SaveToken(ctx, p, CachedToken{AccessToken: "t", ExpiresAt: clk.t.Add(time.Hour), FetchedAt: clk.t}); err != nil {
		t.Fatal(err)
	}
	if err := v.RecordTokenError(ctx, p, "boom"); err != nil {
		t.Fatal(err)
	}
	if len(synced) != 0 {
		t.Fatalf("caching a token synced %v", synced)
	}
}

// What a crash can leave of a state file written without fsync reads as empty.
func TestZeroFilledStateFileIsEmpty(t *testing.T) {
	t.Parallel()
	v, _, _ := newTestVault(t)
	for _, data := range [][]byte{{}, make([]byte, 300)} {
		if err := os.WriteFile(v.State.Path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if st, err := v.TokenStates(); err != nil || len(st) != 0 {
			t.Fatalf("%d bytes: %v %v", len(data), st, err)
		}
		if err := v.State.Update(context.Background(), "x", func(s *TokenState) { s.LastError = "e" }); err != nil {
			t.Fatal(err)
		}
	}
}

// BenchmarkCachedToken reads a cached token (state file + cache) from the kernel keyring
// and, for comparison, from the file store.
func BenchmarkCachedToken(b *testing.B) {
	for _, kind := range []string{"keyctl", "file-store"} {
		b.Run(kind, func(b *testing.B) {
			v, _, clk := newTestVault(b)
			v.Secrets = newFileStore(b, v.Dir, "pass-phrase")
			if kind == "keyctl" {
				c := NewKeyctlCache(v.Dir, nil)
				if c.Available() != nil {
					b.Skip("no kernel keyring here")
				}
				v.Tokens = c
			}
			ctx := context.Background()
			p := mustAdd(b, v, "a", "s")
			defer v.ForgetToken(ctx, p)
			if err := v.SaveToken(ctx, p, CachedToken{AccessToken: strings.Repeat("t", 900), ExpiresAt: clk.t.Add(time.Hour), FetchedAt: clk.t}); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, ok, err := v.CachedToken(ctx, p, DefaultMargin); !ok || err != nil {
					b.Fatal(ok, err)
				}
			}
		})
	}
}
