package vault

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"filippo.io/age"
)

// DefaultScryptWorkFactor is age's own default (2^18): about a second to unlock, which
// is the point of a passphrase-derived key.
const DefaultScryptWorkFactor = 18

// ErrWrongPassphrase means the secrets file exists but the passphrase does not open it.
var ErrWrongPassphrase = errors.New("wrong passphrase for the secrets file")

// maxSecretEntry bounds one entry file: a secret or a token, with age's overhead.
const maxSecretEntry = 1 << 20

// FileStore keeps values in age-encrypted files, for machines with no keyring: servers,
// containers, WSL. The layout, in the directory "secrets" beside Path:
//
//	identity.age   an age X25519 identity, encrypted with the passphrase (scrypt)
//	recipient      that identity's public key (age1…), in clear: it is public
//	e-HEX.age      one file per key (HEX is the key's name in hexadecimal), each its own
//	               age file encrypted to the recipient; it holds the key and the value
//
// So writing a value needs no passphrase (age to a public key takes microseconds),
// reading one decrypts that one file and no other, and the passphrase — scrypt, slow on
// purpose — is needed only to unlock the identity, which is then kept in Cache for the
// login session (see unlock_cache.go). Scrypt runs before any lock is taken; a lock is
// held only to create or replace a file, never during slow work. Every file is written
// atomically (temp file, fsync, rename) in a 0700 directory.
//
// Path is where the earlier format kept everything in one file (secrets.age): when it is
// there and the new layout is not, the first use that has the passphrase migrates it
// (every value, then the identity last, then the old file is removed).
type FileStore struct {
	// Path is the old single file, <config dir>/secrets.age; the store's directory is
	// "secrets" beside it.
	Path       string
	Passphrase func() (string, error)
	// WorkFactor is the scrypt log2(N) for the identity when it is created; 0 means the
	// default (or, when migrating, the old file's).
	WorkFactor int
	// Cache keeps the unlocked identity between processes; nil keeps it for this process
	// only. CacheNote says why there is none, for CacheName.
	Cache     UnlockCache
	CacheNote string

	mu   sync.Mutex
	pass string
	id   *age.X25519Identity
	// hook runs before each write's rename (tests kill the process there).
	hook writeHook
}

// Name implements SecretStore.
func (s *FileStore) Name() string { return "file" }

// Dir is the store's directory.
func (s *FileStore) Dir() string { return filepath.Join(filepath.Dir(s.Path), "secrets") }

func (s *FileStore) identityPath() string  { return filepath.Join(s.Dir(), "identity.age") }
func (s *FileStore) recipientPath() string { return filepath.Join(s.Dir(), "recipient") }

// lockPath is what withLock locks: "secrets.lock" beside the directory, which is
// replaced whole when the store is created.
func (s *FileStore) lockPath() string { return s.Dir() }
func (s *FileStore) entryPath(key string) string {
	return filepath.Join(s.Dir(), entryName(key))
}
func entryName(key string) string { return "e-" + hex.EncodeToString([]byte(key)) + ".age" }

// stagingPrefix begins the names of the directories a store is created in.
const stagingPrefix = ".secrets.new-"

// syncDir makes a rename in dir durable; failures are ignored (not every platform can).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// CacheName says where the unlocked key is kept between commands.
func (s *FileStore) CacheName() string {
	return cacheName(s.Cache, s.CacheNote, "the passphrase is needed by every command")
}

// Exists reports whether the store has been created (in either format).
func (s *FileStore) Exists() bool {
	for _, p := range []string{s.identityPath(), s.Path} {
		if _, err := os.Lstat(p); err == nil {
			return true
		}
	}
	return false
}

// Lock forgets the unlocked identity, in this process and in the cache.
func (s *FileStore) Lock() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.id, s.pass = nil, ""
	c := s.Cache
	if c == nil {
		// The cache may be turned off for this process (OAT_UNLOCK_IDLE=0) and still hold
		// the key from an earlier one: forget it wherever the platform has a cache.
		var err error
		if c, err = newPlatformUnlockCache(time.Second); err != nil {
			return nil
		}
	}
	return c.Forget(unlockCacheID(s.Dir()))
}

