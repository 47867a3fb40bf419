package vault

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/oatcli/oat/oauth"
)

// Broker joins the vault and the client: it hands out cached tokens while they are
// valid, fetches and caches new ones, remembers which auth method worked, and runs the
// rotation and check steps. The CLI and the app both use it.
type Broker struct {
	Vault  *Vault
	Client *oauth.Client
	// Margin: a cached token is reused only while it has more than this left.
	Margin time.Duration
}

// TokenResult is a token handed out by the broker.
type TokenResult struct {
	Profile Profile
	Token   CachedToken
	// FromCache says no request was made.
	FromCache bool
	// Fresh is the full response when a request was made.
	Fresh *oauth.Token
	// CacheWarning is set when the token could not be cached (too large for the store).
	CacheWarning error
}

// Token returns a token for the profile called name: the cached one while it is valid
// for longer than the margin (or minValid, if larger), else a new one. force skips the
// cache.
func (b *Broker) Token(ctx context.Context, name string, force bool, minValid time.Duration) (*TokenResult, error) {
	p, err := b.Vault.Get(name)
	if err != nil {
		return nil, err
	}
	return b.tokenFor(ctx, p, force, minValid)
}

// tokenFor is Token for the profile p.
func (b *Broker) tokenFor(ctx context.Context, p Profile, force bool, minValid time.Duration) (*TokenResult, error) {
	if minValid < b.Margin {
		minValid = b.Margin
	}
	if !force {
		tok, ok, err := b.Vault.CachedToken(ctx, p, minValid)
		if err != nil {
			return nil, err
		}
		// A cached token is checked like a fresh one: a cache written by another
		// program or an older oat must not hand out what a server could not.
		if ok && oauth.CheckAccessToken(tok.AccessToken) == nil && oauth.CheckTokenType(tok.TokenType) == nil {
			return &TokenResult{Profile: p, Token: tok, FromCache: true}, nil
		}
	}
	return b.Fetch(ctx, p)
}

// Fetch gets a new token with the profile's active secret and caches it. A failure is
// recorded in the state file (sanitized, never with the secret).
func (b *Broker) Fetch(ctx context.Context, p Profile) (*TokenResult, error) {
	secret, err := b.Vault.Secret(ctx, p)
	if err != nil {
		return nil, err
	}
	tok, err := b.fetchWith(ctx, p, secret)
	if err == nil && b.Vault.WasRejected(p, tok.AccessToken) {
		err = fmt.Errorf("the token endpoint issued again the very token the API rejected (HTTP 401) before its expiry; oat will not hand it out: ask the provider to revoke it, or wait for its expiry")
	}
	if err != nil {
		if !errors.Is(err, context.Canceled) && ctx.Err() == nil {
			// FetchToken's errors are redacted already; the record is redacted again
			// because it is written to disk.
			_ = b.Vault.RecordTokenError(context.WithoutCancel(ctx), p, oauth.Sanitize(oauth.RedactSecret(FirstLine(err), p.ClientID, secret)))
			err = b.Vault.stagedPending(ctx, p, err)
		}
		return nil, err
	}
	res := &TokenResult{Profile: p, Token: CachedFrom(tok), Fresh: tok}
	if err := b.Vault.SaveToken(ctx, p, res.Token); err != nil {
		if !errors.Is(err, ErrValueTooLarge) {
			return nil, err
		}
		res.CacheWarning = err
	}
	res.Profile = b.rememberAuth(ctx, p, tok.Auth)
	return res, nil
}

// CallOutcome is a call to the profile's API made through the broker.
type CallOutcome struct {
	Result *oauth.CallResult
	// Token is the token the last attempt carried.
	Token *TokenResult
	// Retried says the API answered 401 to the cached token, which was dropped, and the
	// call was sent again with a new token.
	Retried bool
	// Rejected says the API answered 401 to the token the result carries (it is dropped).
	Rejected bool
}

// Note says in one line what the broker did beyond the call ("" when nothing).
func (o *CallOutcome) Note() string {
	switch {
	case o.Retried && o.Rejected:
		return "the API rejected the cached token (HTTP 401); a new one was fetched and rejected too"
	case o.Retried:
		return "the API rejected the cached token (HTTP 401); fetched a new one and sent the call again"
	case o.Rejected:
		return "the API rejected a token fresh from the token endpoint (HTTP 401); it will not be used again"
	}
	return ""
}

