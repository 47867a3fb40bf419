//go:build unix

package vault

import (
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/oatcli/oat/oauth"

	"filippo.io/age"
	"github.com/gofrs/flock"
)

// Debris a killed process leaves behind: temp files, orphan secrets, profiles without a
// secret. Each test kills a real process (this test binary, as a helper) with SIGKILL at
// a chosen write, between the synced temp file and its rename.

const debrisPass = "pw"

// debrisVault is a vault on dir with the encrypted file store, so that every step of
// every operation is a real file write.
func debrisVault(dir string) (*Vault, *FileStore) {
	fs := &FileStore{Path: filepath.Join(dir, "secrets.age"), WorkFactor: 10, Passphrase: func() (string, error) { return debrisPass, nil }}
	v := Open(dir, fs)
	return v, fs
}

// helperKillAtWrite runs OAT_TEST_OP ("rm NAME", "add NAME SECRET" or "save-token NAME")
// on OAT_CONFIG_DIR and kills itself with SIGKILL just before the rename of its
// OAT_TEST_KILL_AT-th file write (1-based, whichever file). It exits 0 if the operation
// finished with fewer writes.
func init() { platformHelpers["kill-at-write"] = helperKillAtWrite }

func helperKillAtWrite() int {
	v, fs := debrisVault(os.Getenv("OAT_CONFIG_DIR"))
	at, _ := strconv.Atoi(os.Getenv("OAT_TEST_KILL_AT"))
	n := 0
	hook := func(string) {
		if n++; n == at {
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
			time.Sleep(time.Minute)
		}
	}
	v.Profiles.hook, v.State.hook, fs.hook = hook, hook, hook
	ctx := context.Background()
	op := strings.Fields(os.Getenv("OAT_TEST_OP"))
	var err error
	switch op[0] {
	case "rm":
		err = v.Remove(ctx, op[1])
	case "add":
		_, err = v.Add(ctx, Profile{Name: op[1], TokenURL: "https://a.example/token", ClientID: "c", AuthMethod: oauth.AuthPost}, op[2])
	case "save-token":
		var p Profile
		if p, err = v.Get(op[1]); err == nil {
			err = v.SaveToken(ctx, p, CachedToken{AccessToken: "tok-" + op[1], ExpiresAt: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)})
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// runKilled runs op in a helper process killed at its at-th write. It reports whether
// the helper was killed (false: the operation finished in fewer writes).
func runKilled(t *testing.T, dir, op string, at int) bool {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "OAT_TEST_HELPER=kill-at-write", "OAT_CONFIG_DIR="+dir,
		"OAT_TEST_OP="+op, "OAT_TEST_KILL_AT="+strconv.Itoa(at))
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return false
	case errors.As(err, &ee) && ee.ExitCode() == -1 && ee.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL:
		return true
	}
	t.Fatalf("helper %q: %v: %s", op, err, out)
	return false
}

// decryptableWith lists the files under dir (temp files included) that decrypt, with
// the passphrase (an old single file) or with the store's key (an entry), and hold value.
func decryptableWith(t *testing.T, dir, value string) []string {
	t.Helper()
	_, fs := debrisVault(dir)
	var id age.Identity
	if fs.Exists() {
		fs.mu.Lock()
		x, err := fs.identity(context.Background())
		fs.mu.Unlock()
		if err != nil {
			t.Fatal(err)
		}
		id = x
	}
	var out []string
	_ = filepath.WalkDir(dir, func(path string, d iofs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(dir, path)
		if m, err := decryptSecrets(path, data, debrisPass); err == nil {
			for _, v := range m {
				if strings.Contains(v, value) {
					out = append(out, rel)
					break
				}
			}
		}
		if id != nil {
			if plain, err := ageDecrypt(path, data, id); err == nil && strings.Contains(string(plain), value) {
				out = append(out, rel)
			}
		}
		return nil
	})
	return out
}