// Unlock makes the identity available now (asking for the passphrase if it is not
// cached) and caches it, as the first read of a secret would. A store that does not
// exist yet is not created.
func (s *FileStore) Unlock(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.Exists() {
		return &StoreError{Store: "file", Op: "unlock " + s.Dir(), Err: errors.New("there is no store here yet"),
			Hint: "Adding a profile creates it (oat add)."}
	}
	_, err := s.identity(ctx)
	return err
}

// Unlocked reports whether the identity is available without the passphrase (in this
// process or in the cache). It asks for nothing.
func (s *FileStore) Unlocked() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.id != nil {
		return true
	}
	// Has, not Get: asking whether the store is unlocked (oat lock --status, oat doctor)
	// is not a use, and must not keep the key unlocked for another idle time.
	return s.Cache != nil && s.Cache.Has(unlockCacheID(s.Dir()))
}

func (s *FileStore) storeErr(op string, err error) error {
	return &StoreError{Store: "file", Op: op, Err: err}
}

func (s *FileStore) passphrase() (string, error) {
	if s.pass != "" {
		return s.pass, nil
	}
	if s.Passphrase == nil {
		return "", &StoreError{Store: "file", Op: "unlock " + s.Dir(), Err: errors.New("no passphrase source"), Hint: "set OAT_PASSPHRASE"}
	}
	p, err := s.Passphrase()
	if err != nil {
		return "", &StoreError{Store: "file", Op: "unlock " + s.Dir(), Err: err, Hint: "Unlock cache: " + s.CacheName() + "."}
	}
	if p == "" {
		return "", &StoreError{Store: "file", Op: "unlock " + s.Dir(), Err: errors.New("empty passphrase")}
	}
	s.pass = p
	return p, nil
}

// readOwn reads one of the store's files, bounded and refusing non-regular files.
func readOwn(path string, limit int64) ([]byte, error) {
	data, _, err := readFileLimited(path, limit)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) && pe.Path == path {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, err
			}
			err = pe.Err // the StoreError names the path already
		}
		return nil, &StoreError{Store: "file", Op: "read " + path, Err: err}
	}
	return data, nil
}

// recipient returns the store's public key, creating the store (or migrating the old
// file) first when needed. Caller holds s.mu.
func (s *FileStore) recipient(ctx context.Context) (*age.X25519Recipient, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	data, err := readOwn(s.recipientPath(), 4096)
	if err != nil {
		return nil, s.storeErr("read "+s.recipientPath(), err)
	}
	r, err := age.ParseX25519Recipient(strings.TrimSpace(string(data)))
	if err != nil {
		return nil, &StoreError{Store: "file", Op: "read " + s.recipientPath(), Err: fmt.Errorf("damaged: %w", err)}
	}
	if s.id != nil && s.id.Recipient().String() != r.String() {
		return nil, &StoreError{Store: "file", Op: "read " + s.recipientPath(), Err: errors.New("damaged: not the public key of the store's identity")}
	}
	return r, nil
}

// ready makes sure the store exists in the current format: it creates it, or migrates
// the old single file, and removes the old file a finished migration left. It returns
// quickly (two stats) when there is nothing to do. Caller holds s.mu.
func (s *FileStore) ready(ctx context.Context) error {
	if _, err := os.Lstat(s.identityPath()); err == nil {
		if _, err := os.Lstat(s.Path); err == nil {
			// A migration finished but was killed before removing the old file.
			return withLock(ctx, s.lockPath(), func() error { return removeIfExists(s.Path) })
		}
		return nil
	}
	if _, err := os.Lstat(s.Path); err == nil {
		return s.migrate(ctx)
	}
	return s.create(ctx, nil, 0, nil)
}

