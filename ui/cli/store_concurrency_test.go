package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/oatcli/oat/oauth/oauthtest"
	"github.com/oatcli/oat/vault"
)

// Real processes, not goroutines, on one config directory with the file store: what the
// file lock, the per-entry files and the unlock cache must survive together.

// runConcurrently runs n workers at once; each calls fn(worker) and returns a failure
// text or "".
func runConcurrently(n int, fn func(w int) string) []string {
	var wg sync.WaitGroup
	fails := make([]string, n)
	for w := range n {
		wg.Add(1)
		go func() { defer wg.Done(); fails[w] = fn(w) }()
	}
	wg.Wait()
	var out []string
	for _, f := range fails {
		if f != "" {
			out = append(out, f)
		}
	}
	return out
}

// storeEnv is a procEnv on the file store, or on the session's Secret Service (skipped
// without one unless OAT_REQUIRE_KEYRING=1, as in .ci/run). Keyring entries the test
// made are deleted when it ends.
func storeEnv(t *testing.T, kind string) (*procEnv, vault.SecretStore) {
	t.Helper()
	e := newProcEnv(t)
	if kind == "file" {
		return e, &vault.FileStore{Path: filepath.Join(e.dir, "secrets.age"), Passphrase: func() (string, error) { return "pw", nil }}
	}
	k := vault.NewKeyringStore()
	if _, err := k.Get(context.Background(), "oat-test-probe"); err != nil && !errors.Is(err, vault.ErrNotFound) {
		if os.Getenv("OAT_REQUIRE_KEYRING") == "1" {
			t.Fatalf("OAT_REQUIRE_KEYRING=1 but the Secret Service does not answer: %v", err)
		}
		t.Skipf("no Secret Service: %v", err)
	}
	e.vars["OAT_STORE"] = "keyring"
	for _, v := range []string{"DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"} {
		if x := os.Getenv(v); x != "" {
			e.vars[v] = x
		}
	}
	t.Cleanup(func() {
		ps, _ := vault.Open(e.dir, k).List()
		for _, p := range ps {
			for _, kind := range []string{"secret", "token", "staged", "previous"} {
				_ = k.Delete(context.Background(), p.ID+"/"+kind)
			}
		}
	})
	return e, k
}

// 8 processes at a time, 25 `oat add` each: all 200 succeed and nothing is lost.
func TestConcurrentAdds(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"file", "keyring"} {
		t.Run(kind, func(t *testing.T) { t.Parallel(); concurrentAdds(t, kind) })
	}
}

func concurrentAdds(t *testing.T, kind string) {
	e, store := storeEnv(t, kind)
	const workers, each = 8, 25
	fails := runConcurrently(workers, func(w int) string {
		for i := range each {
			secret := fmt.Sprintf("add-Secret-%d-%d", w, i)
			cmd := exec.Command(e.bin, "add", fmt.Sprintf("p-%d-%d", w, i), "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", fmt.Sprintf("c-%d-%d", w, i))
			cmd.Env, cmd.Dir = e.environ(), e.home
			cmd.Stdin = strings.NewReader(secret + "\n")
			if out, err := cmd.CombinedOutput(); err != nil {
				return fmt.Sprintf("worker %d add %d: %v: %s", w, i, err, out)
			}
		}
		return ""
	})
	if len(fails) > 0 {
		t.Fatalf("%d workers failed; first: %s", len(fails), fails[0])
	}
	v := vault.Open(e.dir, store)
	ps, err := v.List()
	if err != nil || len(ps) != workers*each {
		t.Fatalf("%d profiles after %d adds: %v", len(ps), workers*each, err)
	}
	for _, p := range ps {
		var w, i int
		fmt.Sscanf(p.Name, "p-%d-%d", &w, &i)
		got, err := v.Secret(context.Background(), p)
		if err != nil || got != fmt.Sprintf("add-Secret-%d-%d", w, i) {
			t.Fatalf("secret of %s: %v", p.Name, err)
		}
		e.secrets = append(e.secrets, got)
	}
	e.noSecretOnDisk()
}

// 16 concurrent `oat token --force` on one profile: each fetches and prints a token.
func TestConcurrentForcedTokens(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"file", "keyring"} {
		t.Run(kind, func(t *testing.T) { t.Parallel(); concurrentForcedTokens(t, kind) })
	}
}

