//go:build unix

package vault

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
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
		_, err = v.Add(ctx, Profile{Name: op[1], TokenURL: "https://a.example/token", ClientID: "c", AuthMethod: AuthPost}, op[2])
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

// decryptableWith lists the files in dir (temp files included) that decrypt with the
// passphrase and hold value.
func decryptableWith(t *testing.T, dir, value string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		m, err := decryptSecrets(e.Name(), data, debrisPass)
		if err != nil {
			continue
		}
		for _, v := range m {
			if strings.Contains(v, value) {
				out = append(out, e.Name())
				break
			}
		}
	}
	return out
}

// tempFiles lists oat's temp files in dir.
func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp-") {
			out = append(out, e.Name())
		}
	}
	return out
}

// A process killed while rewriting secrets.age leaves a temp file that decrypts with the
// passphrase. If the profile is then removed, that temp file is the last copy of the
// removed secret. The next write must delete it.
func TestKilledWriteTempFileIsCleanedByNextWrite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	v, _ := debrisVault(dir)
	ctx := context.Background()
	const removed = "removed-Secret-9f3"
	if _, err := v.Add(ctx, Profile{Name: "doomed", TokenURL: "https://a.example/token", ClientID: "c", AuthMethod: AuthPost}, removed); err != nil {
		t.Fatal(err)
	}
	// Caching a token rewrites secrets.age (with the secret in it): kill it there.
	if !runKilled(t, dir, "save-token doomed", 1) {
		t.Fatal("save-token wrote no file")
	}
	if got := decryptableWith(t, dir, removed); len(got) != 2 {
		t.Fatalf("want secrets.age and a killed temp file holding the secret, got %v", got)
	}
	v, _ = debrisVault(dir)
	if err := v.Remove(ctx, "doomed"); err != nil {
		t.Fatal(err)
	}
	if got := decryptableWith(t, dir, removed); len(got) != 0 {
		t.Fatalf("the removed secret still decrypts from %v", got)
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