func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// create makes a new identity, protects it with the passphrase and writes the store with
// the values given (the old file's, when migrating). The scrypt work happens before the
// lock; under it, if another process created the store meanwhile, its store wins and
// ours is dropped. Caller holds s.mu.
//
// When migrating, old is the old file's content as decrypted: under the lock the old
// file's own lock is taken too and the file must be unchanged (an older oat may have
// written it meanwhile), else nothing is written and the command can simply be run again.
func (s *FileStore) create(ctx context.Context, values map[string]string, factor int, old []byte) error {
	pass, err := s.passphrase()
	if err != nil {
		return err
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return s.storeErr("create", err)
	}
	rcp, err := age.NewScryptRecipient(pass)
	if err != nil {
		return s.storeErr("create", err)
	}
	wf := s.WorkFactor
	if wf == 0 {
		wf = factor
	}
	if wf == 0 {
		wf = DefaultScryptWorkFactor
	}
	rcp.SetWorkFactor(wf)
	locked, err := ageEncrypt([]byte(id.String()), rcp) // scrypt: slow, no lock held
	if err != nil {
		return err
	}
	entries := make(map[string][]byte, len(values))
	for k, v := range values {
		if entries[k], err = sealEntry(id.Recipient(), k, v); err != nil {
			return err
		}
	}
	// Every file is written, and synced, into a staging directory first, with no lock
	// held (a migration may write thousands); under the lock the directory is renamed
	// into place whole, so the store appears complete or not at all.
	cfg := filepath.Dir(s.Path)
	if err := ensureDir(cfg); err != nil {
		return s.storeErr("create", err)
	}
	stage, err := os.MkdirTemp(cfg, stagingPrefix)
	if err != nil {
		return s.storeErr("create", err)
	}
	defer os.RemoveAll(stage) // gone already once renamed into place
	put := func(name string, data []byte) error {
		if err := writeFileAtomic(filepath.Join(stage, name), data, s.hook); err != nil {
			return s.storeErr("write "+filepath.Join(stage, name), err)
		}
		return nil
	}
	for k, data := range entries {
		if err = put(entryName(k), data); err != nil {
			break
		}
	}
	if err == nil {
		err = put("recipient", []byte(id.Recipient().String()+"\n"))
	}
	if err == nil {
		err = put("identity.age", locked)
	}
	if err != nil {
		if _, e := os.Lstat(s.identityPath()); e == nil {
			return nil // another process made the store meanwhile (and swept our staging)
		}
		return err
	}
	created := false
	commit := func() error {
		if _, err := os.Lstat(s.identityPath()); err == nil {
			return nil // another process was first
		}
		if old != nil {
			now, err := readOwn(s.Path, maxSecretsFile)
			if errors.Is(err, fs.ErrNotExist) {
				return nil // migrated by another process, which wrote the identity
			}
			if err != nil || !bytes.Equal(now, old) {
				return &StoreError{Store: "file", Op: "migrate " + s.Path, Err: errors.New("the file changed while it was being converted"),
					Hint: "Nothing was lost; run the command again."}
			}
		}
		// A directory without its identity holds nothing anyone can read (no entry is
		// written before the identity exists): a leftover, replaced.
		if err := os.RemoveAll(s.Dir()); err != nil {
			return s.storeErr("create "+s.Dir(), err)
		}
		if err := os.Rename(stage, s.Dir()); err != nil {
			return s.storeErr("create "+s.Dir(), err)
		}
		syncDir(cfg)
		created = true
		s.sweepTemps() // staging directories of killed creations
		if old != nil {
			return removeIfExists(s.Path)
		}
		return nil
	}
	err = withLock(ctx, s.lockPath(), func() error {
		if old == nil {
			return commit()
		}
		return withLock(ctx, s.Path, commit)
	})
	if err != nil || !created {
		return err
	}
	s.id = id
	s.remember(id)
	return nil
}

// migrate converts the old single file: decrypt it with the passphrase (no lock held),
// then create the new store with every value, and remove the old file.
func (s *FileStore) migrate(ctx context.Context) error {
	data, err := readOwn(s.Path, maxSecretsFile)
	if err != nil {
		return s.storeErr("read "+s.Path, err)
	}
	pass, err := s.passphrase()
	if err != nil {
		return err
	}
	values, err := decryptSecrets(s.Path, data, pass)
	if err != nil {
		if errors.Is(err, ErrWrongPassphrase) {
			s.pass = ""
		}
		return err
	}
	return s.create(ctx, values, scryptFactor(data), data)
}

// remember puts the identity in the cache; a cache that fails is only a lost speed-up.
func (s *FileStore) remember(id *age.X25519Identity) {
	if s.Cache != nil {
		_ = s.Cache.Put(unlockCacheID(s.Dir()), id.String())
	}
}