func concurrentForcedTokens(t *testing.T, kind string) {
	e, _ := storeEnv(t, kind)
	e.add("gen", "gen-id", "gen-Secret+/=1", oauthtest.Generic)
	if r := e.run("", "lock"); r.code != 0 { // every process may have to unlock at once
		t.Fatal(r.err)
	}
	before := e.srv.TokenRequests()
	tokens := make([]string, 16)
	fails := runConcurrently(16, func(w int) string {
		cmd := exec.Command(e.bin, "token", "gen", "--force")
		cmd.Env, cmd.Dir = e.environ(), e.home
		out, err := cmd.Output()
		if err != nil {
			var stderr string
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = string(ee.Stderr)
			}
			return fmt.Sprintf("process %d: %v: %s", w, err, stderr)
		}
		tokens[w] = strings.TrimSpace(string(out))
		return ""
	})
	if len(fails) > 0 {
		t.Fatalf("%d of 16 failed; first: %s", len(fails), fails[0])
	}
	for w, tok := range tokens {
		if !strings.HasPrefix(tok, "eyJ") {
			t.Fatalf("process %d printed %q", w, tok)
		}
	}
	if got := e.srv.TokenRequests() - before; got != 16 {
		t.Fatalf("%d token requests for 16 --force", got)
	}
	if r := e.run("", "token", "gen"); r.code != 0 || !strings.HasPrefix(r.out, "eyJ") || e.srv.TokenRequests()-before != 16 {
		t.Fatalf("cached token after the burst: %d %s", r.code, r.err)
	}
	e.secrets = append(e.secrets, tokens...)
	e.noSecretOnDisk()
}

// The passphrase is needed once: a wrong one is refused and not cached, the right one
// unlocks the store for later processes that have no passphrase at all, and `oat lock`
// forgets it. Where there is no unlock cache, lock --status says so and the test stops.
func TestUnlockOnceThenLock(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	e.add("gen", "gen-id", "gen-Secret+/=1", oauthtest.Generic)
	e.vars["OAT_UNLOCK_IDLE"] = "soon"
	if r := e.run("", "lock", "--status"); r.code != ExitUsage || !strings.Contains(r.err, "OAT_UNLOCK_IDLE") {
		t.Fatalf("a bad OAT_UNLOCK_IDLE: %d %q", r.code, r.err)
	}
	e.vars["OAT_UNLOCK_IDLE"] = "2m"
	r := e.run("", "lock")
	if r.code != 0 || !strings.Contains(r.out, "unlock cache: ") {
		t.Fatalf("lock: %d %q %q", r.code, r.out, r.err)
	}
	if !strings.Contains(r.out, "kernel keyring") {
		if !strings.Contains(r.out, "unlock cache: none (") {
			t.Fatalf("lock does not name the cache: %s", r.out)
		}
		t.Skipf("no unlock cache here: %s", r.out)
	}
	noPass := func(args ...string) procResult {
		t.Helper()
		e.vars["OAT_PASSPHRASE"] = ""
		defer delete(e.vars, "OAT_PASSPHRASE")
		return e.run("", args...)
	}
	if r := noPass("token", "gen", "--force"); r.code != ExitStore || !strings.Contains(r.err, "OAT_PASSPHRASE") {
		t.Fatalf("locked, without a passphrase: %d %q", r.code, r.err)
	}
	e.vars["OAT_PASSPHRASE"] = "wrong"
	if r := e.run("", "token", "gen", "--force"); r.code != ExitStore || !strings.Contains(r.err, "wrong passphrase") {
		t.Fatalf("wrong passphrase: %d %q", r.code, r.err)
	}
	if r := noPass("token", "gen", "--force"); r.code != ExitStore {
		t.Fatalf("a wrong passphrase unlocked the store: %d %q", r.code, r.err)
	}
	delete(e.vars, "OAT_PASSPHRASE") // the right one, "pw"
	if r := e.run("", "unlock"); r.code != 0 || !strings.Contains(r.out, "unlocked") {
		t.Fatalf("unlock: %d %q %q", r.code, r.out, r.err)
	}
	for range 2 {
		if r := noPass("token", "gen", "--force"); r.code != 0 || !strings.HasPrefix(r.out, "eyJ") {
			t.Fatalf("unlocked, without a passphrase: %d %q", r.code, r.err)
		}
	}
	if r := noPass("lock", "--status"); !strings.Contains(r.out, ": unlocked") || !strings.Contains(r.out, "kernel keyring") {
		t.Fatalf("lock --status: %q", r.out)
	}
	if r := noPass("doctor"); !strings.Contains(r.out, "unlock cache  Linux kernel keyring") || !strings.Contains(r.out, "; unlocked") {
		t.Fatalf("doctor does not name the unlock cache:\n%s", r.out)
	}
	if r := noPass("lock"); r.code != 0 {
		t.Fatalf("lock: %d %q", r.code, r.err)
	}
	if r := noPass("lock", "--status"); !strings.Contains(r.out, ": locked") {
		t.Fatalf("lock --status after lock: %q", r.out)
	}
	if r := noPass("token", "gen", "--force"); r.code != ExitStore {
		t.Fatalf("still unlocked after oat lock: %d %q", r.code, r.err)
	}
	if r := noPass("doctor"); r.code != 0 || !strings.Contains(r.out, "the store is locked") {
		t.Fatalf("doctor on a locked store: %d\n%s%s", r.code, r.out, r.err)
	}
	// The cached token went with the key: it is a credential too.
	if r := noPass("token", "gen"); r.code != ExitStore {
		t.Fatalf("a cached token still handed out after oat lock: %d %q", r.code, r.out)
	}
	e.noSecretOnDisk()
}

