package oauth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
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
