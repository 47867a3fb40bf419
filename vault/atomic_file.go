package vault

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
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
	return withLockMode(ctx, path, false, fn)
}

// withLockMode runs fn while holding a cross-process lock on path+".lock": shared (any
// number of holders) or exclusive.
func withLockMode(ctx context.Context, path string, shared bool, fn func() error) error {
	if err := ensureDir(filepath.Dir(path)); err != nil {
		return err
	}
	lk := flock.New(path+".lock", flock.SetPermissions(0o600))
	ctx, cancel := context.WithTimeout(ctx, lockTimeout)
	defer cancel()
	try := lk.TryLockContext
	if shared {
		try = lk.TryRLockContext
	}
	ok, err := try(ctx, 5*time.Millisecond)
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
// the target, then fsync the directory. The caller holds the lock on path (withLock), so
// any other temp file of path is a dead writer's and is removed (see removeStaleTemps).
func writeFileAtomic(path string, data []byte, hook writeHook) (err error) {
	return writeFileReplace(path, data, hook, true)
}

// writeCacheFile replaces path with data as writeFileAtomic does (readers see the old
// file or the new one, never a mix), without the fsyncs: for what is a cache, whose loss
// in a crash is harmless — the token state (state.toml), whose tokens are in the kernel
// keyring, which a crash empties anyway, or in a store that is written durably itself.
// A forced fetch then costs no disk flush. After a crash the file is the old one, the
// new one, or (on file systems that do not flush a file renamed over another) empty or
// zero-filled, which the state file reads as empty.
func writeCacheFile(path string, data []byte, hook writeHook) error {
	return writeFileReplace(path, data, hook, false)
}

// syncObserver, when set (by a test that is not parallel), hears of every fsync of a
// written file, by the file's path.
var syncObserver func(path string)

func writeFileReplace(path string, data []byte, hook writeHook, durable bool) (err error) {
	dir := filepath.Dir(path)
	if err := ensureDir(dir); err != nil {
		return err
	}
	prefix := tempPrefix(path)
	f, err := os.CreateTemp(dir, prefix+"*")
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
	if durable {
		if syncObserver != nil {
			syncObserver(path)
		}
		if err = f.Sync(); err != nil {
			f.Close()
			return fmt.Errorf("write %s: sync: %w", path, err)
		}
	}
	own, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
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
	removeStaleTemps(dir, prefix, filepath.Base(tmp), own.ModTime())
	if !durable {
		return nil
	}
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// tempPrefix is how the names of path's temp files begin; os.CreateTemp ends them with
// decimal digits.
func tempPrefix(path string) string { return "." + filepath.Base(path) + ".tmp-" }

// removeStaleTemps deletes the temp files of one target that a killed writer left in dir.
// A leftover of secrets.age still decrypts with the passphrase and may hold secrets removed
// since, so it must not outlive the next write. It runs under the target's lock, so no
// other writer of that target is alive; as a second guard only oat's own names (prefix
// and digits), only regular files and only files no newer than the caller's own temp file
// (modified at ownMod) are removed. Failures are ignored: the next write tries again.
func removeStaleTemps(dir, prefix, ownName string, ownMod time.Time) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		name := e.Name()
		rest, ok := strings.CutPrefix(name, prefix)
		if !ok || name == ownName || rest == "" || strings.Trim(rest, "0123456789") != "" {
			continue
		}
		fi, err := e.Info() // of the entry itself: a symlink is not followed
		if err != nil || !fi.Mode().IsRegular() || fi.ModTime().After(ownMod) {
			continue
		}
		_ = os.Remove(filepath.Join(dir, name))
	}
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
