package vault

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// MaxRequestHistory is how many test requests the state file keeps per profile.
const MaxRequestHistory = 10

// MaxHistoryBody bounds the body of a request kept in the history: ten of them per
// profile stay small, and a bigger body belongs in the profile's test request (saved
// on purpose) rather than in a cache.
const MaxHistoryBody = 16 << 10

// credentialWords name a header, parameter or body field that carries a credential:
// the history, written without being asked, keeps none (Authorization, Cookie,
// X-Api-Key, X-Auth-Token, X-JWT, X-Pass, ?api_key=, ?access_token=, ?pwd=, ?sig=…).
// oat's own bearer token is set by oauth.Client.Call and never part of a TestRequest;
// these are what the user typed.
var credentialWords = []string{"auth", "cookie", "token", "key", "secret", "session", "pass", "pwd", "signature", "sig", "credential", "jwt", "bearer"}

// notCredentialWords name what only sounds like a credential: an idempotency key, a
// pagination token (pageToken, next_token, continuation_token, cursor), a sync token.
var notCredentialWords = []string{"idempotency", "page", "next", "continuation", "cursor", "sync"}

// isCredentialName says whether a header or parameter name looks like it carries a
// credential. Generous on purpose: a header dropped from the history costs a retype, a
// secret kept costs the secret.
func isCredentialName(name string) bool {
	n := strings.ToLower(name)
	for _, w := range notCredentialWords {
		if strings.Contains(n, w) {
			return false // its value still counts when it looks like a credential
		}
	}
	for _, w := range credentialWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// maxHistoryLine and maxHistoryHeaders bound a path, a header value and the number of
// headers of a history entry read back: state.toml may have been edited by hand.
const (
	maxHistoryLine    = 8 << 10
	maxHistoryHeaders = 100
)

// ErrNotKept says a request was sent but not kept in the history.
var ErrNotKept = errors.New("not kept in the history")

// Normalized is the request in the form the history compares and keeps: the method
// upper-cased (GET when empty), no empty header map.
func (r TestRequest) Normalized() TestRequest {
	r.Method = strings.ToUpper(strings.TrimSpace(r.Method))
	if r.Method == "" {
		r.Method = "GET"
	}
	if len(r.Headers) == 0 {
		r.Headers = nil
	} else {
		r.Headers = maps.Clone(r.Headers)
	}
	return r
}

// Equal says whether two requests send the same thing.
func (r TestRequest) Equal(o TestRequest) bool {
	a, b := r.Normalized(), o.Normalized()
	return a.Method == b.Method && a.Path == b.Path && a.Body == b.Body && maps.Equal(a.Headers, b.Headers)
}

// HistoryEntry is a request of the history as kept: without what carried a
// credential, which Dropped names ("header X-Api-Key", "query pwd", "the body (it held
// client_secret)").
type HistoryEntry struct {
	TestRequest
	Dropped []string `toml:"dropped,omitempty"`
}

// forHistory is the request as the history keeps it: normalized, without the headers,
// query, fragment and path parameters, URL password and body fields that carry a
// credential (by their name, or by their value: one of tokens, the profile's client
// secret, a JWT, an Authorization value; as typed, percent-, JSON- or base64-encoded).
// It fails when the request cannot be kept: its path itself holds a credential, or its
// body is too large.
func (r TestRequest) forHistory(c requestCreds) (HistoryEntry, error) {
	if len(r.Body) > MaxHistoryBody {
		return HistoryEntry{}, fmt.Errorf("%w: the body is larger than %s", ErrNotKept, SizeText(MaxHistoryBody))
	}
	kept, dropped, pathHolds := c.scrub(r)
	if pathHolds {
		return HistoryEntry{}, fmt.Errorf("%w: its path holds a credential (a token, a JWT or the client secret)", ErrNotKept)
	}
	return HistoryEntry{TestRequest: kept, Dropped: dropped}, nil
}

// RequestHistory returns the test requests last sent for the profile, most recent first.
func (v *Vault) RequestHistory(p Profile) ([]HistoryEntry, error) {
	return v.State.requests(p.ID)
}

// RecordRequest puts req at the head of the profile's request history (moving it there
// if it was sent before), keeping at most MaxRequestHistory, without what carries a
// credential (forHistory). tokens are the bearer tokens the request went out with; the
// client secret is recognised by the profile's fingerprint of it (the secret store is
// not read). A request whose path holds a credential is not kept (ErrNotKept), nor one
// with a body over MaxHistoryBody.
func (v *Vault) RecordRequest(ctx context.Context, p Profile, req TestRequest, tokens ...string) error {
	kept, err := req.forHistory(credsFor(p, tokens))
	if err != nil {
		return err
	}
	return v.State.updateRequests(ctx, p.ID, func(h []HistoryEntry) []HistoryEntry {
		h = slices.DeleteFunc(h, func(e HistoryEntry) bool { return kept.Equal(e.TestRequest) })
		h = append([]HistoryEntry{kept}, h...)
		return h[:min(len(h), MaxRequestHistory)]
	})
}

// ErrCredentialInRequest says a test request was not saved: it carries a credential,
// and profiles.toml holds no secret.
var ErrCredentialInRequest = errors.New("profiles.toml holds no secret")

// SaveTestRequest makes req the test request of the profile with ID id (whatever it is
// called now), through the same checked edit as any other change to a profile. A
// request that carries a credential is refused (ErrCredentialInRequest, naming where):
// a header, query or path parameter named like one or holding one (one of tokens, the
// profile's client secret, a JWT, a Bearer or Basic value), a URL's password, or a body
// holding one. profiles.toml is plain text and often shared; a credential the API
// wants beside the token is typed before each send (the history leaves it out).
func (v *Vault) SaveTestRequest(ctx context.Context, id string, req TestRequest, tokens ...string) (Profile, error) {
	req.Method = strings.ToUpper(strings.TrimSpace(req.Method))
	if req.Method == "GET" && req.Body == "" {
		req.Method = "" // the default, as profiles.toml had it
	}
	if len(req.Headers) == 0 {
		req.Headers = nil
	}
	return v.EditByID(ctx, id, func(p *Profile) error {
		if where := credsFor(*p, tokens).carrier(req); where != "" {
			return fmt.Errorf("%s looks like a credential and %w: remove it to save (type it before each send; the history leaves it out)", where, ErrCredentialInRequest)
		}
		p.TestRequest = req
		return nil
	})
}

// ForgetRequests drops the request history of the given profile IDs.
func (v *Vault) ForgetRequests(ctx context.Context, ids ...string) error {
	doc, err := v.State.readDoc(ctx, false, false)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if _, ok := doc.Requests[id]; !ok {
			continue // nothing to forget: no write
		}
		if err := v.State.updateRequests(ctx, id, func([]HistoryEntry) []HistoryEntry { return nil }); err != nil {
			return err
		}
	}
	return nil
}

