package vault

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// brokenStates are state files that cannot be read: each is set aside, never a lockout.
func brokenStates() map[string][]byte {
	big := bytes.Repeat([]byte("# padding\n"), maxTOMLFile/10+1)
	return map[string][]byte{
		"broken-toml": []byte("schema = 1\n[token\n"),
		"over-bound":  append([]byte("schema = 1\n"), big...),
	}
}

// warnings records what the state file warns of.
type warnings struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warnings) add(m string) { w.mu.Lock(); w.msgs = append(w.msgs, m); w.mu.Unlock() }
func (w *warnings) all() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.msgs...)
}

func asideFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "state.toml.broken-*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// An unreadable state.toml (it is mostly a cache) is read as empty and set aside, with
// one warning naming it, whether the first to touch it reads or writes; the next write
// succeeds and leaves the set-aside copy alone.
func TestUnreadableStateFileIsSetAside(t *testing.T) {
	ops := map[string]func(v *Vault, p Profile) error{
		"token-states": func(v *Vault, _ Profile) error { _, err := v.TokenStates(); return err },
		"cached-token": func(v *Vault, p Profile) error { _, _, err := v.CachedToken(context.Background(), p, 0); return err },
		"history":      func(v *Vault, p Profile) error { _, err := v.RequestHistory(p); return err },
		"save-token": func(v *Vault, p Profile) error {
			return v.SaveToken(context.Background(), p, CachedToken{AccessToken: "tok", ExpiresAt: v.Now().Add(time.Hour), FetchedAt: v.Now()})
		},
		"record-request": func(v *Vault, p Profile) error {
			return v.RecordRequest(context.Background(), p, TestRequest{Path: "/x"})
		},
	}
	for kind, data := range brokenStates() {
		for name, op := range ops {
			t.Run(kind+"/"+name, func(t *testing.T) {
				v, _, _ := newTestVault(t)
				p := mustAdd(t, v, "eds", "s3cret-value")
				if err := os.WriteFile(v.State.Path, data, 0o644); err != nil {
					t.Fatal(err)
				}
				var w warnings
				v.State.SetWarn(w.add)
				if err := op(v, p); err != nil {
					t.Fatalf("%s on an unreadable state file: %v", name, err)
				}
				aside := asideFiles(t, v.Dir)
				if len(aside) != 1 {
					t.Fatalf("want one set-aside file, got %v", aside)
				}
				got, err := os.ReadFile(aside[0])
				if err != nil || !bytes.Equal(got, data) {
					t.Fatalf("the set-aside file does not hold what was there (%d bytes, %v)", len(got), err)
				}
				if fi, _ := os.Stat(aside[0]); fi.Mode().Perm() != 0o600 {
					t.Errorf("set aside with mode %v, want 0600", fi.Mode().Perm())
				}
				msgs := w.all()
				if len(msgs) != 1 || !strings.Contains(msgs[0], v.State.Path) || !strings.Contains(msgs[0], filepath.Base(aside[0])) {
					t.Fatalf("want one warning naming %s and %s, got %q", v.State.Path, aside[0], msgs)
				}
				// Everything works on from an empty state, without another warning.
				if err := v.RecordTokenError(context.Background(), p, "boom"); err != nil {
					t.Fatal(err)
				}
				st, err := v.TokenStates()
				if err != nil || st[p.ID].LastError != "boom" {
					t.Fatalf("after the set-aside: %v %v", st, err)
				}
				if n := len(w.all()); n != 1 {
					t.Fatalf("%d warnings, want 1", n)
				}
				if len(asideFiles(t, v.Dir)) != 1 {
					t.Fatal("a second file set aside")
				}
			})
		}
	}
}

// A state file written by a newer oat is not broken: it is still refused, not moved.
func TestNewerStateFileIsRefusedNotSetAside(t *testing.T) {
	v, _, _ := newTestVault(t)
	if err := os.WriteFile(v.State.Path, []byte("schema = 99\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := v.TokenStates(); !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("want ErrNewerSchema, got %v", err)
	}
	if err := v.State.Update(context.Background(), "x", func(s *TokenState) { s.LastError = "e" }); !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("write: want ErrNewerSchema, got %v", err)
	}
	if len(asideFiles(t, v.Dir)) != 0 {
		t.Fatal("a newer state file was set aside")
	}
}

// A state.toml that is a symlink (to /etc/passwd, say) is not data of oat's: it is
// removed, not set aside as a link that a later chmod would follow, and what it points
// to is left exactly as it was.
func TestStateFileSymlinkIsRemovedNotFollowed(t *testing.T) {
	t.Parallel()
	v, _, _ := newTestVault(t)
	p := mustAdd(t, v, "eds", "s3cret-value")
	target := filepath.Join(t.TempDir(), "passwd")
	if err := os.WriteFile(target, []byte("root:x:0:0:root:/root:/bin/bash\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, v.State.Path); err != nil {
		t.Fatal(err)
	}
	var w warnings
	v.State.SetWarn(w.add)
	if _, _, err := v.CachedToken(context.Background(), p, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(v.State.Path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the symlink is still there: %v", err)
	}
	if aside := asideFiles(t, v.Dir); len(aside) != 0 {
		t.Fatalf("a link was set aside: %v", aside)
	}
	if fi, err := os.Stat(target); err != nil || fi.Mode().Perm() != 0o644 {
		t.Fatalf("the link's target changed: %v %v", fi.Mode(), err)
	}
	if msgs := w.all(); len(msgs) != 1 || !strings.Contains(msgs[0], "not a regular file") {
		t.Fatalf("warnings: %q", msgs)
	}
}