// Advice is the result's advice to fix a refused call, without "fetch a fresh token"
// when the token the call carried was fresh from the token endpoint already.
func (o *CallOutcome) Advice() []oauth.Advice {
	if o == nil || o.Result == nil {
		return nil
	}
	if o.Token == nil || o.Token.FromCache {
		return o.Result.Advice
	}
	return slices.DeleteFunc(slices.Clone(o.Result.Advice), func(a oauth.Advice) bool { return a == oauth.AdviceFreshToken })
}

// Call sends the request that build makes for the profile called name, with its token
// (cached while valid, unless force). Providers revoke tokens before their expiry (key
// rollover, an incident, a secret re-provisioned) and answer 401: the rejected token is
// dropped so that nothing hands it out again, and when it came from the cache a new one
// is fetched and the call sent once more. A second 401 is the answer; there is no loop.
func (b *Broker) Call(ctx context.Context, name string, force bool, build func(p Profile, token string) (oauth.CallRequest, error)) (*CallOutcome, error) {
	p, err := b.Vault.Get(name)
	if err != nil {
		return nil, err
	}
	return b.callFor(ctx, p, force, build)
}

// CallByID is Call for the profile with ID id, whatever it is called now: a screen
// that opened a profile keeps calling with it after another oat renamed it, and never
// with another profile that took its name.
func (b *Broker) CallByID(ctx context.Context, id string, force bool, build func(p Profile, token string) (oauth.CallRequest, error)) (*CallOutcome, error) {
	p, err := b.Vault.GetByID(id)
	if err != nil {
		return nil, err
	}
	return b.callFor(ctx, p, force, build)
}

func (b *Broker) callFor(ctx context.Context, p Profile, force bool, build func(p Profile, token string) (oauth.CallRequest, error)) (*CallOutcome, error) {
	res, err := b.tokenFor(ctx, p, force, 0)
	if err != nil {
		return nil, err
	}
	out := &CallOutcome{Token: res}
	send := func(p Profile, token string) (*oauth.CallResult, error) {
		req, err := build(p, token)
		if err == nil {
			err = b.presentCert(ctx, p, &req)
		}
		if err != nil {
			return nil, err
		}
		return b.Client.Call(ctx, req)
	}
	if out.Result, err = send(res.Profile, res.Token.AccessToken); err != nil {
		return out, err
	}
	if out.Result.Status != http.StatusUnauthorized {
		return out, nil
	}
	out.Rejected = true
	_ = b.Vault.RejectToken(context.WithoutCancel(ctx), res.Profile, res.Token.AccessToken)
	if !res.FromCache {
		return out, nil
	}
	fresh, err := b.Fetch(ctx, res.Profile)
	if err != nil {
		// Still the API's 401 (exit 3 in the CLI), with why no new token came.
		return nil, errors.Join(&oauth.CallStatusError{Status: http.StatusUnauthorized, Explanation: out.Result.Explanation},
			fmt.Errorf("the API rejected the cached token, and fetching a new one failed: %w", err))
	}
	first := out.Result
	out.Token, out.Retried = fresh, true
	if out.Result, err = send(fresh.Profile, fresh.Token.AccessToken); err != nil {
		out.Result = first
		return out, err
	}
	out.Rejected = out.Result.Status == http.StatusUnauthorized
	if out.Rejected {
		_ = b.Vault.RejectToken(context.WithoutCancel(ctx), fresh.Profile, fresh.Token.AccessToken)
	}
	return out, nil
}

// fetchWith requests a token for p with secret.
func (b *Broker) fetchWith(ctx context.Context, p Profile, secret string) (*oauth.Token, error) {
	req, err := p.TokenRequest(secret)
	if err != nil {
		return nil, err
	}
	tok, err := b.Client.FetchToken(ctx, req)
	if oe := (*oauth.OAuthError)(nil); errors.As(err, &oe) {
		// oauth's hints name commands for "NAME" (the protocol knows no profile): here
		// it is known.
		oe.Hint = strings.ReplaceAll(oe.Hint, "oat keygen NAME ", "oat keygen "+p.Name+" ")
	}
	return tok, err
}

// callWith sends p's test request with token.
func (b *Broker) callWith(ctx context.Context, p Profile, token string) (*oauth.CallResult, error) {
	req, err := p.CallRequest(token)
	if err == nil {
		err = b.presentCert(ctx, p, &req)
	}
	if err != nil {
		return nil, err
	}
	return b.Client.Call(ctx, req)
}

