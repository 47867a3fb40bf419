//go:build unix

package vault

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A profile's ca_file that is a FIFO used to hang the token request before any timeout
// started; a symlink to /dev/zero read until memory ran out; a huge file was read whole.
func TestCAFileMustBeABoundedRegularFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "ca.pem")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	zero := filepath.Join(dir, "zero.pem")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.pem")
	if err := os.WriteFile(big, []byte(strings.Repeat("\n", MaxCAFile+1)), 0o600); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]error{fifo: ErrNotRegularFile, zero: ErrNotRegularFile, big: ErrFileTooLarge} {
		p := Profile{Name: "x", TokenURL: "https://a.example/token", ClientID: "c", CAFile: path}
		_, err := p.TokenRequest("s3cret")
		if err == nil {
			_, err = p.CallRequest("tok")
		}
		if !errors.Is(err, want) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: want %v naming the file, got %v", path, want, err)
		}
	}
}
