package vault

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/gofrs/flock"
)

// testUnlockCache is an UnlockCache with a settable clock: an entry not read for idle
// is gone, and every read renews it, as the kernel keyring's timeout does.
type testUnlockCache struct {
	mu   sync.Mutex
	idle time.Duration
	now  time.Time
	m    map[string]string
	used map[string]time.Time
	puts int
}

func newTestUnlockCache(idle time.Duration) *testUnlockCache {
	return &testUnlockCache{idle: idle, now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), m: map[string]string{}, used: map[string]time.Time{}}
}

func (c *testUnlockCache) Name() string { return "test cache" }
func (c *testUnlockCache) Get(id string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[id]
	if !ok || c.now.Sub(c.used[id]) >= c.idle {
		delete(c.m, id)
		return "", false
	}
	c.used[id] = c.now
	return v, true
}
func (c *testUnlockCache) Has(id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.m[id]
	return ok && c.now.Sub(c.used[id]) < c.idle
}
func (c *testUnlockCache) Put(id, v string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[id], c.used[id] = v, c.now
	c.puts++
	return nil
}
func (c *testUnlockCache) Forget(id string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, id)
	return nil
}
func (c *testUnlockCache) advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// process is a fresh FileStore on dir sharing cache, as a new oat process would be; it
// counts how often it asks for the passphrase.
func process(dir string, cache UnlockCache, pass string, asked *int) *FileStore {
	return &FileStore{Path: filepath.Join(dir, "secrets.age"), WorkFactor: 10, Cache: cache,
		Passphrase: func() (string, error) { *asked++; return pass, nil }}
}

// The unlocked key is asked for once, reused by later processes while they keep using it,
// forgotten after the idle time without use, and at once by Lock (`oat lock`).
func TestUnlockCacheIdleAndLock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	cache := newTestUnlockCache(15 * time.Minute)
	asked := 0
	if err := process(dir, cache, "pw", &asked).Set(ctx, "k", "v"); err != nil || asked != 1 {
		t.Fatalf("create: %v, asked %d", err, asked)
	}
	get := func() {
		t.Helper()
		if v, err := process(dir, cache, "pw", &asked).Get(ctx, "k"); err != nil || v != "v" {
			t.Fatalf("get: %q %v", v, err)
		}
	}
	for range 4 { // used every 10 minutes: stays unlocked, past the first 15 minutes
		cache.advance(10 * time.Minute)
		get()
	}
	if asked != 1 {
		t.Fatalf("asked %d times while in use", asked)
	}
	cache.advance(15 * time.Minute) // idle
	get()
	if asked != 2 {
		t.Fatalf("not asked again after the idle time (asked %d)", asked)
	}
	get()
	if asked != 2 {
		t.Fatal("not cached again after unlocking")
	}
	if err := process(dir, cache, "pw", &asked).Lock(); err != nil {
		t.Fatal(err)
	}
	get()
	if asked != 3 {
		t.Fatalf("not asked again after Lock (asked %d)", asked)
	}
	// A wrong passphrase caches nothing.
	if err := process(dir, cache, "", &asked).Lock(); err != nil {
		t.Fatal(err)
	}
	puts := cache.puts
	if _, err := process(dir, cache, "wrong", &asked).Get(ctx, "k"); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	if cache.puts != puts || len(cache.m) != 0 {
		t.Fatal("a wrong passphrase was cached")
	}
	// A key cached for an older store in the same directory is not used for a new one.
	cache.m[unlockCacheID(filepath.Join(dir, "secrets"))] = mustIdentity(t).String()
	get()
}