// tempFiles lists oat's temp files under dir.
func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(path string, d iofs.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), ".tmp-") {
			rel, _ := filepath.Rel(dir, path)
			out = append(out, rel)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// A process killed while writing a store entry leaves a temp file that decrypts with the
// store's key. If the profile is then removed, that temp file is the last copy of the
// removed value (here a token). The removal must delete it.
func TestKilledWriteTempFileIsCleanedByNextWrite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	v, _ := debrisVault(dir)
	ctx := context.Background()
	const removed = "removed-Secret-9f3"
	if _, err := v.Add(ctx, Profile{Name: "doomed", TokenURL: "https://a.example/token", ClientID: "c", AuthMethod: oauth.AuthPost}, removed); err != nil {
		t.Fatal(err)
	}
	// Caching a token writes its entry first: kill it there.
	if !runKilled(t, dir, "save-token doomed", 1) {
		t.Fatal("save-token wrote no file")
	}
	if got := decryptableWith(t, dir, "tok-doomed"); len(got) != 1 || len(tempFiles(t, dir)) != 1 {
		t.Fatalf("want one killed temp file holding the token, got %v", got)
	}
	if got := decryptableWith(t, dir, removed); len(got) != 1 {
		t.Fatalf("want the secret's entry, got %v", got)
	}
	v, _ = debrisVault(dir)
	if err := v.Remove(ctx, "doomed"); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{removed, "tok-doomed"} {
		if got := decryptableWith(t, dir, s); len(got) != 0 {
			t.Fatalf("the removed %s still decrypts from %v", s, got)
		}
	}
	if got := tempFiles(t, dir); len(got) != 0 {
		t.Fatalf("temp files left: %v", got)
	}
}

