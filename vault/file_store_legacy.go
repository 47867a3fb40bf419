package vault

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"filippo.io/age"
)

// The file store's format before per-entry files: one secrets.age holding every value as
// JSON, encrypted with the passphrase (scrypt). It is only read now, to migrate it.

// scryptFactor reads the work factor from an age file's scrypt stanza
// ("-> scrypt SALT LOGN"), or returns 0.
func scryptFactor(data []byte) int {
	for _, line := range strings.Split(string(data[:min(len(data), 512)]), "\n") {
		f := strings.Fields(line)
		if len(f) == 4 && f[0] == "->" && f[1] == "scrypt" {
			if n, err := strconv.Atoi(f[3]); err == nil {
				return n
			}
		}
		if strings.HasPrefix(line, "---") {
			break
		}
	}
	return 0
}

// fileStoreDoc is the JSON inside a legacy secrets.age.
type fileStoreDoc struct {
	Version int               `json:"version"`
	Values  map[string]string `json:"values"`
}

// decryptSecrets opens a legacy secrets.age with the passphrase (scrypt: slow).
func decryptSecrets(path string, data []byte, pass string) (map[string]string, error) {
	id, err := age.NewScryptIdentity(pass)
	if err != nil {
		return nil, &StoreError{Store: "file", Op: "unlock " + path, Err: err}
	}
	r, err := age.Decrypt(bytes.NewReader(data), id)
	if err != nil {
		var nim *age.NoIdentityMatchError
		if errors.As(err, &nim) || errors.Is(err, age.ErrIncorrectIdentity) {
			return nil, &StoreError{Store: "file", Op: "unlock " + path, Err: ErrWrongPassphrase,
				Hint: "Check the passphrase (OAT_PASSPHRASE when it is set, else what was typed). The file was not changed."}
		}
		return nil, &StoreError{Store: "file", Op: "read " + path, Err: fmt.Errorf("damaged or not an age file: %w", err),
			Hint: "oat leaves it untouched; restore it from a backup or move it aside to start afresh."}
	}
	plain, err := io.ReadAll(io.LimitReader(r, 64<<20))
	if err != nil {
		return nil, &StoreError{Store: "file", Op: "read " + path, Err: fmt.Errorf("damaged: %w", err),
			Hint: "oat leaves it untouched; restore it from a backup or move it aside to start afresh."}
	}
	var doc fileStoreDoc
	if err := json.Unmarshal(plain, &doc); err != nil || doc.Version != 1 {
		return nil, &StoreError{Store: "file", Op: "read " + path, Err: errors.New("decrypted, but the content is not an oat secrets file")}
	}
	if doc.Values == nil {
		doc.Values = map[string]string{}
	}
	return doc.Values, nil
}