// presentCert makes a call of a mutual-TLS profile present its client certificate to
// the API (RFC 8705 §3: its tokens are bound to it), whatever built the request. The
// certificate's key is read from the store; other profiles' requests are left alone.
func (b *Broker) presentCert(ctx context.Context, p Profile, req *oauth.CallRequest) error {
	if req.Cert != nil || CredentialOf(p.AuthMethod) != CredCert {
		return nil
	}
	key, err := b.Vault.Secret(ctx, p)
	if err != nil {
		return err
	}
	req.Cert, err = p.certWithKey(key)
	return err
}

// rememberAuth records which method worked for a profile on auto, so the next request
// goes straight to it; it returns the profile as saved (p when nothing changed).
func (b *Broker) rememberAuth(ctx context.Context, p Profile, worked oauth.AuthMethod) Profile {
	if p.AuthMethod != oauth.AuthAuto || p.DetectedAuth == worked {
		return p
	}
	if np, err := b.Vault.Edit(ctx, p.Name, func(q *Profile) error { q.DetectedAuth = worked; return nil }); err == nil {
		return np
	}
	return p
}

// RotationStep is one step of a rotation, for step-by-step display.
type RotationStep struct {
	Name string
	OK   bool
	// Skipped says the step did not run (no API set: no test call); Note says why.
	Skipped bool
	Note    string
}

// RotationReport describes a finished or failed rotation.
type RotationReport struct {
	Profile Profile
	Steps   []RotationStep
	// NewFingerprint and OldFingerprint name the two secrets.
	NewFingerprint string
	OldFingerprint string
	// NewKeyID and OldKeyID are, in a key rotation, the kids the provider knows the two
	// keys by (their own, else their thumbprints).
	NewKeyID, OldKeyID string
	Call               *oauth.CallResult
	// CallErr says why the test call failed when the new secret was made active anyway
	// (RotateOptions.ActivateIfCallFails).
	CallErr error
	// Token is the token fetched with the new secret, cached for the profile once the
	// new secret is active: the front ends show it as the profile's token.
	Token *TokenResult
	// Shared are the other profiles with the same client ID and token URL: they still
	// hold the old secret and fail once it is revoked (UpdateShared gives them the new).
	Shared []Profile
	// Key says a private key was rotated (RotateStagedKey): the fingerprints are then
	// the keys' RFC 7638 thumbprints.
	Key bool
	// Cert says a client certificate was rotated (RotateStagedCert): the fingerprints
	// are then the certificates' x5t#S256.
	Cert bool
}

// credential names what was rotated: "key", "certificate" or "secret".
func (r *RotationReport) credential() string {
	switch {
	case r.Cert:
		return "certificate"
	case r.Key:
		return "key"
	}
	return "secret"
}

func (r *RotationReport) step(name string, ok bool, note string) {
	r.Steps = append(r.Steps, RotationStep{Name: name, OK: ok, Note: note})
}

// The steps of a rotation, by the names its RotationSteps carry.
const (
	StepStage   = "stage the new secret"
	StepToken   = "get a token with the new secret"
	StepCall    = "test call with the new token"
	StepPromote = "make the new secret active"
)

// RotateOptions change how RotateWith goes.
type RotateOptions struct {
	// ActivateIfCallFails makes the new secret active when the provider issued a token
	// for it and only the profile's test call failed (a test request pointing at
	// something this client may not reach). The old secret is kept aside as always;
	// RotationReport.CallErr says why the call failed.
	ActivateIfCallFails bool
	// Starting, when set, is called as each step starts, with its name (a Step const):
	// a front end names the step in flight.
	Starting func(step string)
}

// RotationError is a rotation that stopped before the new secret became active: the
// staged copy is discarded and the old secret is still active.
type RotationError struct {
	Step string // the step that failed (a Step const)
	Err  error  // why
	// OldFingerprint names the old secret, still active.
	OldFingerprint string
	// TokenOK says the provider issued a token for the new secret: the secret works, and
	// only the test call failed. Call is that request ("GET /path").
	TokenOK bool
	Call    string
	// Cancelled says the caller cancelled the rotation (ctx); Err is ctx's error.
	Cancelled bool
	// KeptStaged says the new credential is still staged (a key: its public half is
	// registered at the provider, so it is tried again rather than regenerated).
	KeptStaged bool
	// Cert says the credential is a client certificate (RotateStagedCert).
	Cert bool
}

