package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/oatcli/oat/oauth"
)

// execOptions are oat exec's flags and arguments.
type execOptions struct {
	name     string
	command  []string
	varName  string
	force    bool
	minValid time.Duration
	mask     bool
}

func (a *App) execCmd() *cobra.Command {
	var o execOptions
	cmd := &cobra.Command{
		Use:   "exec NAME -- COMMAND [ARGS…]",
		Short: "Run a command with a valid token in an environment variable",
		Long: `Run a command with a valid token in its environment (OAT_ACCESS_TOKEN by default).
stdin, stdout and stderr are the command's own; SIGINT, SIGTERM and SIGHUP are passed
on, and oat exits with the command's exit code.

The command gets oat's environment without the OAT_ variables that can carry a secret:
only OAT_CONFIG_DIR, OAT_STORE, OAT_THEME, OAT_BACKGROUND and OAT_ROTATION_DAYS stay,
so OAT_PASSPHRASE (the file store's passphrase) and the tokens of an earlier oat env are
removed; an oat run inside the command asks for the passphrase again.

oat refreshes nothing while the command runs, and cannot retry for the command: if the
API rejects the token before its expiry (a provider revoked it), the command sees the 401.
Give a long-running command a token that lasts: --min-valid 30m fetches anew unless that
much is left, and fails (exit 1) when even a fresh token cannot live 30 minutes. Or fetch
a new one first with --force; a token an API rejected in oat call is never handed out
again. For a job longer than a token's life: oat token NAME --write FILE --watch, or
oat proxy NAME.

--mask replaces the token in the command's stdout and stderr with <oat:NAME token>, also
when it is written in pieces (oat holds back a possible start of the token until the
next write shows whether it is one). It keeps the token out of logs when a program prints
it by accident; it cannot stop one that means to leak it (split across stdout and
stderr, encoded, or written elsewhere: the command has the token). The command's output
is then a pipe, not the terminal: some programs buffer it or drop colours.

A command that is not found exits 127, one that cannot be run 126, as in a shell.
--var is a variable name (letters, digits, '_'), and not one that the dynamic loader, a
shell or oat reads as a path, code or setting (PATH, LD_*, BASH_ENV, OAT_PASSPHRASE, …).`,
		Example: `  oat exec eds -- sh -c 'printf "Authorization: Bearer %s" "$OAT_ACCESS_TOKEN" | curl -H @- https://api…'
  oat exec eds --var EDS_TOKEN -- ./sync.py
  oat exec eds --min-valid 30m -- ./long-job.sh
  oat exec eds --mask -- ./debug-job.sh   # the token never reaches the job's logs`,
		Args:              cobra.MinimumNArgs(1),
		ValidArgsFunction: a.completeProfiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.ArgsLenAtDash() != 1 || len(args) < 2 {
				if cmd.ArgsLenAtDash() == -1 && len(args) >= 2 {
					return usageErr(fmt.Errorf("put -- before the command: oat exec %s [flags] -- %s …", oauth.OneLine(args[0]), oauth.OneLine(args[1])))
				}
				return usageErr(fmt.Errorf("usage: oat exec NAME -- COMMAND [ARGS…]"))
			}
			o.name, o.command = args[0], args[1:]
			return a.runExec(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.varName, "var", "OAT_ACCESS_TOKEN", "name of the environment variable")
	cmd.Flags().BoolVarP(&o.force, "force", "f", false, "fetch a new token first")
	cmd.Flags().DurationVar(&o.minValid, "min-valid", 0, "the token must be valid for at least this long: a shorter-lived cached one is replaced, and a fresh one that cannot last so long is an error (exit 1)")
	cmd.Flags().BoolVar(&o.mask, "mask", false, "replace the token in the command's stdout and stderr with <oat:NAME token>")
	// `oat exec eds sh -c …` without --: cobra takes -c for one of oat's flags.
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageErr(fmt.Errorf("%w\n  if it is the command's flag, put -- before the command: oat exec NAME [flags] -- COMMAND [ARGS…]", err))
	})
	return cmd
}

func (a *App) runExec(ctx context.Context, o execOptions) error {
	if err := checkTokenVar(o.varName); err != nil {
		return usageErr(err)
	}
	// The command first: no token is fetched for a command that cannot run.
	path, err := exec.LookPath(o.command[0])
	if err != nil {
		code := ExitNotFound
		if errors.Is(err, fs.ErrPermission) {
			code = ExitCannotRun
		}
		return &exitError{code: code, err: fmt.Errorf("command %q: %w", oauth.OneLine(o.command[0]), err)}
	}
	_, res, err := a.lastingToken(ctx, o.name, o.force, o.minValid)
	if err != nil {
		return err
	}
	a.noteHandedBound(res)
	child := exec.Command(path, o.command[1:]...)
	child.Stdin, child.Stdout, child.Stderr = a.In, a.Out, a.Err
	child.Env = childEnv(os.Environ(), o.varName, res.Token.AccessToken)
	if !o.mask {
		return runChild(child, o.command[0])
	}
	repl := "<oat:" + oauth.OneLine(o.name) + " token>"
	out, errw := newMasker(a.Out, res.Token.AccessToken, repl), newMasker(a.Err, res.Token.AccessToken, repl)
	child.Stdout, child.Stderr = out, errw
	err = runChild(child, o.command[0])
	// Wait has copied all the output: what was held back is not the token.
	_ = out.Flush()
	_ = errw.Flush()
	return err
}

// The shell's exit codes for a command that could not be run.
const (
	ExitCannotRun = 126
	ExitNotFound  = 127
)

