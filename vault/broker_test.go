package vault

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/oauth/oauthtest"
)

// newServer starts oauthtest with one client per flavour ("<flavour>-client", secret
// "s3cret").
func newServer(t testing.TB) *oauthtest.Server { return oauthtest.NewForTest(t, "s3cret") }

func newBroker(t *testing.T) *Broker {
	t.Helper()
	v := Open(t.TempDir(), NewMemoryStore())
	return &Broker{Vault: v, Client: oauth.NewClient(), Margin: DefaultMargin}
}

// TestCallRetriesOnceAfterTheAPIRevokesTheCachedToken: a provider revokes tokens before
// their expiry; the API answers 401. The cached token is dropped for good, a new one is
// fetched once and the call sent once more.
func TestCallRetriesOnceAfterTheAPIRevokesTheCachedToken(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	b := newBroker(t)
	ctx := context.Background()
	p, err := b.Vault.Add(ctx, Profile{Name: "eds", TokenURL: srv.TokenURL(oauthtest.EDS), ClientID: "eds-client",
		AuthMethod: oauth.AuthBasic, APIBaseURL: srv.APIBaseURL(oauthtest.EDS)}, "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	build := func(p Profile, tok string) (oauth.CallRequest, error) { return p.CallRequest(tok) }
	first, err := b.Token(ctx, "eds", false, 0)
	if err != nil {
		t.Fatal(err)
	}
	srv.RevokeIssuedTokens()
	before := srv.TokenRequests()
	out, err := b.Call(ctx, "eds", false, build)
	if err != nil || out.Result.Status != http.StatusOK || !out.Retried || out.Rejected {
		t.Fatalf("call after revocation: %+v %v", out, err)
	}
	if !strings.Contains(out.Note(), "rejected the cached token") {
		t.Errorf("note %q", out.Note())
	}
	if n := srv.TokenRequests() - before; n != 1 {
		t.Fatalf("%d token requests, want 1", n)
	}
	// The revoked token is never handed out again; the new one is.
	res, err := b.Token(ctx, "eds", false, 0)
	if err != nil || res.Token.AccessToken == first.Token.AccessToken || res.Token.AccessToken != out.Token.Token.AccessToken {
		t.Fatalf("token after the retry: %v", err)
	}
	// Revoke again, and make every new token fail too: one retry, then the 401.
	srv.RevokeIssuedTokens()
	srv.SetMisbehaviour("eds-client", oauthtest.Misbehaviour{Opaque: true})
	before, apiBefore := srv.TokenRequests(), srv.APIRequests()
	out, err = b.Call(ctx, "eds", false, build)
	if err != nil || out.Result.Status != http.StatusUnauthorized || !out.Retried || !out.Rejected {
		t.Fatalf("second 401: %+v %v", out, err)
	}
	if n, m := srv.TokenRequests()-before, srv.APIRequests()-apiBefore; n != 1 || m != 2 {
		t.Fatalf("%d token requests and %d calls, want 1 and 2: no loop", n, m)
	}
	st, _ := b.Vault.TokenStates()
	if k := st[p.ID].Status(b.Vault.Now(), 0).Kind; k != TokenRejected {
		t.Fatalf("state %s, want rejected", k)
	}
	// And the rejected opaque token is not handed out by Token either.
	before = srv.TokenRequests()
	if _, err := b.Token(ctx, "eds", false, 0); err != nil || srv.TokenRequests() != before+1 {
		t.Fatalf("rejected token handed out again: %v", err)
	}
}