func (e *RotationError) Error() string {
	if e.KeptStaged {
		what := "key"
		if e.Cert {
			what = "certificate"
		}
		return fmt.Sprintf("%s\nthe new %s stays staged, not active; the old %s (%s) is still active", e.Err, what, what, e.OldFingerprint)
	}
	return fmt.Sprintf("%s\nthe new secret was not stored; the old secret (%s) is still active", e.Err, e.OldFingerprint)
}

func (e *RotationError) Unwrap() error { return e.Err }

// CallText is p's test request as a user reads it: method and path (or URL).
func (p Profile) CallText() string {
	r := p.TestRequest.Normalized()
	return r.Method + " " + r.Path
}

// Rotate runs the rotation check with no options (see RotateWith).
func (b *Broker) Rotate(ctx context.Context, name, newSecret string, progress func(RotationStep)) (*RotationReport, error) {
	return b.RotateWith(ctx, name, newSecret, RotateOptions{}, progress)
}

// RotateWith runs the rotation check: stage the new secret, get a token with it (and run
// the profile's test call when it has one), and only then promote it, keeping the old one
// aside. On any failure, or when ctx is cancelled before the promotion, the staged secret
// is discarded and the old one stays active; the error is a *RotationError. progress,
// when set, is called after each step.
func (b *Broker) RotateWith(ctx context.Context, name, newSecret string, opts RotateOptions, progress func(RotationStep)) (*RotationReport, error) {
	r := b.newRotation(ctx, opts, progress)
	r.rep.NewFingerprint = Fingerprint(newSecret)
	r.start(StepStage)
	p, err := b.Vault.StageSecret(ctx, name, newSecret)
	if err != nil {
		r.report(StepStage, false, FirstLine(err))
		// A RotationError like the other steps' failures: the step line gave the first
		// line of why, and the front ends say the rest once (not the whole error again).
		if cur, gerr := b.Vault.Get(name); gerr == nil {
			return r.rep, &RotationError{Step: StepStage, Err: err, OldFingerprint: cur.SecretFingerprint}
		}
		return r.rep, err
	}
	r.rep.Profile, r.rep.OldFingerprint = p, p.SecretFingerprint
	r.report(StepStage, true, "fingerprint "+r.rep.NewFingerprint)
	return r.tryAndPromote(name, p, p, newSecret, false)
}

// RotateStagedKey runs the rotation check of the key staged with StageKey (after the
// user registered its public key at the provider): a token with it (and the test call),
// and only then the promotion, the old key kept aside. On failure the old key stays
// active and the new one stays staged, to try again once the registration is right;
// the error is a *RotationError with KeptStaged set.
func (b *Broker) RotateStagedKey(ctx context.Context, name string, opts RotateOptions, progress func(RotationStep)) (*RotationReport, error) {
	r := b.newRotation(ctx, opts, progress)
	p, err := b.Vault.Recover(ctx, name)
	if err != nil {
		return r.rep, err
	}
	if p.AuthMethod != oauth.AuthPrivateKeyJWT {
		return r.rep, fmt.Errorf("%q %w", name, ErrNotAKeyProfile)
	}
	sk, err := b.Vault.StagedKeyOf(ctx, p)
	if errors.Is(err, ErrNothingStaged) {
		return r.rep, fmt.Errorf("%q: no new key is staged: start with oat rotate %s --keygen", name, name)
	}
	if err != nil {
		return r.rep, err
	}
	r.rep.Profile, r.rep.OldFingerprint, r.rep.NewFingerprint = p, p.KeyThumbprint, sk.Key.Thumbprint
	r.rep.OldKeyID, r.rep.NewKeyID = KidOf(p.KeyThumbprint, p.KeyID), KidOf(sk.Key.Thumbprint, sk.Key.KeyID)
	r.rep.Key = true
	r.rep.step(StepStage, true, "thumbprint "+sk.Key.Thumbprint)
	r.send()
	return r.tryAndPromote(name, p, withKey(p, sk.Key.PEM), sk.Key.PEM, true)
}