// requests reads one profile's request history. An entry whose body is over
// MaxHistoryBody (a hand edit: oat keeps none) comes without it, and says so.
func (f *StateFile) requests(id string) ([]HistoryEntry, error) {
	doc, err := f.readDoc(context.Background(), false, false)
	if err != nil {
		return nil, err
	}
	var h []HistoryEntry
	for _, e := range doc.Requests[id] {
		if len(e.Path) > maxHistoryLine || slices.ContainsFunc(slices.Collect(maps.Values(e.Headers)), func(v string) bool { return len(v) > maxHistoryLine }) ||
			len(e.Headers) > maxHistoryHeaders {
			continue // nothing oat wrote: an editor's fields cannot hold it either
		}
		if len(e.Body) > MaxHistoryBody {
			e.Body = ""
			e.Dropped = append(e.Dropped, "the body (larger than "+SizeText(MaxHistoryBody)+")")
		}
		h = append(h, e)
	}
	return h, nil
}

// updateRequests changes one profile's request history under the lock.
func (f *StateFile) updateRequests(ctx context.Context, id string, fn func([]HistoryEntry) []HistoryEntry) error {
	return f.update(ctx, func(doc *stateDoc) error {
		h := fn(doc.Requests[id])
		if len(h) == 0 {
			delete(doc.Requests, id)
		} else {
			if doc.Requests == nil {
				doc.Requests = map[string][]HistoryEntry{}
			}
			doc.Requests[id] = h
		}
		doc.Schema = StateSchema
		return nil
	})
}