func mustIdentity(t *testing.T) *age.X25519Identity {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// writeLegacy writes secrets.age as oat wrote it before per-entry files: one age file
// under a scrypt passphrase holding {"version":1,"values":{...}}.
func writeLegacy(t *testing.T, path, pass string, values map[string]string, factor int) []byte {
	t.Helper()
	r, err := age.NewScryptRecipient(pass)
	if err != nil {
		t.Fatal(err)
	}
	r.SetWorkFactor(factor)
	plain, _ := json.Marshal(fileStoreDoc{Version: 1, Values: values})
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, r)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(plain)
	w.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// An old secrets.age is converted on first unlock with nothing lost: every value, the
// work factor; the old file is then gone. A wrong passphrase leaves it untouched.
func TestFileStoreMigratesTheOldFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	values := map[string]string{"a1/secret": "alpha-SECRET", "a1/token": `{"access_token":"eyJ.x.y"}`, "b2/secret": "beta-SECRET", "b2/previous": "old-beta"}
	old := writeLegacy(t, filepath.Join(dir, "secrets.age"), "pw", values, 10)

	wrong := &FileStore{Path: filepath.Join(dir, "secrets.age"), Passphrase: func() (string, error) { return "nope", nil }}
	if _, err := wrong.Get(ctx, "a1/secret"); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	if now, _ := os.ReadFile(filepath.Join(dir, "secrets.age")); !bytes.Equal(now, old) {
		t.Fatal("the old file changed")
	}
	if _, err := os.Stat(wrong.identityPath()); err == nil {
		t.Fatal("a store was created with a wrong passphrase")
	}

	s := &FileStore{Path: filepath.Join(dir, "secrets.age"), Passphrase: func() (string, error) { return "pw", nil }} // no WorkFactor: keep the file's
	// Every file of the migration is written with the store's lock free: another oat is
	// never kept waiting while thousands of entries are written and synced.
	var free, held int
	s.hook = func(string) {
		lk := flock.New(filepath.Join(dir, "secrets.lock"))
		if ok, err := lk.TryLock(); ok && err == nil {
			free++
			_ = lk.Unlock()
		} else {
			held++
		}
	}
	for k, want := range values {
		if got, err := s.Get(ctx, k); err != nil || got != want {
			t.Fatalf("%s after migration: %q %v", k, got, err)
		}
	}
	if held != 0 || free != len(values)+2 {
		t.Fatalf("migration wrote %d files with the lock free, %d holding it", free, held)
	}
	s.hook = nil
	keys, err := s.ListKeys(ctx)
	sort.Strings(keys)
	if err != nil || strings.Join(keys, " ") != "a1/secret a1/token b2/previous b2/secret" {
		t.Fatalf("keys %v %v", keys, err)
	}
	if _, err := os.Stat(s.Path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("old file left: %v", err)
	}
	idData, _ := os.ReadFile(s.identityPath())
	if f := scryptFactor(idData); f != 10 {
		t.Fatalf("work factor %d, want the old file's 10", f)
	}
	// Another process with the passphrase reads the new store.
	if got, err := newFileStore(t, dir, "pw").Get(ctx, "b2/secret"); err != nil || got != "beta-SECRET" {
		t.Fatalf("reopen: %q %v", got, err)
	}
	// Nothing of any value is on disk in plain text, and the identity is not either.
	s.mu.Lock()
	ident := s.id.String()
	s.mu.Unlock()
	_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, _ := os.ReadFile(path)
		for _, v := range []string{ident, "alpha-SECRET", "beta-SECRET", "old-beta", "eyJ.x.y"} {
			if strings.Contains(string(data), v) {
				t.Errorf("%s holds %q in plain text", path, v)
			}
		}
		return nil
	})
	// A migration killed after the identity was written but before the old file was
	// removed: the old file is removed by the next use, values come from the new store.
	writeLegacy(t, s.Path, "pw", map[string]string{"a1/secret": "stale"}, 10)
	if got, err := newFileStore(t, dir, "pw").Get(ctx, "a1/secret"); err != nil || got != "alpha-SECRET" {
		t.Fatalf("after a leftover old file: %q %v", got, err)
	}
	if _, err := os.Stat(s.Path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("leftover old file kept: %v", err)
	}
}

