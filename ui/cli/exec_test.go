package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oatcli/oat/oauth/oauthtest"
)

// childEnvOf parses `env` output into its variables.
func childEnvOf(t *testing.T, out string) map[string]string {
	t.Helper()
	vars := map[string]string{}
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("env printed %q", line)
		}
		vars[k] = v
	}
	return vars
}

// TestBinaryExecChildGetsNoOatSecret runs the real oat exec with env as the child: the
// file store's passphrase and every other OAT_ variable that is not a known harmless
// setting (an earlier `oat env`'s token, one added in a later version) must be gone,
// the settings that let an oat inside the child find the same profiles stay, and the
// token variable holds this profile's token, not one inherited.
func TestBinaryExecChildGetsNoOatSecret(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	e.add("gen", "gen-id", "gen-Secret+/=1", oauthtest.Generic)
	e.vars["OAT_ACCESS_TOKEN"] = "stale-token-of-another-profile"
	e.vars["OAT_CLIENT_ID"] = "other-id"
	e.vars["OAT_FUTURE_SECRET"] = "future-secret-value"
	e.vars["oat_passphrase"] = "lower-case-passphrase"
	e.vars["OAT_THEME"] = "solarized"
	e.vars["KEEP_ME"] = "kept"
	tok := strings.TrimSpace(e.run("", "token", "gen").out)

	for _, c := range []struct {
		varName string
		args    []string
	}{
		{"OAT_ACCESS_TOKEN", []string{"exec", "gen", "--", "env"}},
		{"API_TOKEN", []string{"exec", "gen", "--var", "API_TOKEN", "--", "env"}},
	} {
		r := e.run("", c.args...)
		if r.code != 0 {
			t.Fatalf("%v: %d %s", c.args, r.code, r.err)
		}
		got := childEnvOf(t, r.out)
		for k, v := range got {
			if up := strings.ToUpper(k); strings.HasPrefix(up, "OAT_") && up != "OAT_CONFIG_DIR" && up != "OAT_STORE" && up != "OAT_THEME" && k != c.varName {
				t.Errorf("%v: the child got %s=%s", c.args, k, v)
			}
		}
		for _, v := range []string{"pw", "stale-token-of-another-profile", "future-secret-value", "lower-case-passphrase"} {
			for k, val := range got {
				if val == v {
					t.Errorf("%v: the child got %s=%s", c.args, k, val)
				}
			}
		}
		if got[c.varName] != tok || got["OAT_CONFIG_DIR"] != e.dir || got["OAT_STORE"] != "file" || got["OAT_THEME"] != "solarized" || got["KEEP_ME"] != "kept" {
			t.Errorf("%v: the child's environment lacks what it should keep:\n%s", c.args, r.out)
		}
	}
}

// TestBinaryExecRefusesBadVarNames: --var must be a variable name, and not one that the
// dynamic loader, a shell or oat reads as a path, code or setting; the command never runs.
func TestBinaryExecRefusesBadVarNames(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	e.add("gen", "gen-id", "gen-Secret+/=1", oauthtest.Generic)
	marker := filepath.Join(t.TempDir(), "ran")
	for _, name := range []string{"", "1X", "A-B", "A=B", "A B", "X;Y", "PATH", "LD_PRELOAD", "ld_preload", "LD_LIBRARY_PATH", "DYLD_INSERT_LIBRARIES",
		"BASH_ENV", "ENV", "IFS", "HOME", "NODE_OPTIONS", "OAT_PASSPHRASE", "OAT_CONFIG_DIR"} {
		r := e.run("", "exec", "gen", "--var", name, "--", "touch", marker)
		if r.code != ExitUsage || !strings.Contains(r.err, "--var") {
			t.Errorf("--var %q: want a usage error about --var, got %d %q", name, r.code, r.err)
		}
		if _, err := os.Stat(marker); err == nil {
			t.Errorf("--var %q: the command ran", name)
			_ = os.Remove(marker)
		}
	}
	if r := e.run("", "exec", "gen", "--var", "my_token2", "--", "touch", marker); r.code != 0 {
		t.Fatalf("--var my_token2: %d %s", r.code, r.err)
	}
}
