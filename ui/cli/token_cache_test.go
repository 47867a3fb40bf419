package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oatcli/oat/oauth/oauthtest"
	"github.com/oatcli/oat/vault"
	"github.com/oatcli/oat/vault/vaulttest"
)

// needKeyctl skips where the kernel keyring cannot be used (Docker's default seccomp
// profile, other systems).
func needKeyctl(t *testing.T) {
	t.Helper()
	c := vault.NewKeyctlCache(t.TempDir(), nil)
	if err := c.Available(); err != nil {
		t.Skipf("no kernel keyring here: %v", err)
	}
	// The per-user quota may be full of other tests' tokens (they expire with them).
	if err := c.Put("probe", make([]byte, 4096), time.Second); err != nil {
		t.Skipf("the kernel keyring refuses a token here: %v", err)
	}
	_ = c.Delete("probe")
}

// profileID reads the ID oat gave a profile.
func (e *procEnv) profileID(name string) string {
	e.t.Helper()
	p, err := vault.Open(e.dir, vault.NewMemoryStore()).Get(name)
	if err != nil {
		e.t.Fatal(err)
	}
	return p.ID
}

// The token cache survives across real processes: a second `oat token` is answered from
// the kernel keyring with no request, `oat ls --json` and `oat doctor` name the cache,
// and no file holds the token. The kernel forgets the token at its expiry.
func TestTokenCacheAcrossProcesses(t *testing.T) {
	needKeyctl(t)
	t.Parallel()
	e := newProcEnv(t)
	e.add("short", "short-client", "short-Secret-1", oauthtest.Keycloak, "--auth", "post")
	e.srv.SetLifetime("short-client", 3*time.Second)
	e.add("long", "long-client", "long-Secret-2", oauthtest.Keycloak, "--auth", "post")
	first := e.run("", "token", "long")
	if first.code != 0 {
		t.Fatalf("token: %d %s", first.code, first.err)
	}
	tok := strings.TrimSpace(first.out)
	reqs := e.srv.TokenRequests()
	for i := 0; i < 2; i++ {
		r := e.run("", "token", "long")
		if r.code != 0 || strings.TrimSpace(r.out) != tok {
			t.Fatalf("token from the cache: %d %q %s", r.code, r.out, r.err)
		}
	}
	if n := e.srv.TokenRequests() - reqs; n != 0 {
		t.Fatalf("%d token requests for a cached token", n)
	}
	var rows []map[string]any
	ls := e.run("", "ls", "--json")
	if err := json.Unmarshal([]byte(ls.out), &rows); err != nil {
		t.Fatal(err, ls.out)
	}
	for _, r := range rows {
		if r["name"] == "long" && r["token_cache"] != vault.KeyctlCacheName {
			t.Fatalf("ls --json row %v: want token_cache keyctl", r)
		}
	}
	doc := e.run("", "doctor", "--json")
	var rep map[string]any
	if err := json.Unmarshal([]byte(doc.out), &rep); err != nil || rep["token_cache"] != vault.KeyctlCacheName {
		t.Fatalf("doctor: %v %s %s", err, doc.out, doc.err)
	}
	// The token is in the kernel keyring, under the profile's ID and this config dir.
	c := vault.NewKeyctlCache(e.dir, nil)
	if b, err := c.Get(e.profileID("long")); err != nil || !bytes.Contains(b, []byte(tok)) {
		t.Fatalf("not in the kernel keyring: %v", err)
	}
	e.noSecretOnDisk()
	_ = filepath.Walk(e.dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			if data, _ := os.ReadFile(p); bytes.Contains(data, []byte(tok)) || bytes.Contains(data, []byte(tok[len(tok)-40:])) {
				t.Errorf("%s holds the token", p)
			}
		}
		return err
	})

	// A 3-second token: cached with a 3-second timeout, gone from the kernel after it.
	if r := e.run("", "token", "short", "--min-valid", "1s"); r.code != 0 {
		t.Skipf("a 3 s token with the 60 s margin: %d %s", r.code, r.err)
	}
	id := e.profileID("short")
	deadline := time.Now().Add(20 * time.Second) // a bound on the wait, not a timing assertion
	for {
		_, err := c.Get(id)
		if errors.Is(err, vault.ErrNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the short-lived token outlived its expiry in the kernel keyring: %v", err)
		}
		time.Sleep(250 * time.Millisecond)
	}
	c.Delete(e.profileID("long"))
}

// With keyctl refused, tokens are cached in the secret store, `oat ls --json` says
// "store" and `oat doctor` names the store and why keyctl is not used.
func TestTokenCacheFallbackNamed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "memory")
	e.add("eds", oauthtest.EDS)
	run := func(args ...string) result {
		var out, errb bytes.Buffer
		a := &App{In: strings.NewReader(""), Out: &out, Err: &errb, Getenv: func(k string) string { return e.vars[k] },
			IsTerminal: func(any) bool { return false }, Store: e.store, KeyOps: vaulttest.BlockedKeys{}}
		code := Execute(context.Background(), a, append([]string{"--config-dir", e.dir}, args...))
		return result{out: out.String(), err: errb.String(), code: code}
	}
	if r := run("token", "eds"); r.code != 0 {
		t.Fatalf("token: %d %s", r.code, r.err)
	}
	reqs := e.srv.TokenRequests()
	if r := run("token", "eds"); r.code != 0 || e.srv.TokenRequests() != reqs {
		t.Fatalf("not cached in the store: %d %s", r.code, r.err)
	}
	if _, err := e.store.Get(context.Background(), "x"); err == nil {
		t.Fatal("unexpected key")
	}
	r := run("ls", "--json")
	if !strings.Contains(r.out, `"token_cache": "store"`) {
		t.Fatalf("ls --json does not name the store cache:\n%s", r.out)
	}
	r = run("doctor")
	if !strings.Contains(r.out, "token cache   store") {
		t.Fatalf("doctor does not name the fallback:\n%s\n%s", r.out, r.err)
	}
	states, _ := vault.Open(e.dir, e.store).TokenStates()
	for _, st := range states {
		if st.Cached && st.Cache != "" {
			t.Fatalf("state names cache %q with keyctl blocked", st.Cache)
		}
	}
}

// TestTokenCacheCanBeTurnedOff: OAT_TOKEN_CACHE=store keeps tokens out of the user
// keyring (which every process of the user can read, containers of the same UID too).
func TestTokenCacheCanBeTurnedOff(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "memory")
	e.add("eds", oauthtest.EDS)
	e.vars["OAT_TOKEN_CACHE"] = "store"
	if r := e.run("", "token", "eds"); r.code != 0 {
		t.Fatalf("token: %d %s", r.code, r.err)
	}
	if r := e.run("", "ls", "--json"); !strings.Contains(r.out, `"token_cache": "store"`) {
		t.Fatalf("ls --json:\n%s", r.out)
	}
	if r := e.run("", "doctor"); !strings.Contains(r.out, "turned off by OAT_TOKEN_CACHE=store") && !strings.Contains(r.out, "token cache   store") {
		t.Fatalf("doctor:\n%s", r.out)
	}
	e.vars["OAT_TOKEN_CACHE"] = "kernel"
	if r := e.run("", "ls"); r.code != ExitUsage || !strings.Contains(r.err, "OAT_TOKEN_CACHE") {
		t.Fatalf("a bad value: %d %s", r.code, r.err)
	}
}