// Reading one value decrypts that value's file only: with every other entry damaged, it
// still reads, and listing decrypts nothing.
func TestFileStoreDecryptsOnlyWhatIsAsked(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	s := newFileStore(t, dir, "pw")
	for _, k := range []string{"a/secret", "b/secret", "c/token"} {
		if err := s.Set(ctx, k, "value-of-"+k); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range []string{"b/secret", "c/token"} {
		if err := os.WriteFile(s.entryPath(k), []byte("age-encryption.org/v1\ngarbage"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	fresh := newFileStore(t, dir, "pw")
	if got, err := fresh.Get(ctx, "a/secret"); err != nil || got != "value-of-a/secret" {
		t.Fatalf("get: %q %v", got, err)
	}
	if keys, err := fresh.ListKeys(ctx); err != nil || len(keys) != 3 {
		t.Fatalf("list: %v %v", keys, err)
	}
	if _, err := fresh.Get(ctx, "b/secret"); !errors.Is(err, ErrStoreUnavailable) {
		t.Fatalf("damaged entry: %v", err)
	}
	// An entry renamed to another key's name is refused, not handed out.
	if err := os.Rename(s.entryPath("a/secret"), s.entryPath("b/secret")); err != nil {
		t.Fatal(err)
	}
	if _, err := fresh.Get(ctx, "b/secret"); err == nil || !strings.Contains(err.Error(), "not this key's entry") {
		t.Fatalf("swapped entry: %v", err)
	}
}

func TestParseUnlockIdle(t *testing.T) {
	for in, want := range map[string]time.Duration{"": DefaultUnlockIdle, "5m": 5 * time.Minute, "90": 90 * time.Second, "0": -1, "off": -1, "0s": -1} {
		if got, err := ParseUnlockIdle(in); err != nil || got != want {
			t.Errorf("%q: %v %v", in, got, err)
		}
	}
	for _, bad := range []string{"soon", "-5m"} {
		if _, err := ParseUnlockIdle(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// Where there is no unlock cache (keyctl refused by seccomp, macOS, Windows), every
// process asks for the passphrase, and the store says which cache it has and why not.
func TestFileStoreWithoutUnlockCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	asked := 0
	newProc := func() *FileStore {
		s := process(dir, nil, "pw", &asked)
		s.CacheNote = "kernel keyring unavailable: operation not permitted"
		return s
	}
	if err := newProc().Set(ctx, "k", "v"); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		s := newProc()
		for range 2 { // within one process the key is kept
			if v, err := s.Get(ctx, "k"); err != nil || v != "v" {
				t.Fatalf("get: %q %v", v, err)
			}
		}
		if asked != i+2 {
			t.Fatalf("process %d: asked %d times", i, asked)
		}
	}
	if got := newProc().CacheName(); !strings.Contains(got, "none (kernel keyring unavailable: operation not permitted)") || !strings.Contains(got, "every command") {
		t.Fatalf("cache name: %q", got)
	}
	noPass := &FileStore{Path: filepath.Join(dir, "secrets.age"), CacheNote: "turned off (OAT_UNLOCK_IDLE=0)",
		Passphrase: func() (string, error) { return "", errors.New("set OAT_PASSPHRASE") }}
	if _, err := noPass.Get(ctx, "k"); err == nil || !strings.Contains(err.Error(), "Unlock cache: none (turned off") {
		t.Fatalf("a missing passphrase does not name the cache: %v", err)
	}
}

// A creation or migration killed before its rename leaves a staging directory (which may
// hold every secret, under the passphrase); deleting a secret and listing the store (oat
// check) remove it, and nothing else.
func TestFileStoreSweepsKilledStaging(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	s := newFileStore(t, dir, "pw")
	if err := s.Set(ctx, "k", "v"); err != nil {
		t.Fatal(err)
	}
	dead := filepath.Join(dir, ".secrets.new-123")
	if err := os.MkdirAll(dead, 0o700); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dead, "identity.age"), []byte("x"), 0o600)
	other := filepath.Join(dir, "secrets.new-backup") // not oat's name
	os.MkdirAll(other, 0o700)
	if _, err := s.ListKeys(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dead); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("staging directory left: %v", err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Fatalf("a directory oat did not make was removed: %v", err)
	}
}