// cachedIdentity returns the identity from the cache if it is there and still the
// store's. Caller holds s.mu.
func (s *FileStore) cachedIdentity() (*age.X25519Identity, error) {
	if s.Cache == nil {
		return nil, nil
	}
	v, ok := s.Cache.Get(unlockCacheID(s.Dir()))
	if !ok {
		return nil, nil
	}
	id, err := age.ParseX25519Identity(v)
	data, rerr := readOwn(s.recipientPath(), 4096)
	if err != nil || rerr != nil || strings.TrimSpace(string(data)) != id.Recipient().String() {
		// Another store was made in this directory since: the cached key is stale.
		_ = s.Cache.Forget(unlockCacheID(s.Dir()))
		return nil, rerr
	}
	return id, nil
}

// identity returns the unlocked identity: from this process, from the cache, or by
// asking for the passphrase and running scrypt (no lock held). A wrong passphrase caches
// nothing. Caller holds s.mu.
func (s *FileStore) identity(ctx context.Context) (*age.X25519Identity, error) {
	if s.id != nil {
		return s.id, nil
	}
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	if s.id != nil { // just created or migrated
		return s.id, nil
	}
	if id, err := s.cachedIdentity(); err != nil || id != nil {
		s.id = id
		return id, err
	}
	data, err := readOwn(s.identityPath(), 64<<10)
	if err != nil {
		return nil, s.storeErr("read "+s.identityPath(), err)
	}
	pass, err := s.passphrase()
	if err != nil {
		return nil, err
	}
	sid, err := age.NewScryptIdentity(pass)
	if err != nil {
		return nil, s.storeErr("unlock "+s.Dir(), err)
	}
	plain, err := ageDecrypt(s.identityPath(), data, sid)
	if err != nil {
		if errors.Is(err, ErrWrongPassphrase) {
			s.pass = "" // let a prompt ask again
		}
		return nil, err
	}
	id, err := age.ParseX25519Identity(strings.TrimSpace(string(plain)))
	clear(plain)
	if err != nil {
		return nil, s.storeErr("read "+s.identityPath(), fmt.Errorf("damaged: %w", err))
	}
	s.id = id
	s.remember(id)
	return id, nil
}

// entry is the plain text of one entry file. The key is inside, so a file renamed to
// another key's name is refused rather than handed out as that key's value.
type entry struct {
	Key   string `json:"k"`
	Value string `json:"v"`
}

func sealEntry(r age.Recipient, key, value string) ([]byte, error) {
	plain, err := json.Marshal(entry{Key: key, Value: value})
	if err != nil {
		return nil, err
	}
	defer clear(plain)
	return ageEncrypt(plain, r)
}

func ageEncrypt(plain []byte, r age.Recipient) ([]byte, error) {
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, r)
	if err != nil {
		return nil, &StoreError{Store: "file", Op: "encrypt", Err: err}
	}
	if _, err := w.Write(plain); err != nil {
		return nil, &StoreError{Store: "file", Op: "encrypt", Err: err}
	}
	if err := w.Close(); err != nil {
		return nil, &StoreError{Store: "file", Op: "encrypt", Err: err}
	}
	return buf.Bytes(), nil
}

func ageDecrypt(path string, data []byte, id age.Identity) ([]byte, error) {
	r, err := age.Decrypt(bytes.NewReader(data), id)
	if err != nil {
		var nim *age.NoIdentityMatchError
		if errors.As(err, &nim) || errors.Is(err, age.ErrIncorrectIdentity) {
			if _, ok := id.(*age.ScryptIdentity); ok {
				return nil, &StoreError{Store: "file", Op: "unlock " + path, Err: ErrWrongPassphrase,
					Hint: "Check the passphrase (OAT_PASSPHRASE when it is set, else what was typed). The file was not changed."}
			}
			return nil, &StoreError{Store: "file", Op: "read " + path, Err: errors.New("not encrypted to this store's key"),
				Hint: "oat leaves it untouched; remove it, or restore the store from a backup."}
		}
		return nil, &StoreError{Store: "file", Op: "read " + path, Err: fmt.Errorf("damaged or not an age file: %w", err),
			Hint: "oat leaves it untouched; restore it from a backup or move it aside to start afresh."}
	}
	plain, err := io.ReadAll(io.LimitReader(r, maxSecretEntry))
	if err != nil {
		return nil, &StoreError{Store: "file", Op: "read " + path, Err: fmt.Errorf("damaged: %w", err),
			Hint: "oat leaves it untouched; restore it from a backup or move it aside to start afresh."}
	}
	return plain, nil
}

