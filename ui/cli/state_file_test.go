package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oatcli/oat/oauth/oauthtest"
)

// A broken or oversized state.toml (a cache) neither locks out `oat ls` nor `oat token`:
// it is set aside with one warning on stderr naming it, and the token still comes.
func TestBrokenStateFileIsSetAsideByTheCLI(t *testing.T) {
	t.Parallel()
	for name, data := range map[string][]byte{
		"broken": []byte("schema = 1\n[token\n"),
		"huge":   append([]byte("schema = 1\n"), bytes.Repeat([]byte("# padding\n"), 2<<20)...), // 20 MiB
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newProcEnv(t)
			e.add("eds", "eds-client", "eds-secret-value-1234", oauthtest.Generic)
			state := filepath.Join(e.dir, "state.toml")
			if err := os.WriteFile(state, data, 0o600); err != nil {
				t.Fatal(err)
			}
			r := e.run("", "ls")
			if r.code != 0 || !strings.Contains(r.out, "eds") {
				t.Fatalf("ls: %d\n%s\n%s", r.code, r.out, r.err)
			}
			aside, _ := filepath.Glob(state + ".broken-*")
			if len(aside) != 1 {
				t.Fatalf("want one set-aside file, got %v", aside)
			}
			if strings.Count(r.err, "warning") != 1 || !strings.Contains(r.err, state) || !strings.Contains(r.err, filepath.Base(aside[0])) {
				t.Fatalf("want one warning naming %s and %s, got:\n%s", state, aside[0], r.err)
			}
			if strings.Contains(r.err, "cannot read the profiles") {
				t.Fatal(r.err)
			}
			// The next command finds an empty state: no warning, and a token.
			r = e.run("", "token", "eds")
			if r.code != 0 || strings.TrimSpace(r.out) == "" || r.err != "" {
				t.Fatalf("token: %d\n%s\n%s", r.code, r.out, r.err)
			}
			if _, err := os.Stat(state); err != nil {
				t.Fatalf("the state file was not written anew: %v", err)
			}
		})
	}
}