// The next write removes only its own target's temp files, by oat's name pattern, regular
// files no newer than its own: nothing a user or another writer put there.
func TestStaleTempCleanupTouchesOnlyOatsOwn(t *testing.T) {
	t.Parallel()
	v, _, _ := newTestVault(t)
	dir := v.Dir
	put := func(name string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	put(".profiles.toml.tmp-123")                                                           // a dead writer's: removed
	put(".profiles.toml.tmp-backup")                                                        // not oat's pattern: kept
	put(".state.toml.tmp-55")                                                               // another target's: kept (its next write removes it)
	future := put(".profiles.toml.tmp-999")                                                 // newer than the writer's own: kept
	target := put("elsewhere")                                                              // a symlink's target must survive
	if err := os.Symlink(target, filepath.Join(dir, ".profiles.toml.tmp-77")); err != nil { // not a regular file: kept
		t.Fatal(err)
	}
	later := time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := os.Chtimes(future, later, later); err != nil {
		t.Fatal(err)
	}
	mustAdd(t, v, "a", "s")
	got := strings.Join(tempFiles(t, dir), " ")
	if want := ".profiles.toml.tmp-77 .profiles.toml.tmp-999 .profiles.toml.tmp-backup .state.toml.tmp-55"; got != want {
		t.Fatalf("temp files after the write: %q, want %q", got, want)
	}
	if _, err := os.Stat(target); err != nil {
		t.Fatal(err)
	}
}

// keysOf lists the store keys of profile id ("": every key).
func keysOf(t *testing.T, fs *FileStore, id string) []string {
	t.Helper()
	keys, err := fs.ListKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, k := range keys {
		if id == "" || strings.HasPrefix(k, id+"/") {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// setUpDoomed makes a vault holding "keep" and "doomed"; doomed has every key a profile
// can have: an active secret, a previous one kept aside after a rotation, a cached token.
func setUpDoomed(t *testing.T, dir string) Profile {
	t.Helper()
	ctx := context.Background()
	v, _ := debrisVault(dir)
	add := func(name, secret string) {
		if _, err := v.Add(ctx, Profile{Name: name, TokenURL: "https://a.example/token", ClientID: "c-" + name, AuthMethod: oauth.AuthPost}, secret); err != nil {
			t.Fatal(err)
		}
	}
	add("keep", "keep-Secret")
	add("doomed", "doomed-Old")
	if _, err := v.StageSecret(ctx, "doomed", "doomed-New"); err != nil {
		t.Fatal(err)
	}
	p, err := v.Promote(ctx, "doomed")
	if err != nil {
		t.Fatal(err)
	}
	if err := v.SaveToken(ctx, p, CachedToken{AccessToken: "doomed-Token", ExpiresAt: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	return p
}

// `rm` killed at each of its writes in turn must never leave a profile without its
// secret; whatever it leaves is finished by running rm again (profile still there) or is
// found and pruned as orphans (profile gone).
func TestRemoveKilledAtEveryWrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for at := 1; ; at++ {
		dir := t.TempDir()
		doomed := setUpDoomed(t, dir)
		if !runKilled(t, dir, "rm doomed", at) {
			if at < 3 {
				t.Fatalf("rm finished after %d writes", at-1)
			}
			break
		}
		v, fs := debrisVault(dir)
		ps, err := v.List()
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			if _, err := v.Secret(ctx, p); err != nil {
				t.Fatalf("killed at write %d: profile %s lost its secret: %v", at, p.Name, err)
			}
		}
		if Find(ps, "keep") < 0 {
			t.Fatalf("killed at write %d: keep is gone", at)
		}
		left := keysOf(t, fs, doomed.ID)
		if Find(ps, "doomed") >= 0 {
			// Nothing half-done: run rm again.
			if err := v.Remove(ctx, "doomed"); err != nil {
				t.Fatalf("killed at write %d: rm again: %v", at, err)
			}
		} else {
			t.Logf("killed at write %d: profile gone, store keys left: %v", at, left)
			checkAndPrune(t, v, doomed.ID, left)
		}
		if got := keysOf(t, fs, doomed.ID); len(got) != 0 {
			t.Fatalf("killed at write %d: keys left after the next step: %v", at, got)
		}
		for _, s := range []string{"doomed-Old", "doomed-New", "doomed-Token"} {
			if got := decryptableWith(t, dir, s); len(got) != 0 {
				t.Fatalf("killed at write %d: %s still decrypts from %v", at, s, got)
			}
		}
		if got := tempFiles(t, dir); len(got) != 0 {
			t.Fatalf("killed at write %d: temp files left: %v", at, got)
		}
	}
}

// unlistable hides a store's listing, as the OS keyring has none: orphans must then be
// found under the IDs oat recorded while adding or removing.
type unlistable struct{ SecretStore }

// checkAndPrune asserts that the orphans of the removed profile id are exactly the keys
// left, whether or not the store can list its keys, and that pruning deletes them.
func checkAndPrune(t *testing.T, v *Vault, id string, left []string) {
	t.Helper()
	ctx := context.Background()
	keyringLike := Open(v.Dir, unlistable{v.Secrets})
	for _, w := range []*Vault{v, keyringLike} {
		d, err := w.FindDebris(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(d.Orphans, " ") != strings.Join(left, " ") || len(d.NoSecret) != 0 {
			t.Fatalf("store %T: orphans %v (want %v), without secret %v", w.Secrets, d.Orphans, left, d.NoSecret)
		}
		if len(left) > 0 && strings.Join(d.OrphanIDs(), " ") != id {
			t.Fatalf("orphan ids %v, want %s", d.OrphanIDs(), id)
		}
	}
	if _, err := keyringLike.PruneOrphans(ctx); err != nil {
		t.Fatal(err)
	}
	d, err := v.FindDebris(ctx)
	if err != nil || len(d.Orphans) != 0 || len(d.pending) != 0 {
		t.Fatalf("after prune: %+v %v", d, err)
	}
	if doc, err := v.Profiles.loadDoc(); err != nil || len(doc.Pending) != 0 {
		t.Fatalf("pending ids left: %v %v", doc, err)
	}
}

// `add` killed at each of its writes: the profile is either whole (with its secret) or
// absent, and a secret stored for an absent profile is found as an orphan even by a store
// that cannot list its keys (the keyring), then pruned.
func TestAddKilledAtEveryWrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for at := 1; ; at++ {
		dir := t.TempDir()
		setUpDoomed(t, dir)
		if !runKilled(t, dir, "add fresh fresh-Secret", at) {
			if at < 3 {
				t.Fatalf("add finished after %d writes", at-1)
			}
			break
		}
		v, fs := debrisVault(dir)
		ps, err := v.List()
		if err != nil {
			t.Fatal(err)
		}
		if Find(ps, "fresh") >= 0 {
			t.Fatalf("killed at write %d: the profile was written", at)
		}
		doc, err := v.Profiles.loadDoc()
		if err != nil {
			t.Fatal(err)
		}
		// What is left is judged from the whole store, not from what oat recorded.
		var id string
		var left []string
		for _, k := range keysOf(t, fs, "") {
			if owner, ok := keyOwner(k); ok && !slices.ContainsFunc(ps, func(p Profile) bool { return p.ID == owner }) {
				id, left = owner, append(left, k)
			}
		}
		t.Logf("killed at write %d: pending %v, keys left %v", at, doc.Pending, left)
		checkAndPrune(t, v, id, left)
		// The name is free again; this add writes every file, so no temp file survives it.
		if _, err := v.Add(ctx, Profile{Name: "fresh", TokenURL: "https://a.example/token", ClientID: "c", AuthMethod: oauth.AuthPost}, "s2"); err != nil {
			t.Fatal(err)
		}
		if got := decryptableWith(t, dir, "fresh-Secret"); len(got) != 0 {
			t.Fatalf("killed at write %d: the secret of the profile never added decrypts from %v", at, got)
		}
		if got := tempFiles(t, dir); len(got) != 0 {
			t.Fatalf("killed at write %d: temp files left: %v", at, got)
		}
	}
}

// Adding and removing hold the pending lock shared for their whole window, so a prune
// (which takes it exclusive) can never delete the secret of an add still running; two
// adds do not exclude each other.
func TestAddAndRemoveHoldThePendingLock(t *testing.T) {
	t.Parallel()
	v, _, _ := newTestVault(t)
	ctx := context.Background()
	var probes []string
	v.Profiles.hook = func(string) {
		lk := flock.New(filepath.Join(v.Dir, "pending.lock"))
		defer lk.Close()
		ex, _ := lk.TryLock()
		if ex {
			_ = lk.Unlock()
		}
		sh, _ := lk.TryRLock()
		probes = append(probes, fmt.Sprintf("exclusive=%v shared=%v", ex, sh))
	}
	mustAdd(t, v, "a", "s")
	if err := v.Remove(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if len(probes) != 4 { // add: pending, profile; rm: profile, pending
		t.Fatalf("probes %v", probes)
	}
	for _, p := range probes {
		if p != "exclusive=false shared=true" {
			t.Fatalf("during a write of add or rm: %s", p)
		}
	}
}

// A profile whose secret is gone from the store (deleted outside oat, or left so by a
// killed rm of an older oat) is reported, and never pruned; keys that are not oat's
// profile keys are not orphans.
func TestFindDebrisProfileWithoutSecret(t *testing.T) {
	t.Parallel()
	v, store, _ := newTestVault(t)
	ctx := context.Background()
	lost := mustAdd(t, v, "lost", "s")
	mustAdd(t, v, "fine", "s")
	_ = store.Set(ctx, "init", "x")
	_ = store.Delete(ctx, secretKey(lost.ID))
	_ = store.Set(ctx, tokenKey(lost.ID), "t")
	for _, w := range []*Vault{v, Open(v.Dir, unlistable{store})} {
		d, err := w.PruneOrphans(ctx)
		if err != nil || len(d.Orphans) != 0 || len(d.NoSecret) != 1 || d.NoSecret[0].Name != "lost" {
			t.Fatalf("%T: %+v %v", w.Secrets, d, err)
		}
	}
	if _, err := store.Get(ctx, tokenKey(lost.ID)); err != nil {
		t.Fatal("the token of a profile without secret was pruned")
	}
}
