package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oatcli/oat/oauth/oauthtest"
	"github.com/oatcli/oat/vault"
)

// Tests that must see oat as an attacker would — a real process, its real stdout and
// stderr, the real files it leaves — run the built binary. It is built once per test run.

var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// oatBinary returns the path of a freshly built oat.
func oatBinary(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "oat-bin-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "oat")
		cmd := exec.Command("go", "build", "-o", binPath, "github.com/oatcli/oat")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			binErr = errors.New("go build: " + err.Error() + "\n" + out.String())
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// procEnv is a config directory shared by real oat processes, with the file store (at a
// low work factor, so tests stay fast) and a demo server on loopback.
type procEnv struct {
	t   testing.TB
	bin string
	srv *oauthtest.Server
	dir string
	// home is $HOME for the processes (empty, so nothing of the user's leaks in).
	home string
	// vars are extra environment variables.
	vars map[string]string
	// secrets are checked against every output and every file under dir.
	secrets []string
}

type procResult struct {
	out, err string
	code     int
}

func newProcEnv(t testing.TB) *procEnv {
	t.Helper()
	srv, err := oauthtest.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	e := &procEnv{t: t, bin: oatBinary(t), srv: srv, dir: t.TempDir(), home: t.TempDir(), vars: map[string]string{}}
	fs := &vault.FileStore{Path: filepath.Join(e.dir, "secrets.age"), WorkFactor: 10, Passphrase: func() (string, error) { return "pw", nil }}
	if err := fs.Set(context.Background(), "init", "x"); err != nil {
		t.Fatal(err)
	}
	// The processes cache the unlocked key in the kernel keyring (where there is one):
	// forget it when the test ends rather than leave it for its idle time.
	e.vars["OAT_UNLOCK_IDLE"] = "2m"
	// A temporary directory of the test's own: what a process killed at the test's end
	// leaves there (a demo's directory) goes with the test.
	e.vars["TMPDIR"] = t.TempDir()
	t.Cleanup(func() {
		cmd := exec.Command(e.bin, "lock")
		cmd.Env, cmd.Dir = e.environ(), e.home
		_ = cmd.Run()
	})
	return e
}

// environ is the whole environment of an oat process: nothing inherited but PATH.
func (e *procEnv) environ() []string {
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + e.home, "OAT_CONFIG_DIR=" + e.dir,
		"OAT_STORE=file", "OAT_PASSPHRASE=pw", "NO_COLOR=1", "TERM=dumb"}
	for k, v := range e.vars {
		env = append(env, k+"="+v)
	}
	return env
}

// run starts oat with args and stdin, and fails the test if any output holds a secret.
func (e *procEnv) run(stdin string, args ...string) procResult {
	e.t.Helper()
	// A bound so a hang fails the test instead of stalling it; not a timing assertion.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, e.bin, args...)
	cmd.Env = e.environ()
	cmd.Dir = e.home
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := procResult{out: out.String(), err: errb.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		e.t.Fatalf("run oat %v: %v", args, err)
	}
	if ctx.Err() != nil {
		e.t.Fatalf("oat %v did not finish: %s", args, r.err)
	}
	e.noSecretIn("oat "+strings.Join(args, " "), r.out+r.err)
	return r
}

// noSecretIn fails the test if text holds any of the env's secrets in any form oat sends.
func (e *procEnv) noSecretIn(where, text string) {
	e.t.Helper()
	for _, s := range e.secrets {
		for _, form := range secretForms(s) {
			if strings.Contains(text, form) {
				e.t.Fatalf("%s: holds a secret (as %q):\n%s", where, form, text)
			}
		}
	}
}

// noSecretOnDisk fails the test if any file under the config dir holds a secret.
func (e *procEnv) noSecretOnDisk() {
	e.t.Helper()
	_ = filepath.Walk(e.dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		data, _ := os.ReadFile(p)
		e.noSecretIn(p, string(data))
		return nil
	})
}

// add adds a profile whose client is registered on the server with secret.
func (e *procEnv) add(name, id, secret string, f oauthtest.Flavour, extra ...string) procResult {
	e.t.Helper()
	e.srv.AddClient(oauthtest.Client{ID: id, Flavour: f, Secrets: []string{secret}, Scopes: []string{"api/read", "api/write"}})
	e.secrets = append(e.secrets, secret)
	e.secrets = append(e.secrets, basicForms(id, secret)...)
	args := append([]string{"add", name, "--token-url", e.srv.TokenURL(f), "--client-id", id, "--api-url", e.srv.APIBaseURL(f)}, extra...)
	r := e.run(secret+"\n", args...)
	if r.code != 0 {
		e.t.Fatalf("add %s: %d %s", name, r.code, r.err)
	}
	return r
}

// secretForms are the forms in which oat sends a secret: raw and form- or path-encoded.
func secretForms(s string) []string {
	return []string{s, url.QueryEscape(s), url.PathEscape(s)}
}

// basicForms are the Basic credentials of id and secret, encoded both ways oat can send
// them, with and without base64 padding.
func basicForms(id, secret string) []string {
	var out []string
	for _, pair := range []string{url.QueryEscape(id) + ":" + url.QueryEscape(secret), id + ":" + secret} {
		b := base64.StdEncoding.EncodeToString([]byte(pair))
		out = append(out, b, strings.TrimRight(b, "="))
	}
	return out
}

func TestBinaryRuns(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	e.add("gen", "gen-id", "gen-Secret+/=1", oauthtest.Generic)
	r := e.run("", "token", "gen")
	if r.code != 0 || !strings.HasPrefix(r.out, "eyJ") {
		t.Fatalf("token: %d %q %q", r.code, r.out, r.err)
	}
	e.noSecretOnDisk()
}
