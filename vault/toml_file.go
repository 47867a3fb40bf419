package vault

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

// FileError says which file, and where in it, could not be read. oat never writes over a
// file it could not read: the user's hand edits are theirs to fix.
type FileError struct {
	Path string
	Line int // 0 when unknown
	Err  error
}

func (e *FileError) Error() string {
	where := e.Path
	if e.Line > 0 {
		where = fmt.Sprintf("%s line %d", e.Path, e.Line)
	}
	return fmt.Sprintf("%s: %v (oat leaves this file untouched; fix it by hand or move it aside)", where, e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }

// ErrNewerSchema means the file was written by a newer oat than this one.
var ErrNewerSchema = errors.New("written by a newer version of oat")

// decodeTOML decodes data into v, turning parse errors into a FileError that names the
// line. strict refuses unknown fields: writers use it, because rewriting the file would
// silently drop them; readers skip it (it costs half again as much on 1,000 profiles).
func decodeTOML(path string, data []byte, v any, strict bool) error {
	var err error
	if strict {
		err = toml.NewDecoder(bytes.NewReader(data)).DisallowUnknownFields().Decode(v)
	} else {
		err = toml.Unmarshal(data, v) // no io.ReadAll copy of the file
	}
	if err == nil {
		return nil
	}
	var se *toml.StrictMissingError
	if errors.As(err, &se) && len(se.Errors) > 0 {
		row, _ := se.Errors[0].Position()
		return &FileError{Path: path, Line: row, Err: fmt.Errorf("unknown field %q", strings.Join(se.Errors[0].Key(), "."))}
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		row, _ := de.Position()
		return &FileError{Path: path, Line: row, Err: errors.New(de.Error())}
	}
	return &FileError{Path: path, Err: err}
}

// updateTOML is the read-modify-write cycle every oat file goes through: under an
// exclusive lock, read and decode the current file (refusing to continue if it is broken),
// let fn change it, then replace it atomically.
func updateTOML[T any](ctx context.Context, path string, hook writeHook, load func([]byte, bool) (*T, error), fn func(*T) error) error {
	return updateTOMLWith(ctx, path, hook, writeFileAtomic, load, fn)
}

// updateTOMLWith is updateTOML writing with write: writeFileAtomic (durable) or
// writeCacheFile (atomic, not synced).
func updateTOMLWith[T any](ctx context.Context, path string, hook writeHook, write func(string, []byte, writeHook) error, load func([]byte, bool) (*T, error), fn func(*T) error) error {
	return withLock(ctx, path, func() error {
		data, err := readFileIfExists(path)
		if err != nil {
			return err
		}
		doc, err := load(data, true)
		if err != nil {
			return err
		}
		if err := fn(doc); err != nil {
			return err
		}
		return writeTOML(path, doc, hook, write)
	})
}

// writeTOML encodes doc and writes it to path with write, refusing a file that oat would
// refuse to read back.
func writeTOML(path string, doc any, hook writeHook, write func(string, []byte, writeHook) error) error {
	out, err := toml.Marshal(doc)
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	if len(out) > maxTOMLFile {
		return fmt.Errorf("write %s: it would be larger than %s; nothing was changed", path, SizeText(maxTOMLFile))
	}
	return write(path, out, hook)
}
