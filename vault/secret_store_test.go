package vault

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// storeContract checks what every SecretStore must do.
func storeContract(t *testing.T, s SecretStore, prefix string) {
	t.Helper()
	ctx := context.Background()
	values := map[string]string{
		prefix + "/plain":   "s3cret",
		prefix + "/unicode": "pässwörd-秘密-🔑 +/=%:",
		prefix + "/2k":      strings.Repeat("0123456789abcdef", 128),
	}
	for k, v := range values {
		if err := s.Set(ctx, k, v); err != nil {
			t.Fatalf("set %s: %v", k, err)
		}
	}
	for k, v := range values {
		got, err := s.Get(ctx, k)
		if err != nil || got != v {
			t.Fatalf("get %s: %q, %v", k, got, err)
		}
	}
	if err := s.Set(ctx, prefix+"/plain", "changed"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Get(ctx, prefix+"/plain"); got != "changed" {
		t.Fatalf("overwrite: %q", got)
	}
	for k := range values {
		if err := s.Delete(ctx, k); err != nil {
			t.Fatalf("delete %s: %v", k, err)
		}
		if _, err := s.Get(ctx, k); !errors.Is(err, ErrNotFound) {
			t.Fatalf("get after delete %s: %v", k, err)
		}
	}
	if _, err := s.Get(ctx, prefix+"/never-set"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing key: want ErrNotFound, got %v", err)
	}
	if err := s.Delete(ctx, prefix+"/never-set"); err != nil {
		t.Fatalf("delete of a missing key: %v", err)
	}
}

func TestMemoryStore(t *testing.T) {
	t.Parallel()
	storeContract(t, NewMemoryStore(), "m")
}

func newFileStore(t testing.TB, dir, pass string) *FileStore {
	return &FileStore{Path: filepath.Join(dir, "secrets.age"), Passphrase: func() (string, error) { return pass, nil }, WorkFactor: 10}
}

func TestFileStore(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := newFileStore(t, dir, "correct horse")
	storeContract(t, s, "f")
	ctx := context.Background()
	if err := s.Set(ctx, "k", "persisted"); err != nil {
		t.Fatal(err)
	}
	// A second process (a fresh store) reads what the first wrote.
	if got, err := newFileStore(t, dir, "correct horse").Get(ctx, "k"); err != nil || got != "persisted" {
		t.Fatalf("reopen: %q %v", got, err)
	}
	if fi, err := os.Stat(s.Dir()); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("store directory: %v %v", fi, err)
	}
	for _, p := range []string{s.entryPath("k"), s.identityPath()} {
		fi, _ := os.Stat(p)
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %o", p, fi.Mode().Perm())
		}
		data, _ := os.ReadFile(p)
		if !strings.HasPrefix(string(data), "age-encryption.org/v1") || strings.Contains(string(data), "persisted") {
			t.Fatalf("%s is not age-encrypted", p)
		}
	}
	if _, err := os.Stat(s.Path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the old single file was written: %v", err)
	}
}

func TestFileStoreWrongPassphrase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := context.Background()
	if err := newFileStore(t, dir, "right").Set(ctx, "k", "v"); err != nil {
		t.Fatal(err)
	}
	idPath := filepath.Join(dir, "secrets", "identity.age")
	before, _ := os.ReadFile(idPath)
	cache := newTestUnlockCache(time.Minute)
	wrong := newFileStore(t, dir, "wrong")
	wrong.Cache = cache
	if _, err := wrong.Get(ctx, "k"); !errors.Is(err, ErrWrongPassphrase) || !strings.Contains(err.Error(), "OAT_PASSPHRASE") {
		t.Fatalf("get with wrong passphrase: %v", err)
	}
	if cache.puts != 0 || len(cache.m) != 0 {
		t.Fatal("a wrong passphrase was cached")
	}
	after, _ := os.ReadFile(idPath)
	if string(before) != string(after) {
		t.Fatal("file changed by a wrong passphrase")
	}
	// Writing needs no passphrase at all: values are encrypted to the store's public key.
	asked := 0
	w := &FileStore{Path: filepath.Join(dir, "secrets.age"), Passphrase: func() (string, error) { asked++; return "", errors.New("no") }}
	if err := w.Set(ctx, "k2", "v2"); err != nil || asked != 0 {
		t.Fatalf("set without the passphrase: %v (asked %d)", err, asked)
	}
	if got, err := newFileStore(t, dir, "right").Get(ctx, "k2"); err != nil || got != "v2" {
		t.Fatalf("read back: %q %v", got, err)
	}
}

