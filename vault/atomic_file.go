package vault

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"
)

// lockTimeout bounds how long oat waits for another copy of itself to release a file.
const lockTimeout = 10 * time.Second

// ensureDir creates dir with mode 0700 and tightens it if it already exists more open.
func ensureDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create config directory %s: %w", dir, err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("config directory %s: %w", dir, err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("restrict config directory %s to 0700: %w", dir, err)
		}
	}
	return nil
}

// withLock runs fn while holding an exclusive cross-process lock on path+".lock".
func withLock(ctx context.Context, path string, fn func() error) error {
	if err := ensureDir(filepath.Dir(path)); err != nil {
		return err
	}
	lk := flock.New(path+".lock", flock.SetPermissions(0o600))
	ctx, cancel := context.WithTimeout(ctx, lockTimeout)
	defer cancel()
	ok, err := lk.TryLockContext(ctx, 5*time.Millisecond)
	if err != nil || !ok {
		if err == nil {
			err = ctx.Err()
		}
		return fmt.Errorf("lock %s (another oat may be running): %w", path, err)
	}
	defer func() { _ = lk.Unlock() }()
	return fn()
}

// writeHook, when set on an atomicWriter, runs after the temp file is synced and before
// the rename: tests use it to simulate a crash at the worst moment.
type writeHook func(tmpPath string)

// writeFileAtomic replaces path with data so that readers see either the old file or the
// new one, never a mix: write a temp file in the same directory, fsync it, rename it over
// the target, then fsync the directory.
func writeFileAtomic(path string, data []byte, hook writeHook) (err error) {
	dir := filepath.Dir(path)
	if err := ensureDir(dir); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = os.Remove(tmp)
		}
	}()
	if err = f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err = f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: sync: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if hook != nil {
		hook(tmp)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: rename: %w", path, err)
	}
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// readFileIfExists returns the bytes of one of oat's TOML files, or nil and no error when
// it does not exist. They are oat's own files in a 0700 directory, yet a FIFO or a device
// put there must not hang oat or exhaust its memory, so the read is bounded too.
func readFileIfExists(path string) ([]byte, error) {
	b, err := ReadFileLimited(path, maxTOMLFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err // names the file
	}
	return b, nil
}
