//go:build unix

package cli

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gofrs/flock"

	"github.com/oatcli/oat/oauth/oauthtest"
	"github.com/oatcli/oat/vault"
)

// killRmMidway runs a real `oat rm NAME` and kills it with SIGKILL at its most dangerous
// point: the profile is gone from profiles.toml and the secrets are not yet deleted. The
// test holds the secrets file's lock, so rm waits there until it is killed (or gives up
// waiting; the files are left the same either way).
func killRmMidway(t *testing.T, e *procEnv, name string) {
	t.Helper()
	lk := flock.New(filepath.Join(e.dir, "secrets.lock"))
	if ok, err := lk.TryLock(); !ok || err != nil {
		t.Fatalf("lock the secrets file: %v %v", ok, err)
	}
	defer lk.Unlock()
	cmd := exec.Command(e.bin, "rm", name, "--yes")
	cmd.Env, cmd.Dir = e.environ(), e.home
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for {
		data, err := os.ReadFile(filepath.Join(e.dir, "profiles.toml"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), "'"+name+"'") {
			break // the profile is gone: rm is at the secrets
		}
		select {
		case err := <-done:
			t.Fatalf("rm ended before removing the profile: %v", err)
		case <-time.After(time.Millisecond): // poll again; no result depends on this
		}
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-done
}

// A killed `oat rm` leaves the removed profile's secrets in the store: `oat check` names
// them and says how to delete them, `oat check --prune` deletes them. A profile whose
// secret has gone from the store is named with what to do. The usual table and summary
// are unchanged, and --json output stays one JSON array.
func TestCheckReportsWhatAKilledRmLeft(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	e.add("gen", "gen-id", "gen-Secret+/=1", oauthtest.Generic)
	e.add("doomed", "doomed-id", "doomed-Secret+/=1", oauthtest.Generic)
	e.add("lost", "lost-id", "lost-Secret+/=1", oauthtest.Generic)
	if r := e.run("", "token", "doomed"); r.code != 0 { // a cached token is one more secret left
		t.Fatalf("token: %d %s", r.code, r.err)
	}
	// The secret of "lost" disappears from the store outside oat (or by a killed rm of an
	// older oat, which deleted secrets before the profile).
	fs := &vault.FileStore{Path: filepath.Join(e.dir, "secrets.age"), Passphrase: func() (string, error) { return "pw", nil }}
	v := vault.Open(e.dir, fs)
	lost, err := v.Get("lost")
	if err != nil {
		t.Fatal(err)
	}
	doomed, err := v.Get("doomed")
	if err != nil {
		t.Fatal(err)
	}
	if err := fs.Delete(context.Background(), lost.ID+"/secret"); err != nil {
		t.Fatal(err)
	}

	states, err := v.TokenStates()
	if err != nil {
		t.Fatal(err)
	}
	inKernel := states[doomed.ID].Cache == vault.KeyctlCacheName // else in the store

	killRmMidway(t, e, "doomed")

	if r := e.run("", "ls"); strings.Contains(r.out, "doomed") {
		t.Fatalf("the killed rm left the profile: %s", r.out)
	}
	wantOrphan := "⚠ orphan secrets: 2 entries (secret, token) of a removed profile (id " + doomed.ID + ") are still in the file store; delete them with: oat check --prune"
	wantPruned := "✓ deleted 2 orphan secret entries (secret, token) of a removed profile (id " + doomed.ID + ")"
	if inKernel {
		// The token is in the kernel keyring, which forgets it at its expiry.
		wantOrphan = "⚠ orphan secrets: 1 entry (secret) of a removed profile (id " + doomed.ID + ") is still in the file store; delete them with: oat check --prune"
		wantPruned = "✓ deleted 1 orphan secret entry (secret) of a removed profile (id " + doomed.ID + ")"
	}
	wantLost := "⚠ lost: its client secret is missing from the file store; set it with: oat edit lost --replace-secret (or remove the profile: oat rm lost)"
	r := e.run("", "check")
	if r.code == 0 || !strings.Contains(r.out, "2 checked, 1 ok, 1 failed") {
		t.Fatalf("check: %d\n%s%s", r.code, r.out, r.err)
	}
	if !strings.Contains(r.out, wantOrphan) || !strings.Contains(r.out, wantLost) {
		t.Fatalf("check does not report the debris:\n%s%s", r.out, r.err)
	}
	r = e.run("", "check", "--json")
	var rows []map[string]any
	if err := json.Unmarshal([]byte(r.out), &rows); err != nil || len(rows) != 2 {
		t.Fatalf("check --json stdout is not the rows: %v\n%s", err, r.out)
	}
	if !strings.Contains(r.err, wantOrphan) || !strings.Contains(r.err, wantLost) {
		t.Fatalf("check --json does not report the debris on stderr:\n%s", r.err)
	}

	r = e.run("", "check", "--prune")
	if !strings.Contains(r.out, wantPruned) || !strings.Contains(r.out, wantLost) {
		t.Fatalf("check --prune:\n%s%s", r.out, r.err)
	}
	if r := e.run("", "check"); strings.Contains(r.out, "orphan") {
		t.Fatalf("orphans left after --prune:\n%s", r.out)
	}
	if r := e.run("", "check", "--prune", "gen"); r.code != ExitUsage {
		t.Fatalf("--prune with names: %d %s", r.code, r.err)
	}
	if r := e.run("", "rm", "lost", "--yes"); r.code != 0 {
		t.Fatalf("rm of a profile without its secret: %d %s", r.code, r.err)
	}
	if r := e.run("", "check"); r.code != 0 || strings.Contains(r.out, "⚠") {
		t.Fatalf("after the fixes:\n%d %s%s", r.code, r.out, r.err)
	}
	e.noSecretOnDisk()
}