func TestFileStoreCorrupted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, mangle := range map[string]func([]byte) []byte{
		"garbage":   func([]byte) []byte { return []byte("this is not age\n") },
		"truncated": func(b []byte) []byte { return b[:len(b)-10] },
		"bitflip":   func(b []byte) []byte { c := append([]byte(nil), b...); c[len(c)-5] ^= 0xff; return c },
	} {
		for _, which := range []string{"entry", "identity"} {
			t.Run(name+"/"+which, func(t *testing.T) {
				dir := t.TempDir()
				s := newFileStore(t, dir, "p")
				if err := s.Set(ctx, "k", "v"); err != nil {
					t.Fatal(err)
				}
				path := s.entryPath("k")
				if which == "identity" {
					path = s.identityPath()
				}
				data, _ := os.ReadFile(path)
				bad := mangle(data)
				os.WriteFile(path, bad, 0o600)
				s = newFileStore(t, dir, "p")
				_, err := s.Get(ctx, "k")
				if err == nil || !errors.Is(err, ErrStoreUnavailable) || !strings.Contains(err.Error(), path) {
					t.Fatalf("corrupted file: %v", err)
				}
				after, _ := os.ReadFile(path)
				if string(after) != string(bad) {
					t.Fatal("corrupted file was overwritten")
				}
			})
		}
	}
}

func TestOpenStore(t *testing.T) {
	t.Setenv("OAT_STORE", "")
	for kind, want := range map[string]string{"": "keyring", "keyring": "keyring", "file": "file", "memory": "memory", "MEMORY": "memory"} {
		s, err := OpenStore(kind, StoreOptions{ConfigDir: t.TempDir()})
		if err != nil || s.Name() != want {
			t.Errorf("%q: %v %v", kind, s, err)
		}
	}
	if _, err := OpenStore("vault", StoreOptions{}); err == nil || !strings.Contains(err.Error(), "keyring, file, memory") {
		t.Errorf("unknown store: %v", err)
	}
	t.Setenv("OAT_STORE", "memory")
	if s, _ := OpenStore("", StoreOptions{}); s.Name() != "memory" {
		t.Error("OAT_STORE ignored")
	}
	t.Setenv("OAT_PASSPHRASE", "")
	if _, err := PassphraseFromEnv(); err == nil || !strings.Contains(err.Error(), "OAT_PASSPHRASE") {
		t.Errorf("missing passphrase: %v", err)
	}
}

// hangingKeyring never answers, like go-keyring with no Secret Service agent.
type hangingKeyring struct{ release chan struct{} }

func (h hangingKeyring) Set(string, string, string) error { <-h.release; return nil }
func (h hangingKeyring) Get(string, string) (string, error) {
	<-h.release
	return "", nil
}
func (h hangingKeyring) Delete(string, string) error { <-h.release; return nil }

type failingKeyring struct{ err error }

func (f failingKeyring) Set(string, string, string) error   { return f.err }
func (f failingKeyring) Get(string, string) (string, error) { return "", f.err }
func (f failingKeyring) Delete(string, string) error        { return f.err }

func TestKeyringTimeout(t *testing.T) {
	t.Parallel()
	h := hangingKeyring{release: make(chan struct{})}
	defer close(h.release)
	k := &KeyringStore{Service: "oat-test", Timeout: 50 * time.Millisecond, MaxValue: 100, backend: h}
	_, err := k.Get(context.Background(), "x")
	if !errors.Is(err, ErrStoreUnavailable) || !strings.Contains(err.Error(), "no answer") || !strings.Contains(err.Error(), "--store file") {
		t.Fatalf("hanging keyring: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	k.Timeout = time.Hour
	if err := k.Set(ctx, "x", "y"); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

func TestKeyringErrorsSayWhatToDo(t *testing.T) {
	t.Parallel()
	k := &KeyringStore{Service: "oat-test", Timeout: time.Second, MaxValue: 100,
		backend: failingKeyring{errors.New("The name org.freedesktop.secrets was not provided by any .service files")}}
	err := k.Set(context.Background(), "id/secret", "hunter2")
	if !errors.Is(err, ErrStoreUnavailable) || errors.Is(err, ErrNotFound) {
		t.Fatalf("want unavailable: %v", err)
	}
	for _, want := range []string{"org.freedesktop.secrets", "gnome-keyring", "--store file"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q missing from %v", want, err)
		}
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Fatal("secret in error text")
	}
	big := strings.Repeat("x", 101)
	var tl *TooLargeError
	if err := k.Set(context.Background(), "k", big); !errors.As(err, &tl) || tl.Size != 101 || tl.Limit != 100 || !errors.Is(err, ErrValueTooLarge) {
		t.Fatalf("too large: %v", err)
	}
}
