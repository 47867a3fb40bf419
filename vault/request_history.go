package vault

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
)

// MaxRequestHistory is how many test requests the state file keeps per profile.
const MaxRequestHistory = 10

// MaxHistoryBody bounds the body of a request kept in the history: ten of them per
// profile stay small, and a bigger body belongs in the profile's test request (saved
// on purpose) rather than in a cache.
const MaxHistoryBody = 16 << 10

// credentialWords name a header or query parameter that carries a credential: the
// history, written without being asked, keeps none (Authorization, Cookie, X-Api-Key,
// X-Auth-Token, ?api_key=, ?access_token=, ?sig=…). oat's own bearer token is set by
// oauth.Client.Call and never part of a TestRequest; these are what the user typed.
var credentialWords = []string{"auth", "cookie", "token", "key", "secret", "session", "password", "passwd", "signature", "sig", "credential"}

// isCredentialName says whether a header or parameter name looks like it carries a
// credential. Generous on purpose: a header dropped from the history costs a retype, a
// secret kept costs the secret.
func isCredentialName(name string) bool {
	n := strings.ToLower(name)
	for _, w := range credentialWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

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

// forHistory is the request as the history keeps it: normalized, without credential
// headers or query parameters. It fails when the request cannot be kept: it holds one of tokens (oat's
// bearer token, typed into a header, the path or the body), or its body is too large.
func (r TestRequest) forHistory(tokens ...string) (TestRequest, error) {
	r = r.Normalized()
	for k := range r.Headers {
		if isCredentialName(k) {
			delete(r.Headers, k)
		}
	}
	if len(r.Headers) == 0 {
		r.Headers = nil
	}
	if base, params := SplitQuery(r.Path); slices.ContainsFunc(params, isCredentialParam) {
		r.Path = JoinQuery(base, slices.DeleteFunc(params, isCredentialParam))
	}
	if len(r.Body) > MaxHistoryBody {
		return r, fmt.Errorf("%w: the body is larger than %s", ErrNotKept, SizeText(MaxHistoryBody))
	}
	fields := []string{r.Path, r.Body}
	for k, v := range r.Headers {
		fields = append(fields, k, v)
	}
	for _, tok := range tokens {
		if tok == "" {
			continue
		}
		// A token in a query string may be percent-encoded.
		enc := url.QueryEscape(tok)
		for _, f := range fields {
			if strings.Contains(f, tok) || strings.Contains(f, enc) {
				return r, fmt.Errorf("%w: it holds the profile's token", ErrNotKept)
			}
		}
	}
	return r, nil
}

// RequestHistory returns the test requests last sent for the profile, most recent first.
func (v *Vault) RequestHistory(p Profile) ([]TestRequest, error) {
	return v.State.requests(p.ID)
}

// RecordRequest puts req at the head of the profile's request history (moving it there
// if it was sent before), keeping at most MaxRequestHistory. tokens are the bearer tokens
// the request went out with: a request holding one is not kept (ErrNotKept), nor is one
// with a body over MaxHistoryBody. Credential headers (Authorization, Cookie) are
// dropped from what is kept.
func (v *Vault) RecordRequest(ctx context.Context, p Profile, req TestRequest, tokens ...string) error {
	kept, err := req.forHistory(tokens...)
	if err != nil {
		return err
	}
	return v.State.updateRequests(ctx, p.ID, func(h []TestRequest) []TestRequest {
		h = slices.DeleteFunc(h, kept.Equal)
		h = append([]TestRequest{kept}, h...)
		return h[:min(len(h), MaxRequestHistory)]
	})
}

// SaveTestRequest makes req the test request of the profile with ID id (whatever it is
// called now), through the same checked edit as any other change to a profile.
func (v *Vault) SaveTestRequest(ctx context.Context, id string, req TestRequest) (Profile, error) {
	req.Method = strings.ToUpper(strings.TrimSpace(req.Method))
	if req.Method == "GET" && req.Body == "" {
		req.Method = "" // the default, as profiles.toml had it
	}
	if len(req.Headers) == 0 {
		req.Headers = nil
	}
	return v.EditByID(ctx, id, func(p *Profile) error {
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
		if err := v.State.updateRequests(ctx, id, func([]TestRequest) []TestRequest { return nil }); err != nil {
			return err
		}
	}
	return nil
}

// requests reads one profile's request history.
func (f *StateFile) requests(id string) ([]TestRequest, error) {
	doc, err := f.readDoc(context.Background(), false, false)
	if err != nil {
		return nil, err
	}
	return doc.Requests[id], nil
}

// updateRequests changes one profile's request history under the lock.
func (f *StateFile) updateRequests(ctx context.Context, id string, fn func([]TestRequest) []TestRequest) error {
	return f.update(ctx, func(doc *stateDoc) error {
		h := fn(doc.Requests[id])
		if len(h) == 0 {
			delete(doc.Requests, id)
		} else {
			if doc.Requests == nil {
				doc.Requests = map[string][]TestRequest{}
			}
			doc.Requests[id] = h
		}
		doc.Schema = StateSchema
		return nil
	})
}

// isCredentialParam says whether a "name=value" query parameter carries a credential.
func isCredentialParam(p string) bool {
	name, _, _ := strings.Cut(p, "=")
	return isCredentialName(name)
}