// Get implements SecretStore. It decrypts the one entry asked for.
func (s *FileStore) Get(ctx context.Context, key string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.Exists() {
		return "", fmt.Errorf("%s: %w", key, ErrNotFound)
	}
	if err := s.ready(ctx); err != nil {
		return "", err
	}
	path := s.entryPath(key)
	data, err := readOwn(path, maxSecretEntry)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("%s: %w", key, ErrNotFound)
	}
	if err != nil {
		return "", err
	}
	id, err := s.identity(ctx)
	if err != nil {
		return "", err
	}
	plain, err := ageDecrypt(path, data, id)
	if err != nil {
		return "", err
	}
	defer clear(plain)
	var e entry
	if err := json.Unmarshal(plain, &e); err != nil || e.Key != key {
		return "", &StoreError{Store: "file", Op: "read " + path, Err: errors.New("decrypted, but it is not this key's entry"),
			Hint: "oat leaves it untouched; remove it, or restore the store from a backup."}
	}
	return e.Value, nil
}

// Set implements SecretStore. It needs no passphrase once the store exists: the value is
// encrypted to the store's public key.
func (s *FileStore) Set(ctx context.Context, key, value string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.recipient(ctx)
	if err != nil {
		return err
	}
	data, err := sealEntry(r, key, value)
	if err != nil {
		return err
	}
	if len(data) > maxSecretEntry {
		// Never write a file that oat would refuse to read back.
		return &TooLargeError{Store: "file", Size: len(value), Limit: maxSecretEntry - 1024}
	}
	path := s.entryPath(key)
	return withLock(ctx, s.lockPath(), func() error {
		if err := writeFileAtomic(path, data, s.hook); err != nil {
			return s.storeErr("write "+path, err)
		}
		return nil
	})
}

// Delete implements SecretStore.
func (s *FileStore) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.Exists() {
		return nil
	}
	if err := s.ready(ctx); err != nil { // an unmigrated value must not come back later
		return err
	}
	path := s.entryPath(key)
	return withLock(ctx, s.lockPath(), func() error {
		if err := removeIfExists(path); err != nil {
			return s.storeErr("delete "+path, err)
		}
		s.sweepTemps()
		return nil
	})
}

// sweepTemps removes the temp files killed writers left in the store's directory: one
// may be the last copy of a value deleted since (an entry of an add killed before its
// rename is never written again, so writeFileAtomic's own clean-up, which is per target,
// would not reach it). Every writer in the directory holds the store's lock, which the
// caller holds, so every temp file there is a dead writer's. Removing a deleted value
// (Delete) and looking for orphans (ListKeys) sweep; ordinary writes do not need to.
func (s *FileStore) sweepTemps() {
	// Staging directories of a creation killed before its rename (they may hold every
	// secret of a migration); a live one's creator finds the store made and drops it.
	cfg := filepath.Dir(s.Path)
	if ents, err := os.ReadDir(cfg); err == nil {
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), stagingPrefix) && e.IsDir() {
				_ = os.RemoveAll(filepath.Join(cfg, e.Name()))
			}
		}
	}
	ents, err := os.ReadDir(s.Dir())
	if err != nil {
		return
	}
	for _, e := range ents {
		name := e.Name()
		i := strings.LastIndex(name, ".tmp-")
		if !strings.HasPrefix(name, ".") || i < 0 || name[i+5:] == "" || strings.Trim(name[i+5:], "0123456789") != "" || !e.Type().IsRegular() {
			continue
		}
		_ = os.Remove(filepath.Join(s.Dir(), name))
	}
}

// ListKeys implements KeyLister: the names of the entry files, with nothing decrypted.
func (s *FileStore) ListKeys(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.Exists() {
		return nil, nil
	}
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	_ = withLock(ctx, s.lockPath(), func() error { s.sweepTemps(); return nil })
	ents, err := os.ReadDir(s.Dir())
	if err != nil {
		return nil, s.storeErr("list "+s.Dir(), err)
	}
	var keys []string
	for _, e := range ents {
		h, ok := strings.CutPrefix(e.Name(), "e-")
		if h, ok2 := strings.CutSuffix(h, ".age"); ok && ok2 {
			if k, err := hex.DecodeString(h); err == nil {
				keys = append(keys, string(k))
			}
		}
	}
	return keys, nil
}
