package vault

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ProfilesSchema is the version of profiles.toml this oat writes and reads.
const ProfilesSchema = 1

// ErrProfileNotFound is returned when no profile has the asked name.
var ErrProfileNotFound = errors.New("no such profile")

// ErrProfileExists is returned when adding a profile whose name is taken.
var ErrProfileExists = errors.New("a profile with that name already exists")

// profilesDoc is the on-disk shape of profiles.toml.
type profilesDoc struct {
	Schema int `toml:"schema"`
	// Pending holds the IDs of profiles being added or removed: while one is listed, its
	// secrets may be in the store without its profile (a killed `oat add` or `oat rm`
	// leaves them so). `oat check` looks for such orphans under these IDs, the only way to
	// find them in a keyring that cannot list its entries.
	Pending  []string  `toml:"pending_ids,omitempty" comment:"profiles being added or removed (oat check finds secrets they leave behind)"`
	Profiles []Profile `toml:"profile"`
}

// ProfilesFile is profiles.toml: read without a lock (writes are atomic renames, so a
// reader always sees a whole file), written under an exclusive lock.
type ProfilesFile struct {
	Path string
	hook writeHook
}

// ConfigDir is where oat keeps its files: $OAT_CONFIG_DIR, else <user config dir>/oat.
func ConfigDir() (string, error) {
	if d := os.Getenv("OAT_CONFIG_DIR"); d != "" {
		return d, nil
	}
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the config directory (set OAT_CONFIG_DIR): %w", err)
	}
	return filepath.Join(base, "oat"), nil
}

// Load reads every profile. A missing file is an empty list.
func (f *ProfilesFile) Load() ([]Profile, error) {
	doc, err := f.loadDoc()
	if err != nil {
		return nil, err
	}
	return doc.Profiles, nil
}

// loadDoc reads the whole file, pending IDs included.
func (f *ProfilesFile) loadDoc() (*profilesDoc, error) {
	data, err := readFileIfExists(f.Path)
	if err != nil {
		return nil, err
	}
	return f.parse(data, false)
}

func (f *ProfilesFile) parse(data []byte, strict bool) (*profilesDoc, error) {
	doc := &profilesDoc{Schema: ProfilesSchema}
	if len(bytes.TrimSpace(data)) == 0 {
		return doc, nil
	}
	doc.Schema = 0
	// Sizing the slice up front saves the decoder growing it through reflection.
	doc.Profiles = make([]Profile, 0, bytes.Count(data, []byte("[[profile]]")))
	if err := decodeTOML(f.Path, data, doc, strict); err != nil {
		return nil, err
	}
	switch {
	case doc.Schema == 0:
		return nil, &FileError{Path: f.Path, Line: 1, Err: errors.New("no schema version (expected `schema = 1` at the top)")}
	case doc.Schema > ProfilesSchema:
		return nil, &FileError{Path: f.Path, Err: fmt.Errorf("schema %d is %w (this one reads %d); upgrade oat", doc.Schema, ErrNewerSchema, ProfilesSchema)}
	}
	names := make(map[string]bool, len(doc.Profiles))
	ids := make(map[string]bool, len(doc.Profiles))
	var lines []int // computed only when an error needs them
	lineOf := func(i int) int {
		if lines == nil {
			lines = profileLines(data)
		}
		if i < len(lines) {
			return lines[i]
		}
		return 0
	}
	for i := range doc.Profiles {
		p := &doc.Profiles[i]
		if err := p.validate(false); err != nil {
			return nil, &FileError{Path: f.Path, Line: lineOf(i), Err: err}
		}
		key := strings.ToLower(p.Name)
		if names[key] {
			return nil, &FileError{Path: f.Path, Line: lineOf(i), Err: fmt.Errorf("profile name %q appears twice", p.Name)}
		}
		if p.ID == "" || ids[p.ID] {
			return nil, &FileError{Path: f.Path, Line: lineOf(i), Err: fmt.Errorf("profile %q has a missing or duplicate id", p.Name)}
		}
		names[key], ids[p.ID] = true, true
	}
	return doc, nil
}

// profileLines returns the line of each [[profile]] header, so validation errors can
// point at the profile the user must fix.
func profileLines(data []byte) []int {
	var lines []int
	for ln, line := range bytes.Split(data, []byte("\n")) {
		if string(bytes.TrimSpace(line)) == "[[profile]]" {
			lines = append(lines, ln+1)
		}
	}
	return lines
}

// Update runs fn on the current profiles under the file lock and writes the result
// atomically. Every profile must still validate and names must stay unique. A profile
// fn leaves as it was is checked as a load checks it, so a hand edit that put control
// characters into one profile blocks writes of that profile only (naming the fields to
// fix), not of the others.
func (f *ProfilesFile) Update(ctx context.Context, fn func(ps *[]Profile) error) error {
	return f.updateDoc(ctx, func(doc *profilesDoc) error { return fn(&doc.Profiles) })
}

// updateDoc is Update with the whole document, so a profile and the pending IDs change in
// one atomic write.
func (f *ProfilesFile) updateDoc(ctx context.Context, fn func(doc *profilesDoc) error) error {
	return updateTOML(ctx, f.Path, f.hook, f.parse, func(doc *profilesDoc) error {
		before := make(map[string]Profile, len(doc.Profiles))
		for i := range doc.Profiles {
			before[doc.Profiles[i].ID] = doc.Profiles[i].clone()
		}
		if err := fn(doc); err != nil {
			return err
		}
		doc.Schema = ProfilesSchema
		seen := map[string]bool{}
		for i := range doc.Profiles {
			p := &doc.Profiles[i]
			old, existed := before[p.ID]
			if err := p.validate(!existed || !p.unchanged(old)); err != nil {
				return err
			}
			if seen[strings.ToLower(p.Name)] {
				return fmt.Errorf("%w: %q", ErrProfileExists, p.Name)
			}
			seen[strings.ToLower(p.Name)] = true
		}
		return nil
	})
}

// Find returns the index of the profile called name (case-insensitive), or -1.
func Find(ps []Profile, name string) int {
	for i := range ps {
		if strings.EqualFold(ps[i].Name, name) {
			return i
		}
	}
	return -1
}

// NewID returns a fresh random profile ID.
func NewID() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b[:])
}
