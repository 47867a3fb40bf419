//go:build linux || darwin

package cli

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var osc52RE = regexp.MustCompile(`\x1b\]52;c;([A-Za-z0-9+/=]+|!)\x07`)

// TestAppOSC52OnlyToTheTerminal: with stderr redirected to a file, the copied token goes
// to the terminal (the controlling tty) as OSC 52 and never into the file; quitting
// before the 45 s clear clears it on the terminal too.
func TestAppOSC52OnlyToTheTerminal(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	errFile, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	defer errFile.Close()
	// No DISPLAY or WAYLAND_DISPLAY: no system clipboard, so OSC 52 is the only way.
	s := startPty(t, ptyEnv(e, "OAT_BACKGROUND=dark"), errFile, "demo")
	s.waitFor("11 profiles") // loaded: enter before the load would select nothing
	s.typeKeys("\r")         // a token for the first profile
	s.waitFor("valid")
	s.typeKeys("c")
	s.waitFor("copied to the")
	s.typeKeys("q")
	out := s.wait()

	data, err := os.ReadFile(errFile.Name())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "\x1b]52") || strings.Contains(string(data), "eyJ") {
		t.Fatalf("stderr (a file) holds an OSC 52 sequence or a token:\n%q", data)
	}
	seqs := osc52RE.FindAllStringSubmatch(out, -1)
	if len(seqs) != 2 || seqs[1][1] != "IA==" { // a space: the clear tmux takes too
		t.Fatalf("want the copy then the clear as OSC 52 on the terminal, got %q", seqs)
	}
	tok, err := base64.StdEncoding.DecodeString(seqs[0][1])
	if err != nil || !strings.HasPrefix(string(tok), "eyJ") {
		t.Fatalf("OSC 52 carried %q (%v), not a token", tok, err)
	}
	for _, bad := range []string{seqs[0][1], string(tok)} {
		if strings.Contains(string(data), bad) {
			t.Fatalf("stderr (a file) holds the token:\n%q", data)
		}
	}
}

// TestClipboardHelperGetsNoPassphrase: the system clipboard is reached through a child
// process (xclip, xsel, wl-copy). It must not inherit OAT_PASSPHRASE, the file store's
// master passphrase: oat takes it out of its own environment as it starts.
func TestClipboardHelperGetsNoPassphrase(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	bin := t.TempDir()
	dump := filepath.Join(t.TempDir(), "xclip.env")
	script := "#!/bin/sh\nenv >> " + dump + "\ncat >/dev/null\n"
	if err := os.WriteFile(filepath.Join(bin, "xclip"), []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range ptyEnv(e, "OAT_BACKGROUND=dark", "OAT_PASSPHRASE=master-pass-phrase", "DISPLAY=:99") {
		if strings.HasPrefix(kv, "PATH=") {
			kv = "PATH=" + bin + string(os.PathListSeparator) + strings.TrimPrefix(kv, "PATH=")
		}
		env = append(env, kv)
	}
	s := startPty(t, env, nil, "demo")
	s.waitFor("11 profiles") // loaded: enter before the load would select nothing
	s.typeKeys("\r")
	s.waitFor("valid")
	s.typeKeys("c")
	s.waitFor("copied to the")
	s.typeKeys("q")
	s.wait()
	data, err := os.ReadFile(dump)
	if err != nil {
		t.Fatalf("the fake xclip never ran: %v", err)
	}
	if strings.Contains(string(data), "OAT_PASSPHRASE") || strings.Contains(string(data), "master-pass-phrase") {
		t.Fatalf("the clipboard helper inherited the passphrase:\n%s", data)
	}
}
