//go:build linux || darwin

package cli

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/oatcli/oat/oauth/oauthtest"
)

// Tests of oat on a real terminal: the built binary on a pseudo-terminal that answers
// nothing unless the test says so, as script(1) and some serial consoles do.

const (
	queryBackground = "\x1b]11;?" // OSC 11: what is your background colour?
	queryCursor     = "\x1b[6n"   // DSR 6: where is the cursor? (termenv's fence after OSC 11)
)

// ptySession is one oat process whose terminal is a pty held by the test.
type ptySession struct {
	t    *testing.T
	cmd  *exec.Cmd
	tty  *os.File
	mu   sync.Mutex
	out  bytes.Buffer
	read chan struct{} // closed when the terminal has nothing more to say
	done chan error
}

// startPty runs oat with args on a new 100x30 pty: stdin, stdout and, unless the caller
// set cmd.Stderr, stderr. The pty is oat's controlling terminal (/dev/tty).
func startPty(t *testing.T, env []string, stderr *os.File, args ...string) *ptySession {
	t.Helper()
	cmd := exec.Command(oatBinary(t), args...)
	cmd.Env = env
	if stderr != nil {
		cmd.Stderr = stderr
	}
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 30, Cols: 100})
	if err != nil {
		t.Fatal(err)
	}
	s := &ptySession{t: t, cmd: cmd, tty: tty, read: make(chan struct{}), done: make(chan error, 1)}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := tty.Read(buf)
			s.mu.Lock()
			s.out.Write(buf[:n])
			s.mu.Unlock()
			if err != nil {
				close(s.read)
				return
			}
		}
	}()
	go func() { s.done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		tty.Close()
	})
	return s
}

func (s *ptySession) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.String()
}

// waitFor waits until the terminal has received text.
func (s *ptySession) waitFor(text string) {
	s.t.Helper()
	// A bound so a hang fails the test instead of stalling it; not a timing assertion.
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(s.output(), text) {
		if time.Now().After(deadline) {
			s.t.Fatalf("the terminal never got %q; it got:\n%q", text, s.output())
		}
		select {
		case <-s.read:
			if !strings.Contains(s.output(), text) {
				s.t.Fatalf("oat ended without writing %q; it wrote:\n%q", text, s.output())
			}
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// type sends what a user types.
func (s *ptySession) typeKeys(keys string) {
	s.t.Helper()
	if _, err := io.WriteString(s.tty, keys); err != nil {
		s.t.Fatal(err)
	}
}

// wait waits for oat to exit and returns everything it wrote to the terminal.
func (s *ptySession) wait() string {
	s.t.Helper()
	select {
	case err := <-s.done:
		if err != nil {
			s.t.Fatalf("oat: %v; terminal:\n%q", err, s.output())
		}
	case <-time.After(60 * time.Second): // a bound on a hang, not a timing assertion
		s.t.Fatalf("oat did not exit; terminal:\n%q", s.output())
	}
	select {
	case <-s.read:
	case <-time.After(10 * time.Second):
	}
	return s.output()
}

// ptyEnv is an environment in which termenv would ask the terminal if allowed: a
// colour TERM, no CI variable, no NO_COLOR.
func ptyEnv(e *procEnv, extra ...string) []string {
	env := []string{"TERM=xterm-256color"}
	for _, kv := range e.environ() {
		if !strings.HasPrefix(kv, "TERM=") && !strings.HasPrefix(kv, "NO_COLOR=") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

func noQueries(t *testing.T, what, out string) {
	t.Helper()
	for _, q := range []string{queryBackground, queryCursor} {
		if strings.Contains(out, q) {
			t.Errorf("%s wrote the terminal query %q:\n%q", what, q, out)
		}
	}
}

// TestCommandsAskTheTerminalNothing: commands other than the app write no query to a
// terminal (Bubble Tea v1's package init asked for the background colour in every
// process, and a terminal that never answers held each command for 5 s).
func TestCommandsAskTheTerminalNothing(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	e.add("gen", "gen-id", "gen-secret-1", oauthtest.Generic)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"version"}, "oat"},
		{[]string{"ls"}, "NAME"},
		{[]string{"token", "gen"}, "eyJ"},
		{[]string{"--help"}, "Exit codes"},
	} {
		s := startPty(t, ptyEnv(e), nil, c.args...)
		out := s.wait()
		if !strings.Contains(out, c.want) {
			t.Errorf("oat %s: no %q in\n%q", strings.Join(c.args, " "), c.want, out)
		}
		noQueries(t, "oat "+strings.Join(c.args, " "), out)
	}
}

// TestAppAsksOnlyWithoutABackgroundHint: the app asks for the background colour once it
// starts, unless OAT_BACKGROUND or COLORFGBG says what it is, or colours are off.
func TestAppAsksOnlyWithoutABackgroundHint(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	for _, hint := range []string{"OAT_BACKGROUND=light", "OAT_BACKGROUND=dark", "COLORFGBG=15;0", "NO_COLOR=1"} {
		s := startPty(t, ptyEnv(e, hint), nil, "demo")
		s.waitFor("profiles")
		s.typeKeys("q")
		noQueries(t, "oat demo with "+hint, s.wait())
	}

	// No hint: the app asks, and goes on once the terminal answers.
	s := startPty(t, ptyEnv(e), nil, "demo")
	s.waitFor(queryCursor)
	s.typeKeys("\x1b]11;rgb:ffff/ffff/ffff\x1b\\\x1b[1;1R")
	s.waitFor("profiles")
	s.typeKeys("q")
	out := s.wait()
	if n := strings.Count(out, queryBackground); n != 1 {
		t.Errorf("the app asked for the background %d times, want once:\n%q", n, out)
	}
}
