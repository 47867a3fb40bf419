package oauth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A server's plain invalid_client answer stays an invalid_client error whatever the
// secret: the loose redaction (eight of the secret's letters in order, with gaps) can
// match inside ordinary words of a description, and redacting the body before the
// second parse then broke its JSON ("unusable response (HTTP 401, not JSON)"), losing
// the error code and its hint.
func TestRedactionKeepsTheServersError(t *testing.T) {
	t.Parallel()
	const desc = "Invalid client or Invalid client credentials"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":"invalid_client","error_description":"` + desc + `"}`))
	}))
	defer srv.Close()
	// Secrets whose letters occur in order, a few characters apart, in the description.
	for _, secret := range []string{"ncrnvldc-2", "Invalid-client-2", "nvalidclient", "lntrnvldclntcrdntls"} {
		_, err := NewClient().FetchToken(context.Background(), TokenRequest{TokenURL: srv.URL, ClientID: "c", ClientSecret: secret, Auth: AuthPost})
		var oe *OAuthError
		if !errors.As(err, &oe) || oe.Code != "invalid_client" {
			t.Fatalf("secret %q: the server's invalid_client became %v", secret, err)
		}
	}
}

// A secret made of ordinary words (a client_secret_jwt passphrase) makes the loose
// matching of server text catch those words; oat's own hint is not server text and is
// kept whole, while the secret in the server's description is still taken out.
func TestWordySecretLeavesOatsHintWhole(t *testing.T) {
	t.Parallel()
	secret := "checktheclientidandsecretthattheprovider"
	req := TokenRequest{ClientID: "cid", ClientSecret: secret, Auth: AuthClientSecretJWT}
	hint := hintFor("invalid_client", &req)
	e := &OAuthError{Code: "invalid_client", Description: "bad secret " + secret + " for cid", Hint: hint}
	newRedactor(req).err(e)
	if e.Hint != hint {
		t.Errorf("the hint was mangled:\n%s\nwant\n%s", e.Hint, hint)
	}
	if strings.Contains(e.Description, secret[:8]) || !strings.Contains(e.Description, Redacted) {
		t.Errorf("the secret is left in the description: %s", e.Description)
	}
	// The secret itself in a hint (a scope typed as the secret) still goes.
	e = &OAuthError{Code: "invalid_scope", Hint: "the scopes asked for (" + secret + ") are unknown"}
	newRedactor(req).err(e)
	if strings.Contains(e.Hint, secret) {
		t.Errorf("the secret stayed in the hint: %s", e.Hint)
	}
}
