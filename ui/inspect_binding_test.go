package ui

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/oauth/oauthtest"
	"github.com/oatcli/oat/vault"
)

// TestInspectorBindingLine: the inspector shows a binding line only for a token with a
// cnf claim (RFC 8705 §3), and says what it is bound to.
func TestInspectorBindingLine(t *testing.T) {
	t.Parallel()
	testInspectorBindingLine(t, 120, 40)
	testInspectorBindingLine(t, 80, 24)
}

func testInspectorBindingLine(t *testing.T, w, ht int) {
	h := newHarness(t, w, ht, false)
	for _, tc := range []struct {
		name string
		cnf  any
	}{{"bound", map[string]any{"x5t#S256": "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"}}, {"plain", nil}} {
		claims := map[string]any{"iss": h.srv.URL, "sub": "s", "exp": h.clk.Now().Add(time.Hour).Unix()}
		if tc.cnf != nil {
			claims["cnf"] = tc.cnf
		}
		tok, err := h.srv.Sign(claims)
		if err != nil {
			t.Fatal(err)
		}
		id := tc.name + "-id"
		h.srv.AddClient(oauthtest.Client{ID: id, Secrets: []string{"Bind-S3cret"},
			Misbehave: oauthtest.Misbehaviour{Custom: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_ = json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 3600})
			}}})
		if _, err := h.v.Add(context.Background(), vault.Profile{Name: tc.name, TokenURL: h.srv.TokenURL(oauthtest.Generic), ClientID: id, AuthMethod: oauth.AuthBasic}, "Bind-S3cret"); err != nil {
			t.Fatal(err)
		}
	}
	h.reloadSelect("bound")
	h.press("enter", "i")
	h.mustContain("binding    bound to a client certificate ? (the profile has none to compare)")
	h.press("esc")
	h.reloadSelect("plain")
	h.press("enter", "i")
	h.mustContain("Inspect plain")
	h.mustNotContain("binding", "bound to")
}