// masker replaces every occurrence of a secret in what passes through it, also one
// split across writes: it holds back the longest end of the output that could be the
// start of the secret (at most len(secret)-1 bytes) until the next write or Flush.
type masker struct {
	mu     sync.Mutex
	w      io.Writer
	secret []byte
	repl   []byte
	held   []byte
}

func newMasker(w io.Writer, secret, repl string) *masker {
	return &masker{w: w, secret: []byte(secret), repl: []byte(repl)}
}

func (m *masker) Write(p []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.secret) == 0 {
		return m.w.Write(p)
	}
	buf := append(m.held, p...)
	var out []byte
	for {
		i := bytes.Index(buf, m.secret)
		if i < 0 {
			break
		}
		out = append(append(out, buf[:i]...), m.repl...)
		buf = buf[i+len(m.secret):]
	}
	keep := 0
	for k := min(len(buf), len(m.secret)-1); k > 0; k-- {
		if bytes.HasPrefix(m.secret, buf[len(buf)-k:]) {
			keep = k
			break
		}
	}
	out = append(out, buf[:len(buf)-keep]...)
	m.held = append([]byte(nil), buf[len(buf)-keep:]...)
	if len(out) > 0 {
		if _, err := m.w.Write(out); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Flush writes what was held back (the output ended: it was not the secret).
func (m *masker) Flush() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.held) == 0 {
		return nil
	}
	_, err := m.w.Write(m.held)
	m.held = nil
	return err
}

// runChild runs the command with SIGINT, SIGTERM and SIGHUP passed on, and returns its
// exit code as oat's (128 + the signal when a signal killed it, as shells do).
func runChild(child *exec.Cmd, name string) error {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	if err := child.Start(); err != nil { // not an executable: the shell's 126
		return &exitError{code: ExitCannotRun, err: fmt.Errorf("start %s: %w", oauth.OneLine(name), err)}
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-sigs:
				_ = child.Process.Signal(s)
			case <-done:
				return
			}
		}
	}()
	err := child.Wait()
	close(done)
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code := ee.ExitCode()
		if code < 0 { // killed by a signal: the shell convention
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				code = 128 + int(ws.Signal())
			} else {
				code = ExitFailure
			}
		}
		return &exitError{code: code, silent: true}
	}
	return err
}

// childEnvKept are the OAT_ variables a child of oat exec keeps: settings that carry no
// secret, so that an oat inside the child finds the same profiles and store. Every other
// OAT_ variable is removed: OAT_PASSPHRASE, what an earlier `oat env` exported, and any
// variable a later version adds, until it is known to be harmless.
var childEnvKept = map[string]bool{"OAT_CONFIG_DIR": true, "OAT_STORE": true, "OAT_THEME": true,
	"OAT_BACKGROUND": true, "OAT_ROTATION_DAYS": true}

// childEnv is environ without the OAT_ variables that may carry a secret and without any
// earlier value of varName, plus varName=token. Names compare without case, as on Windows.
func childEnv(environ []string, varName, token string) []string {
	out := make([]string, 0, len(environ)+1)
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		up := strings.ToUpper(k)
		if strings.EqualFold(k, varName) || (strings.HasPrefix(up, "OAT_") && !childEnvKept[up]) {
			continue
		}
		out = append(out, kv)
	}
	return append(out, varName+"="+token)
}

// tokenVarRefused are names the token must not be given: the dynamic loader, shells and
// common interpreters read them as paths or code (and a token comes from a server), or
// oat itself reads them. LD_ and DYLD_ names are refused as a whole.
var tokenVarRefused = map[string]bool{"PATH": true, "HOME": true, "SHELL": true, "IFS": true, "ENV": true,
	"BASH_ENV": true, "CDPATH": true, "SHELLOPTS": true, "BASHOPTS": true, "PS4": true, "PROMPT_COMMAND": true,
	"GLOBIGNORE": true, "NODE_OPTIONS": true, "PYTHONSTARTUP": true, "PYTHONPATH": true, "PYTHONHOME": true,
	"PERL5OPT": true, "PERL5LIB": true, "RUBYOPT": true, "RUBYLIB": true, "JAVA_TOOL_OPTIONS": true,
	"_JAVA_OPTIONS": true, "GIT_SSH_COMMAND": true, "OAT_PASSPHRASE": true, "OAT_CONFIG_DIR": true,
	"OAT_STORE": true, "OAT_THEME": true, "OAT_BACKGROUND": true, "OAT_ROTATION_DAYS": true,
	"PS0": true, "PS1": true, "PS2": true, "PS3": true, "PAGER": true, "GIT_PAGER": true, "MANPAGER": true,
	"EDITOR": true, "VISUAL": true, "GIT_EDITOR": true, "LESSOPEN": true, "LESSCLOSE": true, "LUA_INIT": true,
	"GCONV_PATH": true, "BROWSER": true, "ZDOTDIR": true, "INPUTRC": true, "TERMINFO": true, "SSH_ASKPASS": true,
	"GIT_ASKPASS": true, "SUDO_ASKPASS": true, "GIT_EXEC_PATH": true, "GIT_CONFIG_GLOBAL": true, "RUSTC_WRAPPER": true}

// checkTokenVar refuses a --var that is not a variable name, or one of tokenVarRefused.
func checkTokenVar(name string) error {
	if !validIdentifier(name) {
		return fmt.Errorf("--var %q is not a variable name: use letters, digits and '_', not starting with a digit", name)
	}
	up := strings.ToUpper(name)
	if tokenVarRefused[up] || strings.HasPrefix(up, "LD_") || strings.HasPrefix(up, "DYLD_") {
		return fmt.Errorf("--var %s: refused, the dynamic loader, a shell or oat reads that variable as a path, code or setting; choose another name", name)
	}
	return nil
}