// RotateStagedCert runs the rotation check of the client certificate staged with
// StageCert: a token with it (and the test call, presenting it), and only then the
// promotion, the old certificate and key kept aside. On failure the old one stays
// active and the new one stays staged, to try again once the provider knows it (a
// self-signed certificate's registration); the error is a *RotationError with
// KeptStaged and Cert set.
func (b *Broker) RotateStagedCert(ctx context.Context, name string, opts RotateOptions, progress func(RotationStep)) (*RotationReport, error) {
	r := b.newRotation(ctx, opts, progress)
	p, err := b.Vault.Recover(ctx, name)
	if err != nil {
		return r.rep, err
	}
	if CredentialOf(p.AuthMethod) != CredCert {
		return r.rep, fmt.Errorf("%q %w", name, ErrNotACertProfile)
	}
	staged, err := b.Vault.StagedSecret(ctx, p)
	if errors.Is(err, ErrNothingStaged) {
		return r.rep, fmt.Errorf("%q: no new certificate is staged: start with oat rotate %s < new.pem (the new certificate and its key)", name, name)
	}
	if err != nil {
		return r.rep, err
	}
	tryAs, key, err := certCredential(p, staged)
	if err != nil {
		return r.rep, fmt.Errorf("the staged certificate of %q: %w", name, err)
	}
	if cur, ok, _ := p.CertInfo(); ok {
		r.rep.OldFingerprint = cur.Thumbprint
	}
	r.rep.Profile, r.rep.NewFingerprint, r.rep.Cert = p, certThumbprint(staged), true
	r.rep.step(StepStage, true, "x5t#S256 "+r.rep.NewFingerprint)
	r.send()
	return r.tryAndPromote(name, p, tryAs, key, true)
}

// rotation is one run of the rotation check, reporting its steps as they go.
type rotation struct {
	b        *Broker
	ctx      context.Context
	opts     RotateOptions
	progress func(RotationStep)
	rep      *RotationReport
}

func (b *Broker) newRotation(ctx context.Context, opts RotateOptions, progress func(RotationStep)) *rotation {
	return &rotation{b: b, ctx: ctx, opts: opts, progress: progress, rep: &RotationReport{}}
}

func (r *rotation) send() {
	if r.progress != nil {
		r.progress(r.rep.Steps[len(r.rep.Steps)-1])
	}
}

func (r *rotation) report(n string, ok bool, note string) {
	r.rep.step(n, ok, note)
	r.send()
}

func (r *rotation) start(n string) {
	if r.opts.Starting != nil {
		r.opts.Starting(n)
	}
}