// Under the keyring store a secret is read from the Secret Service once, then kept in
// the unlock cache: a later process fetches a token with no D-Bus at all (the bus
// address points nowhere), until oat lock forgets the copy, or with the cache turned off.
func TestKeyringSecretReadOnceThenWithoutDBus(t *testing.T) {
	t.Parallel()
	e, _ := storeEnv(t, "keyring")
	e.add("gen", "gen-id", "gen-Secret+/=1", oauthtest.Generic)
	if r := e.run("", "lock"); r.code != 0 || !strings.Contains(r.out, "unlock cache: ") {
		t.Fatalf("lock: %d %q %q", r.code, r.out, r.err)
	}
	if r := e.run("", "lock", "--status"); !strings.Contains(r.out, "kernel keyring") {
		t.Skipf("no unlock cache here: %s", r.out)
	} else if !strings.Contains(r.out, "0 profiles' secrets kept") {
		t.Fatalf("lock --status after lock: %q", r.out)
	}
	if r := e.run("", "token", "gen", "--force"); r.code != 0 {
		t.Fatalf("token with the keyring: %d %q", r.code, r.err)
	}
	bus := e.vars["DBUS_SESSION_BUS_ADDRESS"]
	e.vars["DBUS_SESSION_BUS_ADDRESS"] = "unix:path=" + filepath.Join(e.dir, "no-bus")
	for range 2 {
		if r := e.run("", "token", "gen", "--force"); r.code != 0 || !strings.HasPrefix(r.out, "eyJ") {
			t.Fatalf("the secret read before was not kept: %d %q", r.code, r.err)
		}
	}
	if r := e.run("", "lock", "--status"); !strings.Contains(r.out, "1 profiles' secrets kept") {
		t.Fatalf("lock --status: %q", r.out)
	}
	if r := e.run("", "doctor"); !strings.Contains(r.out, "unlock cache  Linux kernel keyring") || !strings.Contains(r.out, "1 profiles' secrets kept") {
		t.Fatalf("doctor does not name the keyring's unlock cache:\n%s%s", r.out, r.err)
	}
	e.vars["OAT_UNLOCK_IDLE"] = "0"
	if r := e.run("", "token", "gen", "--force"); r.code != ExitStore {
		t.Fatalf("with the cache turned off the keyring was not asked: %d %q", r.code, r.err)
	}
	delete(e.vars, "OAT_UNLOCK_IDLE")
	if r := e.run("", "lock"); r.code != 0 || !strings.Contains(r.out, "copies of keyring secrets") {
		t.Fatalf("lock: %d %q %q", r.code, r.out, r.err)
	}
	if r := e.run("", "token", "gen", "--force"); r.code != ExitStore {
		t.Fatalf("oat lock left the secret usable without the keyring: %d %q", r.code, r.err)
	}
	e.vars["DBUS_SESSION_BUS_ADDRESS"] = bus
	if r := e.run("", "token", "gen", "--force"); r.code != 0 {
		t.Fatalf("token after lock, with the keyring: %d %q", r.code, r.err)
	}
	e.noSecretOnDisk()
}
