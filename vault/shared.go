package vault

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Profiles can share one client: staging and production pointed at the same
// registration, or a copy made for another scope. A rotation changes the secret of the
// client, not of the profile, so the others break at their next fetch once the old
// secret is revoked. SharedClient finds them; UpdateShared gives them the new secret.

// endpointKey is a token URL reduced to what names the endpoint: scheme and host in
// lower case, the default port dropped, trailing slashes and a fragment dropped. The
// query stays (rare, but it can select a tenant). A URL that does not parse is kept as
// it is, so it only matches itself.
func endpointKey(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return strings.TrimSpace(raw)
	}
	scheme, host, port := strings.ToLower(u.Scheme), strings.ToLower(u.Hostname()), u.Port()
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	switch {
	case port != "":
		host = net.JoinHostPort(host, port)
	case strings.Contains(host, ":"): // an IPv6 literal
		host = "[" + host + "]"
	}
	path := strings.TrimRight(u.EscapedPath(), "/")
	key := scheme + "://" + host + path
	if u.RawQuery != "" {
		key += "?" + u.RawQuery
	}
	return key
}

// SameClient says whether a and b authenticate as the same client at the same token
// endpoint: one secret serves both.
func SameClient(a, b Profile) bool {
	return a.ClientID != "" && a.ClientID == b.ClientID && endpointKey(a.TokenURL) == endpointKey(b.TokenURL)
}

// SharedClient returns the profiles other than p with the same client ID and token URL
// that hold p's credential. For a secret that is any of them: a client has one secret
// (two during a rotation). A private_key_jwt client can have several keys registered,
// and a mutual-TLS client several certificates, one per profile: a profile with a key
// or certificate of its own is not touched by p's rotation, so only those holding p's
// (or, after a rotation, its old one) are returned.
func (v *Vault) SharedClient(p Profile) ([]Profile, error) {
	ps, err := v.List()
	if err != nil {
		return nil, err
	}
	var out []Profile
	for _, q := range ps {
		if q.ID != p.ID && SameClient(p, q) && sharesKey(p, q) {
			out = append(out, q)
		}
	}
	return out, nil
}

// sharesKey says whether q holds p's private key (or client certificate) or p's old one,
// when p signs with a key (presents a certificate); true for a secret.
func sharesKey(p, q Profile) bool {
	switch kind := CredentialOf(p.AuthMethod); {
	case kind == CredSecret:
		return true
	case CredentialOf(q.AuthMethod) != kind:
		return false
	case kind == CredKey:
		return q.KeyThumbprint != "" && (q.KeyThumbprint == p.KeyThumbprint || q.KeyThumbprint == p.PreviousKeyThumbprint)
	}
	// PreviousKeyThumbprint names a kept old certificate by its x5t#S256.
	qc, err := q.Certificate()
	if err != nil || qc == nil {
		return false
	}
	return q.ClientCert == p.ClientCert || qc.Thumbprint() == p.PreviousKeyThumbprint
}

// SharedUpdate is what UpdateShared did to one profile.
type SharedUpdate struct {
	Name    string
	Profile Profile // as saved, when it changed
	// Current says the profile already held the new secret: nothing was written.
	Current bool
	// Err says why it was not updated; that profile keeps its old secret active.
	Err error
	// DroppedOld says the profile's old secret was the one known revoked: it was not
	// kept aside (UpdateSharedRevoked).
	DroppedOld bool
}

// UpdateShared gives each profile in others the active secret of the profile called
// name, which they share a client with, the way a rotation does: staged, then
// promoted with the profile's old secret kept aside (it is the same client's old
// secret, checked and dropped with `check old` like the rotated profile's). Each is
// done on its own: one that fails keeps its old secret active and says why in its
// SharedUpdate; the others go on.
func (v *Vault) UpdateShared(ctx context.Context, name string, others []string) ([]SharedUpdate, error) {
	return v.UpdateSharedRevoked(ctx, name, others, "")
}

// UpdateSharedRevoked is UpdateShared once the client's old secret, of fingerprint
// revoked, has been confirmed revoked (check old): a profile whose old secret is that
// one does not keep it aside, there is nothing left to check. "" keeps every old one.
func (v *Vault) UpdateSharedRevoked(ctx context.Context, name string, others []string, revoked string) ([]SharedUpdate, error) {
	p, err := v.Get(name)
	if err != nil {
		return nil, err
	}
	secret, err := v.Secret(ctx, p)
	if err != nil {
		return nil, err
	}
	out := make([]SharedUpdate, 0, len(others))
	for _, o := range others {
		u := SharedUpdate{Name: o}
		u.Profile, u.Current, u.Err = v.takeSecret(ctx, p, o, secret)
		if u.Err == nil && !u.Current && revoked != "" && u.Profile.PreviousFingerprint == revoked {
			if np, err := v.DropPrevious(ctx, o); err == nil {
				u.Profile, u.DroppedOld = np, true
			} // else it stays kept aside, to check later: nothing is lost
		}
		out = append(out, u)
	}
	return out, nil
}

// takeSecret stages and promotes secret on the profile called name (a sibling of from).
func (v *Vault) takeSecret(ctx context.Context, from Profile, name, secret string) (Profile, bool, error) {
	q, err := v.Get(name)
	if errors.Is(err, ErrProfileNotFound) {
		return Profile{}, false, fmt.Errorf("%q no longer exists (removed meanwhile)", name)
	}
	if err != nil {
		return Profile{}, false, err
	}
	if !SameClient(from, q) {
		return Profile{}, false, fmt.Errorf("%q no longer shares the client of %q: left as it is", name, from.Name)
	}
	if q.SecretFingerprint == Fingerprint(secret) {
		if cur, err := v.Secret(ctx, q); err == nil && cur == secret {
			return q, true, nil
		}
	}
	stage := func() error { _, err := v.StageSecret(ctx, name, secret); return err }
	switch CredentialOf(q.AuthMethod) {
	case CredKey:
		// The key is the client's: it keeps the algorithm it signs with for from.
		stage = func() error { _, _, err := v.StageKey(ctx, name, secret, from.KeyAlg); return err }
	case CredCert:
		// The store holds the certificate's key; the chain is from's.
		stage = func() error { _, _, err := v.StageCert(ctx, name, from.ClientCert+secret); return err }
	}
	if err := stage(); err != nil {
		return Profile{}, false, err
	}
	np, err := v.Promote(ctx, name)
	if err != nil {
		bg := context.WithoutCancel(ctx)
		if np.ID == "" {
			_ = v.DiscardStaged(bg, q)
		}
		_, _ = v.Recover(bg, name) // the fingerprints describe whichever secret is active
		return Profile{}, false, err
	}
	return np, false, nil
}

// IsPreviousPending says err is a refusal to rotate while an old secret is kept aside.
func IsPreviousPending(err error) bool { return errors.Is(err, ErrPreviousPending) }