// tryAndPromote gets a token with cred (the staged credential) as tryAs, runs p's test
// call with it, and promotes it. keep leaves the staged credential in place on failure.
func (r *rotation) tryAndPromote(name string, p, tryAs Profile, cred string, keep bool) (*RotationReport, error) {
	b, ctx, rep, opts := r.b, r.ctx, r.rep, r.opts
	fail := func(re *RotationError) (*RotationReport, error) {
		re.Cert = rep.Cert
		if keep {
			re.KeptStaged = true
		} else {
			_ = b.Vault.DiscardStaged(context.WithoutCancel(ctx), p)
		}
		re.OldFingerprint = rep.OldFingerprint
		if cerr := ctx.Err(); cerr != nil {
			re.Cancelled, re.TokenOK = true, false // cut off, not refused
			if !errors.Is(re.Err, cerr) {
				re.Err = cerr
			}
		}
		return rep, re
	}
	r.start(StepToken)
	tok, err := b.fetchWith(ctx, tryAs, cred)
	if err != nil {
		r.report(StepToken, false, FirstLine(err))
		return fail(&RotationError{Step: StepToken, Err: err})
	}
	r.report(StepToken, true, fmt.Sprintf("%s token, auth %s", tok.TokenType, tok.Auth))
	if to, api, cross := p.CrossOrigin(p.TestRequest); cross {
		// The new token never goes unasked to another origin than the API URL's.
		rep.Steps = append(rep.Steps, RotationStep{Name: StepCall, OK: true, Skipped: true,
			Note: "skipped: the test request sends the token to " + to + ", not the API URL's " + api})
		r.send()
	} else if p.HasTestCall() {
		r.start(StepCall)
		var res *oauth.CallResult
		var err error
		if rep.Cert {
			// The token may be bound to the new certificate (RFC 8705 §3): the call
			// presents that one, not the active one.
			var req oauth.CallRequest
			if req, err = tryAs.CallRequestWith(tok.AccessToken, cred); err == nil {
				res, err = b.Client.Call(ctx, req)
			}
		} else {
			res, err = b.callWith(ctx, p, tok.AccessToken)
		}
		if err == nil {
			err = res.Err()
		}
		rep.Call = res
		switch {
		case err != nil && ctx.Err() == nil && opts.ActivateIfCallFails:
			rep.CallErr = err
			r.report(StepCall, false, FirstLine(err))
		case err != nil:
			r.report(StepCall, false, FirstLine(err))
			return fail(&RotationError{Step: StepCall, Err: err, TokenOK: true, Call: p.CallText()})
		default:
			r.report(StepCall, true, fmt.Sprintf("HTTP %d in %s", res.Status, LatencyText(res.Latency)))
		}
	} else {
		rep.Steps = append(rep.Steps, RotationStep{Name: StepCall, OK: true, Skipped: true, Note: "skipped: no API set for this profile"})
		r.send()
	}
	r.start(StepPromote)
	if err := ctx.Err(); err != nil { // cancelled: nothing is promoted
		r.report(StepPromote, false, "cancelled")
		return fail(&RotationError{Step: StepPromote, Err: err})
	}
	// Promoting is local and quick: once started it finishes, so a cancel never leaves
	// it half-done.
	ctx = context.WithoutCancel(ctx)
	np, err := b.Vault.Promote(ctx, name)
	if err != nil {
		r.report(StepPromote, false, FirstLine(err))
		if np.ID == "" && !keep {
			_ = b.Vault.DiscardStaged(ctx, p)
		}
		return rep, err
	}
	rep.Profile = np
	r.report(StepPromote, true, "the old "+rep.credential()+" is kept aside until it is confirmed revoked")
	// The token the new secret earned is the profile's token now (promoting dropped the
	// one the old secret had earned).
	res := &TokenResult{Profile: np, Token: CachedFrom(tok), Fresh: tok}
	if err := b.Vault.SaveToken(ctx, np, res.Token); err != nil {
		res.CacheWarning = err
	}
	rep.Profile = b.rememberAuth(ctx, np, tok.Auth)
	res.Profile, rep.Token = rep.Profile, res
	rep.Shared, _ = b.Vault.SharedClient(rep.Profile) // a warning only: a failed read hides it
	return rep, nil
}

// OldSecretVerdict is the outcome of checking the previous secret.
type OldSecretVerdict string

// The verdicts.
const (
	// Revoked: the server answered invalid_client; the old secret was deleted.
	Revoked OldSecretVerdict = "revoked"
	// StillAccepted: the server still issues tokens for the old secret.
	StillAccepted OldSecretVerdict = "still accepted"
)

// CheckOld tries the previous secret. invalid_client means the provider revoked it: it
// is deleted. A token means it still works: it is kept, and the caller should warn. Any
// other failure (network, server error) decides nothing and keeps it.
func (b *Broker) CheckOld(ctx context.Context, name string) (OldSecretVerdict, Profile, error) {
	p, err := b.Vault.Recover(ctx, name)
	if err != nil {
		return "", p, err
	}
	old, err := b.Vault.PreviousSecret(ctx, p)
	if err != nil {
		return "", p, err
	}
	// A kept key signs as itself (its own kid and algorithm), not as the active key; a
	// kept certificate is presented with its own key.
	tryAs, cred := withKey(p, old), old
	if CredentialOf(p.AuthMethod) == CredCert {
		if tryAs, cred, err = certCredential(p, old); err != nil {
			return "", p, fmt.Errorf("the kept certificate of %q: %w", name, err)
		}
		// Asked afresh: a connection kept alive from an earlier try skips the handshake,
		// where a revoked or expired certificate is refused.
		b.Client.CloseIdleConnections()
	}
	_, err = b.fetchWith(ctx, tryAs, cred)
	if err == nil {
		return StillAccepted, p, nil
	}
	// A certificate is rejected by the token endpoint (invalid_client: not the one
	// registered) or already in the TLS handshake (revoked, expired, not trusted).
	var ce *oauth.CertificateRejectedError
	if !isInvalidClient(err) && !(CredentialOf(p.AuthMethod) == CredCert && errors.As(err, &ce) && ce.Subject != "") {
		return "", p, fmt.Errorf("could not tell whether the old secret is revoked (kept): %w", err)
	}
	np, err := b.Vault.DropPrevious(ctx, name)
	if err != nil {
		return Revoked, p, fmt.Errorf("the old secret is revoked, but deleting it failed: %w", err)
	}
	// Profiles of the same client that took the new secret too (UpdateShared) kept the
	// same old secret aside: the provider has just rejected it for them as well.
	if sibs, err := b.Vault.SharedClient(np); err == nil {
		for _, q := range sibs {
			if q.PreviousFingerprint != "" && q.PreviousFingerprint == p.PreviousFingerprint {
				_, _ = b.Vault.DropPrevious(ctx, q.Name)
			}
		}
	}
	return Revoked, np, nil
}

