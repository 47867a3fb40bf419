package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
)

// execOptions are oat exec's flags and arguments.
type execOptions struct {
	name     string
	command  []string
	varName  string
	force    bool
	minValid time.Duration
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

oat cannot retry for the command: if the API rejects the token before its expiry (a
provider revoked it), the command sees the 401. Give a long-running command a token
that lasts (--min-valid 30m fetches anew unless that much is left), or fetch a new one
first with --force (or oat token NAME --force); a token an API rejected in oat call is
never handed out again.
--var is a variable name (letters, digits, '_'), and not one that the dynamic loader, a
shell or oat reads as a path, code or setting (PATH, LD_*, BASH_ENV, OAT_PASSPHRASE, …).`,
		Example: `  oat exec eds -- sh -c 'curl -H "Authorization: Bearer $OAT_ACCESS_TOKEN" https://api…'
  oat exec eds --var EDS_TOKEN -- ./sync.py
  oat exec eds --min-valid 30m -- ./long-job.sh`,
		Args:              cobra.MinimumNArgs(1),
		ValidArgsFunction: a.completeProfiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.ArgsLenAtDash() != 1 || len(args) < 2 {
				return usageErr(fmt.Errorf("usage: oat exec NAME -- COMMAND [ARGS…]"))
			}
			o.name, o.command = args[0], args[1:]
			return a.runExec(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.varName, "var", "OAT_ACCESS_TOKEN", "name of the environment variable")
	cmd.Flags().BoolVarP(&o.force, "force", "f", false, "fetch a new token first")
	cmd.Flags().DurationVar(&o.minValid, "min-valid", 0, "reuse the cached token only if it is valid for at least this long, else fetch a new one")
	return cmd
}

func (a *App) runExec(ctx context.Context, o execOptions) error {
	if err := checkTokenVar(o.varName); err != nil {
		return usageErr(err)
	}
	_, res, err := a.profileToken(ctx, o.name, o.force, o.minValid)
	if err != nil {
		return err
	}
	path, err := exec.LookPath(o.command[0])
	if err != nil {
		return usageErr(fmt.Errorf("command %q not found: %w", o.command[0], err))
	}
	child := exec.Command(path, o.command[1:]...)
	child.Stdin, child.Stdout, child.Stderr = a.In, a.Out, a.Err
	child.Env = childEnv(os.Environ(), o.varName, res.Token.AccessToken)
	return runChild(child, o.command[0])
}

// runChild runs the command with SIGINT, SIGTERM and SIGHUP passed on, and returns its
// exit code as oat's (128 + the signal when a signal killed it, as shells do).
func runChild(child *exec.Cmd, name string) error {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	if err := child.Start(); err != nil {
		return fmt.Errorf("start %s: %w", name, err)
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
	"OAT_STORE": true, "OAT_THEME": true, "OAT_BACKGROUND": true, "OAT_ROTATION_DAYS": true}

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
