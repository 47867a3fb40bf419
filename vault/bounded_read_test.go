//go:build unix

package vault

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// These tests use real FIFOs and a real symlink to /dev/zero: before reads were bounded, the
// first hung forever and the second read until memory ran out.

func mkfifo(t *testing.T, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestReadEnvCredentialsRefusesFIFO(t *testing.T) {
	path := filepath.Join(t.TempDir(), "EDS.env")
	mkfifo(t, path)
	_, err := ReadEnvCredentials(path)
	if !errors.Is(err, ErrNotRegularFile) || !strings.Contains(err.Error(), path+": is a FIFO, not a regular file") {
		t.Fatalf("want a refusal naming the FIFO, got %v", err)
	}
}

func TestReadEnvCredentialsRefusesSymlinkToDevZero(t *testing.T) {
	path := filepath.Join(t.TempDir(), "EDS.env")
	if err := os.Symlink("/dev/zero", path); err != nil {
		t.Fatal(err)
	}
	_, err := ReadEnvCredentials(path)
	if !errors.Is(err, ErrNotRegularFile) || !strings.Contains(err.Error(), path+": is a character device, not a regular file") {
		t.Fatalf("want a refusal naming the device, got %v", err)
	}
}

func TestReadEnvCredentialsSizeLimit(t *testing.T) {
	dir := t.TempDir()
	creds := "CLIENT_ID=c\nCLIENT_SECRET=s\nTOKEN_URL=https://a.example/token\n"
	write := func(name string, size int) string {
		p := filepath.Join(dir, name)
		pad := strings.Repeat("#", size-len(creds)-1) + "\n"
		if err := os.WriteFile(p, []byte(creds+pad), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if _, err := ReadEnvCredentials(write("max.env", MaxDotenvFile)); err != nil {
		t.Fatalf("a file of exactly the limit: %v", err)
	}
	big := write("big.env", MaxDotenvFile+1)
	_, err := ReadEnvCredentials(big)
	if !errors.Is(err, ErrFileTooLarge) || !strings.Contains(err.Error(), big+": larger than 256 KiB") {
		t.Fatalf("want a size refusal, got %v", err)
	}
}

// oat's own files live in a 0700 directory, but a FIFO or a device put there (by a
// mistake, a sync tool or a hostile process of the same user) must not hang or exhaust oat.
func TestOwnFilesRefuseNonRegular(t *testing.T) {
	for _, name := range []string{"profiles.toml", "state.toml", "secrets.age"} {
		for _, kind := range []string{"fifo", "devzero"} {
			t.Run(name+"/"+kind, func(t *testing.T) {
				dir := t.TempDir()
				path := filepath.Join(dir, name)
				if kind == "fifo" {
					mkfifo(t, path)
				} else if err := os.Symlink("/dev/zero", path); err != nil {
					t.Fatal(err)
				}
				store := &FileStore{Path: filepath.Join(dir, "secrets.age"), WorkFactor: 10, Passphrase: func() (string, error) { return "pw", nil }}
				v := Open(dir, store)
				var err error
				switch name {
				case "profiles.toml":
					_, err = v.List()
				case "state.toml":
					// A cache: set aside and read as empty (state_file_test.go), never a hang.
					if _, err = v.TokenStates(); err != nil {
						t.Fatal(err)
					}
					if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
						t.Fatalf("%s left in place: %v", path, err)
					}
					return
				case "secrets.age":
					_, err = store.Get(context.Background(), "x/secret")
				}
				if !errors.Is(err, ErrNotRegularFile) || !strings.Contains(err.Error(), path) {
					t.Fatalf("want a refusal naming %s, got %v", path, err)
				}
			})
		}
	}
}
