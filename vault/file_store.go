package vault

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
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

// FileStore keeps values in one age-encrypted file (scrypt passphrase), for machines with
// no keyring: servers, containers, WSL. Every change re-encrypts the whole file and
// replaces it atomically under the file lock.
type FileStore struct {
	Path       string
	Passphrase func() (string, error)
	// WorkFactor is the scrypt log2(N) used when writing; 0 means the default.
	WorkFactor int

	mu     sync.Mutex
	pass   string
	cached map[string]string
	stamp  fileStamp
	// fileFactor is the work factor of the file as last read: rewrites keep it, so a
	// file made fast on purpose (the demo's) stays fast, and a strong one stays strong.
	fileFactor int
	// hook runs before each write's rename (tests kill the process there).
	hook writeHook
}

// scryptFactor reads the work factor from an age file's scrypt stanza
// ("-> scrypt SALT LOGN"), or returns 0.
func scryptFactor(data []byte) int {
	for _, line := range strings.Split(string(data[:min(len(data), 512)]), "\n") {
		f := strings.Fields(line)
		if len(f) == 4 && f[0] == "->" && f[1] == "scrypt" {
			if n, err := strconv.Atoi(f[3]); err == nil {
				return n
			}
		}
		if strings.HasPrefix(line, "---") {
			break
		}
	}
	return 0
}

// fileStamp identifies one version of the file, so an unchanged file is not decrypted
// (scrypt is slow on purpose) on every read.
type fileStamp struct {
	size int64
	mod  time.Time
	ok   bool
}

type fileStoreDoc struct {
	Version int               `json:"version"`
	Values  map[string]string `json:"values"`
}

// Name implements SecretStore.
func (s *FileStore) Name() string { return "file" }

func (s *FileStore) passphrase() (string, error) {
	if s.pass != "" {
		return s.pass, nil
	}
	if s.Passphrase == nil {
		return "", &StoreError{Store: "file", Op: "unlock " + s.Path, Err: errors.New("no passphrase source"), Hint: "set OAT_PASSPHRASE"}
	}
	p, err := s.Passphrase()
	if err != nil {
		return "", &StoreError{Store: "file", Op: "unlock " + s.Path, Err: err}
	}
	if p == "" {
		return "", &StoreError{Store: "file", Op: "unlock " + s.Path, Err: errors.New("empty passphrase")}
	}
	s.pass = p
	return p, nil
}

// load decrypts the file (or returns the cached copy when the file has not changed).
// Caller holds s.mu.
func (s *FileStore) load() (map[string]string, error) {
	fi, err := os.Stat(s.Path)
	if errors.Is(err, os.ErrNotExist) {
		s.cached, s.stamp = map[string]string{}, fileStamp{}
		return s.cached, nil
	}
	if err != nil {
		return nil, &StoreError{Store: "file", Op: "read " + s.Path, Err: err}
	}
	st := fileStamp{size: fi.Size(), mod: fi.ModTime(), ok: true}
	if s.cached != nil && s.stamp == st {
		return s.cached, nil
	}
	data, fi, err := readFileLimited(s.Path, maxSecretsFile)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) && pe.Path == s.Path {
			err = pe.Err // the StoreError names the path already
		}
		return nil, &StoreError{Store: "file", Op: "read " + s.Path, Err: err}
	}
	st = fileStamp{size: fi.Size(), mod: fi.ModTime(), ok: true} // of the file read
	pass, err := s.passphrase()
	if err != nil {
		return nil, err
	}
	m, err := decryptSecrets(s.Path, data, pass)
	if err != nil {
		if errors.Is(err, ErrWrongPassphrase) {
			s.pass = "" // let a prompt ask again
		}
		return nil, err
	}
	s.cached, s.stamp, s.fileFactor = m, st, scryptFactor(data)
	return m, nil
}

func decryptSecrets(path string, data []byte, pass string) (map[string]string, error) {
	id, err := age.NewScryptIdentity(pass)
	if err != nil {
		return nil, &StoreError{Store: "file", Op: "unlock " + path, Err: err}
	}
	r, err := age.Decrypt(bytes.NewReader(data), id)
	if err != nil {
		var nim *age.NoIdentityMatchError
		if errors.As(err, &nim) || errors.Is(err, age.ErrIncorrectIdentity) {
			return nil, &StoreError{Store: "file", Op: "unlock " + path, Err: ErrWrongPassphrase,
				Hint: "Check OAT_PASSPHRASE. The file was not changed."}
		}
		return nil, &StoreError{Store: "file", Op: "read " + path, Err: fmt.Errorf("damaged or not an age file: %w", err),
			Hint: "oat leaves it untouched; restore it from a backup or move it aside to start afresh."}
	}
	plain, err := io.ReadAll(io.LimitReader(r, 64<<20))
	if err != nil {
		return nil, &StoreError{Store: "file", Op: "read " + path, Err: fmt.Errorf("damaged: %w", err),
			Hint: "oat leaves it untouched; restore it from a backup or move it aside to start afresh."}
	}
	var doc fileStoreDoc
	if err := json.Unmarshal(plain, &doc); err != nil || doc.Version != 1 {
		return nil, &StoreError{Store: "file", Op: "read " + path, Err: errors.New("decrypted, but the content is not an oat secrets file")}
	}
	if doc.Values == nil {
		doc.Values = map[string]string{}
	}
	return doc.Values, nil
}

// Get implements SecretStore.
func (s *FileStore) Get(ctx context.Context, key string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.load()
	if err != nil {
		return "", err
	}
	v, ok := m[key]
	if !ok {
		return "", fmt.Errorf("%s: %w", key, ErrNotFound)
	}
	return v, nil
}

// Set implements SecretStore.
func (s *FileStore) Set(ctx context.Context, key, value string) error {
	return s.modify(ctx, func(m map[string]string) bool { m[key] = value; return true })
}

// Delete implements SecretStore.
func (s *FileStore) Delete(ctx context.Context, key string) error {
	return s.modify(ctx, func(m map[string]string) bool {
		_, ok := m[key]
		delete(m, key)
		return ok
	})
}

func (s *FileStore) modify(ctx context.Context, fn func(map[string]string) bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return withLock(ctx, s.Path, func() error {
		cur, err := s.load()
		if err != nil {
			return err
		}
		next := make(map[string]string, len(cur)+1)
		for k, v := range cur {
			next[k] = v
		}
		if !fn(next) {
			return nil
		}
		pass, err := s.passphrase()
		if err != nil {
			return err
		}
		data, err := s.encrypt(next, pass)
		if err != nil {
			return err
		}
		if len(data) > maxSecretsFile {
			// Never write a file that oat would refuse to read back.
			return fmt.Errorf("file store: %s would grow past %s (not stored): %w", s.Path, SizeText(maxSecretsFile), ErrValueTooLarge)
		}
		if err := writeFileAtomic(s.Path, data, s.hook); err != nil {
			return &StoreError{Store: "file", Op: "write " + s.Path, Err: err}
		}
		s.cached = nil // re-stat on next read
		return nil
	})
}

func (s *FileStore) encrypt(m map[string]string, pass string) ([]byte, error) {
	rcp, err := age.NewScryptRecipient(pass)
	if err != nil {
		return nil, &StoreError{Store: "file", Op: "encrypt", Err: err}
	}
	wf := s.WorkFactor
	if wf == 0 {
		wf = s.fileFactor
	}
	if wf == 0 {
		wf = DefaultScryptWorkFactor
	}
	rcp.SetWorkFactor(wf)
	plain, err := json.Marshal(fileStoreDoc{Version: 1, Values: m})
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, rcp)
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