func isInvalidClient(err error) bool {
	var ae *oauth.AutoError
	if errors.As(err, &ae) {
		return isInvalidClient(ae.Basic) && isInvalidClient(ae.Post)
	}
	var oe *oauth.OAuthError
	return errors.As(err, &oe) && oe.Code == "invalid_client"
}

// CheckRow is the result of checking one profile.
type CheckRow struct {
	Name      string
	OK        bool
	Latency   time.Duration
	Lifetime  time.Duration // 0 when unknown
	SecretAge time.Duration
	Overdue   bool
	CallCode  int // HTTP status of the test call, 0 when none ran
	Err       error
	Hint      string
	// CallSkipped says the test call was asked for but the profile has no API set.
	CallSkipped bool
}

// Check fetches a token (and, with call, runs the test call) for each named profile, at
// most concurrency at a time. each, when set, receives rows as they finish. Rows are
// returned failures first, then by name.
func (b *Broker) Check(ctx context.Context, names []string, call bool, concurrency int, each func(CheckRow)) []CheckRow {
	if concurrency < 1 {
		concurrency = 4
	}
	byName := map[string]Profile{}
	if ps, err := b.Vault.List(); err == nil { // read once: a Get per profile reads the file each time
		for _, p := range ps {
			byName[strings.ToLower(p.Name)] = p
		}
	}
	rows := make([]CheckRow, len(names))
	sem := make(chan struct{}, concurrency)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i, name := range names {
		wg.Add(1)
		go func(i int, name string) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			row := b.checkOne(ctx, name, byName, call)
			rows[i] = row
			if each != nil {
				mu.Lock()
				each(row)
				mu.Unlock()
			}
		}(i, name)
	}
	wg.Wait()
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].OK != rows[j].OK {
			return !rows[i].OK
		}
		return rows[i].Name < rows[j].Name
	})
	return rows
}

func (b *Broker) checkOne(ctx context.Context, name string, byName map[string]Profile, call bool) CheckRow {
	row := CheckRow{Name: name}
	p, ok := byName[strings.ToLower(name)]
	if !ok {
		row.Err = fmt.Errorf("%w %q", ErrProfileNotFound, name)
		return row
	}
	if err := ctx.Err(); err != nil { // out of time: the rest are not started
		row.Err = fmt.Errorf("not checked: %w", err)
		return row
	}
	row.SecretAge, row.Overdue = b.Vault.SecretAge(p), b.Vault.Overdue(p)
	start := time.Now()
	res, err := b.Fetch(ctx, p)
	row.Latency = time.Since(start)
	if err != nil {
		row.Err, row.Hint = err, Hint(err)
		return row
	}
	if res.Fresh != nil {
		row.Latency = res.Fresh.Exchange.Latency
		if !res.Token.ExpiresAt.IsZero() {
			row.Lifetime = res.Token.ExpiresAt.Sub(res.Token.FetchedAt)
		}
	}
	row.CallSkipped = call && !p.HasTestCall()
	if to, api, cross := res.Profile.CrossOrigin(res.Profile.TestRequest); call && cross {
		// Never sent unasked: the request may have been saved to collect tokens.
		row.Err = &CrossOriginError{To: to, API: api}
		row.Hint = "oat call " + p.Name + " --yes sends it there once; or save a path under the API URL"
		return row
	}
	if call && p.HasTestCall() {
		cr, err := b.callWith(ctx, res.Profile, res.Token.AccessToken)
		if err == nil {
			row.CallCode = cr.Status
			err = cr.Err()
		}
		if err != nil {
			row.Err, row.Hint = err, Hint(err)
			return row
		}
	}
	row.OK = true
	return row
}
