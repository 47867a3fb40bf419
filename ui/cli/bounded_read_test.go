//go:build unix

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/oatcli/oat/oauth/oauthtest"
)

// Files named on the command line are read by a real oat process: a FIFO must be refused
// at once (it used to hang), a symlink to /dev/zero refused (it used to read until memory
// ran out), and a file over the limit refused by name.
func TestFilesFromTheCommandLineAreBounded(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	e.add("gen", "gen-id", "gen-Secret+/=1", oauthtest.Generic)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "in.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	zero := filepath.Join(dir, "zero")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	bigBody := filepath.Join(dir, "body.json")
	if err := os.WriteFile(bigBody, []byte(strings.Repeat(" ", maxBodyFile+1)), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"import", fifo}, fifo + ": is a FIFO, not a regular file"},
		{[]string{"import", zero}, zero + ": is a character device, not a regular file"},
		{[]string{"call", "gen", "/", "-d", "@" + fifo}, fifo + ": is a FIFO, not a regular file"},
		{[]string{"call", "gen", "/", "-d", "@" + zero}, zero + ": is a character device, not a regular file"},
		{[]string{"call", "gen", "/", "-d", "@" + bigBody}, bigBody + ": larger than 8 MiB"},
	} {
		r := e.run("", c.args...)
		if r.code != ExitUsage || !strings.Contains(r.err, c.want) {
			t.Errorf("oat %s: want exit %d and %q, got %d %q", strings.Join(c.args, " "), ExitUsage, c.want, r.code, r.err)
		}
	}
}
