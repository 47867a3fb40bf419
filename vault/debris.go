package vault

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// What killed processes can leave behind, and how oat finds and clears it.
//
// Temp files of an interrupted write are removed by the next write of the same file
// (writeFileAtomic). Secrets whose profile is gone — orphans — come from an `oat add`
// killed between storing the secret and writing the profile, or an `oat rm` killed
// between removing the profile and deleting its secrets. Both record the profile's ID
// in profiles.toml (pending_ids) for that window, so orphans are found even in a keyring,
// which cannot list its entries; stores that can list (the file store) are searched
// whole, which also finds the secrets of profiles deleted from profiles.toml by hand.

// KeyLister is a secret store that can list its keys. The OS keyring cannot (go-keyring
// has no listing), so only the file and memory stores are KeyListers.
type KeyLister interface {
	ListKeys(ctx context.Context) ([]string, error)
}

// profileKeys are every key a profile's values can live under.
func profileKeys(id string) []string {
	return []string{tokenKey(id), stagedKey(id), previousKey(id), secretKey(id)}
}

// keyOwner returns the profile ID a store key belongs to, or false for a key that is not
// one of oat's profile keys (left alone).
func keyOwner(key string) (string, bool) {
	for _, k := range profileKeys("") {
		if id, ok := strings.CutSuffix(key, k); ok && id != "" {
			return id, true
		}
	}
	return "", false
}

func withoutID(ids []string, id string) []string {
	return slices.DeleteFunc(ids, func(x string) bool { return x == id })
}

// inflight runs fn under the lock that guards the window in which a profile's secrets may
// be in the store without its profile: adding and removing hold it shared (any number at
// once), pruning orphans holds it exclusive, so a prune never deletes the secret of an
// add that is still running.
func (v *Vault) inflight(ctx context.Context, exclusive bool, fn func() error) error {
	return withLockMode(ctx, filepath.Join(filepath.Dir(v.Profiles.Path), "pending"), !exclusive, fn)
}

// forgetPending ends the pending state of id.
func (v *Vault) forgetPending(ctx context.Context, id string) error {
	return v.Profiles.updateDoc(ctx, func(d *profilesDoc) error {
		d.Pending = withoutID(d.Pending, id)
		return nil
	})
}

// Debris is what interrupted adds and removals left: orphan secrets and profiles whose
// secret is missing.
type Debris struct {
	// Orphans are store keys (profile ID and kind, never a value) that belong to no profile.
	Orphans []string
	// NoSecret are profiles whose active secret is not in the store.
	NoSecret []Profile
	// Listed says whether the whole store was searched. When false (the OS keyring),
	// orphans were looked for only under the IDs oat recorded while adding or removing.
	Listed bool
	// pending are the recorded IDs that belong to no profile.
	pending []string
}

// OrphanIDs are the profile IDs the orphan keys belong to, sorted.
func (d Debris) OrphanIDs() []string {
	var ids []string
	for _, k := range d.Orphans {
		if id, ok := keyOwner(k); ok && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// FindDebris looks for orphan secrets and for profiles without their secret. It reads
// one store entry per profile and per pending ID, and lists the store when it can.
func (v *Vault) FindDebris(ctx context.Context) (Debris, error) {
	var d Debris
	doc, err := v.Profiles.loadDoc()
	if err != nil {
		return d, err
	}
	ids := make(map[string]bool, len(doc.Profiles))
	for _, p := range doc.Profiles {
		ids[p.ID] = true
		if _, err := v.Secrets.Get(ctx, secretKey(p.ID)); errors.Is(err, ErrNotFound) {
			d.NoSecret = append(d.NoSecret, p)
		} else if err != nil {
			return d, fmt.Errorf("look for the secret of %q: %w", p.Name, err)
		}
	}
	orphans := map[string]bool{}
	if l, ok := v.Secrets.(KeyLister); ok {
		d.Listed = true
		keys, err := l.ListKeys(ctx)
		if err != nil {
			return d, err
		}
		for _, k := range keys {
			if id, ok := keyOwner(k); ok && !ids[id] {
				orphans[k] = true
			}
		}
	}
	for _, id := range doc.Pending {
		if ids[id] {
			continue
		}
		d.pending = append(d.pending, id)
		if d.Listed {
			continue
		}
		for _, k := range profileKeys(id) {
			if _, found, err := v.optional(ctx, k); err != nil {
				return d, fmt.Errorf("look for orphan secrets: %w", err)
			} else if found {
				orphans[k] = true
			}
		}
	}
	for k := range orphans {
		d.Orphans = append(d.Orphans, k)
	}
	sort.Strings(d.Orphans)
	return d, nil
}

// PruneOrphans deletes the orphan secrets FindDebris reports, with the token records and
// pending IDs of profiles that no longer exist, and returns what it found. It holds the
// in-flight lock exclusively, so no add or remove runs meanwhile. Profiles without their
// secret are left alone: only the user can say which secret they should have.
func (v *Vault) PruneOrphans(ctx context.Context) (Debris, error) {
	var d Debris
	err := v.inflight(ctx, true, func() error {
		var err error
		if d, err = v.FindDebris(ctx); err != nil {
			return err
		}
		for _, k := range d.Orphans {
			if err := v.Secrets.Delete(ctx, k); err != nil {
				return fmt.Errorf("delete orphan %s: %w", k, err)
			}
		}
		gone := append(d.OrphanIDs(), d.pending...)
		if states, err := v.State.Load(); err == nil {
			for _, id := range gone {
				if _, ok := states[id]; ok {
					if err := v.State.Update(ctx, id, func(s *TokenState) { *s = TokenState{} }); err != nil {
						return err
					}
				}
			}
		}
		if err := v.ForgetRequests(ctx, gone...); err != nil {
			return err
		}
		if len(d.pending) == 0 {
			return nil
		}
		return v.Profiles.updateDoc(ctx, func(doc *profilesDoc) error {
			doc.Pending = slices.DeleteFunc(doc.Pending, func(id string) bool { return slices.Contains(d.pending, id) })
			return nil
		})
	})
	return d, err
}

// ListKeys implements KeyLister.
func (s *MemoryStore) ListKeys(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.Keys(), nil
}
