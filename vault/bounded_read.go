package vault

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Bounded reads: every file oat reads is refused unless it is a regular file (after
// following symlinks), and read only up to a limit chosen for its purpose. A FIFO would
// otherwise hang oat forever and a symlink to /dev/zero would read until memory ran out.
//
// Files are vault's business: oauth reads none (a profile's CA bundle reaches it as
// bytes, read here), and the CLI uses this helper for the files it is given.

// ErrNotRegularFile means a path oat was asked to read is a FIFO, a device, a socket or a
// directory rather than a regular file.
var ErrNotRegularFile = errors.New("not a regular file")

// ErrFileTooLarge means a file is larger than oat reads for its purpose.
var ErrFileTooLarge = errors.New("file too large")

// The limits of the files vault reads. Callers elsewhere choose their own: a CA bundle
// (oauth), a request body given as -d @file (cli).
const (
	// MaxDotenvFile is the most oat reads of a .env file: a handful of variables.
	MaxDotenvFile = 256 << 10
	// maxTOMLFile bounds profiles.toml and state.toml: about 50,000 profiles.
	maxTOMLFile = 16 << 20
	// maxSecretsFile bounds secrets.age, as decryption already bounds what it holds.
	maxSecretsFile = 64 << 20
)

// fileProblem is what is wrong with a file, as the Err of an *fs.PathError, so the message
// reads "read PATH: is a FIFO, not a regular file".
type fileProblem struct {
	msg  string
	kind error
}

func (p *fileProblem) Error() string { return p.msg }
func (p *fileProblem) Unwrap() error { return p.kind }

// ReadFileLimited returns the contents of the regular file at path, refusing anything that
// is not a regular file once symlinks are followed, and any file larger than limit bytes.
// Its errors name the path and what is wrong ("is a FIFO, not a regular file", "larger
// than 256 KiB") and wrap ErrNotRegularFile or ErrFileTooLarge; a missing file gives an
// error satisfying errors.Is(err, fs.ErrNotExist).
func ReadFileLimited(path string, limit int64) ([]byte, error) {
	b, _, err := readFileLimited(path, limit)
	return b, err
}

// readFileLimited is ReadFileLimited that also returns what fstat said of the file read.
func readFileLimited(path string, limit int64) ([]byte, fs.FileInfo, error) {
	// A first look at the path keeps oat from even opening a device (opening some has
	// effects). The check that counts is on the opened descriptor below, so a file
	// swapped in between is still caught, and a FIFO is opened without blocking.
	if fi, err := os.Stat(path); err == nil && fi.Mode()&fs.ModeDevice != 0 {
		return nil, nil, notRegular(path, fi.Mode())
	}
	f, err := openNoBlock(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, nil, notRegular(path, fi.Mode())
	}
	if fi.Size() > limit {
		return nil, nil, tooLarge(path, limit)
	}
	// Read up to one byte past the limit: the size said by stat can be stale or, for
	// files such as those under /proc, zero.
	buf := make([]byte, 0, fi.Size()+1)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := f.Read(buf[len(buf):min(cap(buf), int(limit)+1)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > limit {
			return nil, nil, tooLarge(path, limit)
		}
		if errors.Is(err, io.EOF) {
			return buf, fi, nil
		}
		if err != nil {
			return nil, nil, &fs.PathError{Op: "read", Path: path, Err: err}
		}
	}
}

func notRegular(path string, m fs.FileMode) error {
	what := "not a regular file"
	switch {
	case m&fs.ModeNamedPipe != 0:
		what = "is a FIFO, " + what
	case m&fs.ModeCharDevice != 0:
		what = "is a character device, " + what
	case m&fs.ModeDevice != 0:
		what = "is a block device, " + what
	case m&fs.ModeSocket != 0:
		what = "is a socket, " + what
	case m.IsDir():
		what = "is a directory, " + what
	default:
		what = "is " + what
	}
	return &fs.PathError{Op: "read", Path: path, Err: &fileProblem{msg: what, kind: ErrNotRegularFile}}
}

func tooLarge(path string, limit int64) error {
	return &fs.PathError{Op: "read", Path: path, Err: &fileProblem{msg: "larger than " + SizeText(limit), kind: ErrFileTooLarge}}
}

// SizeText writes a byte count the way limits are given: "256 KiB", "8 MiB".
func SizeText(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
