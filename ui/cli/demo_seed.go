package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/oauth/oauthtest"
	"github.com/oatcli/oat/vault"
)

// DemoProfile is a profile of the demo with its secrets: the one stored now, and the
// one the "provider" has issued for a rotation.
type DemoProfile struct {
	Profile    vault.Profile
	Secret     string
	NextSecret string
}

// DemoProfiles registers one client per provider contract (and a few that go wrong on
// purpose) and returns matching profiles. Tokens live two minutes (one profile 45 s) so
// the countdown can be watched.
func DemoProfiles(s *oauthtest.Server) []DemoProfile {
	s.TokenLifetime = 2 * time.Minute
	type spec struct {
		name, env, client, notes string
		flavour                  oauthtest.Flavour
		realm                    string
		auth                     oauth.AuthMethod
		scopes                   []string
		api, path, method        string
		mis                      oauthtest.Misbehaviour
		lifetime                 time.Duration
		wrongSecret              bool
	}
	specs := []spec{
		{name: "ecoinvent", env: "production", client: "ecoinvent-demo", flavour: oauthtest.Keycloak, realm: "ecoinvent", auth: oauth.AuthPost,
			api: s.URL + "/api", path: "/v0/versions", notes: "Keycloak realm, form-body credentials, like sso.ecoinvent.org"},
		{name: "eds", env: "production", client: "eds-demo", flavour: oauthtest.EDS, auth: oauth.AuthAuto,
			api: s.URL + "/api", path: "/stac/collections", notes: "EarthDaily-style: Basic or body, token cached and reused"},
		{name: "cognito-api", env: "staging", client: "cognito-demo", flavour: oauthtest.Cognito, auth: oauth.AuthBasic, scopes: []string{"api/write"},
			api: s.URL + "/api", path: "/write/orders", notes: "Cognito-style: HTTP Basic, scope api/write required"},
		{name: "dash-staging", env: "staging", client: "dash-staging", flavour: oauthtest.Dashboard, auth: oauth.AuthPost,
			api: s.URL + "/dash", path: "/accounts/dash-staging/orders", notes: "{BASE}/authenticate; staging and production are separate credentials"},
		{name: "dash-production", env: "production", client: "dash-production", flavour: oauthtest.Dashboard, auth: oauth.AuthPost,
			api: s.URL + "/dash", path: "/accounts/dash-production/orders", lifetime: 45 * time.Second, notes: "45-second tokens: watch the countdown"},
		{name: "rotated-away", env: "staging", client: "rotated-demo", flavour: oauthtest.Generic, auth: oauth.AuthAuto, wrongSecret: true,
			notes: "its secret was rotated at the provider: invalid_client"},
		{name: "hostile", env: "test", client: "hostile-demo", flavour: oauthtest.Generic, auth: oauth.AuthBasic, mis: oauthtest.Misbehaviour{HostileDescription: true},
			api: s.URL + "/api", path: "/hostile", notes: "a server that sends terminal escape sequences: oat strips them"},
		{name: "slow", env: "test", client: "slow-demo", flavour: oauthtest.Generic, auth: oauth.AuthBasic, mis: oauthtest.Misbehaviour{Delay: 4 * time.Second},
			notes: "answers after 4 s: press esc to cancel"},
		{name: "opaque", env: "test", client: "opaque-demo", flavour: oauthtest.Generic, auth: oauth.AuthPost, mis: oauthtest.Misbehaviour{Opaque: true, NoExpiresIn: true},
			notes: "an opaque token with no expires_in"},
	}
	var out []DemoProfile
	for _, sp := range specs {
		secret, next := sp.client+"-secret-1", sp.client+"-secret-2"
		s.AddClient(oauthtest.Client{ID: sp.client, Flavour: sp.flavour, Realm: sp.realm, Secrets: []string{secret, next},
			Scopes: []string{"api/read", "api/write"}, Misbehave: sp.mis, Lifetime: sp.lifetime, RevokeOnUse: true})
		stored := secret
		if sp.wrongSecret {
			stored = sp.client + "-secret-0"
		}
		p := vault.Profile{Name: sp.name, Environment: sp.env, ClientID: sp.client, Scopes: sp.scopes, AuthMethod: sp.auth,
			TokenURL: s.TokenURLRealm(sp.flavour, sp.realm), APIBaseURL: sp.api,
			TestRequest: vault.TestRequest{Method: sp.method, Path: sp.path},
			Notes:       sp.notes + fmt.Sprintf(". Demo rotation: the provider has issued the new secret %q.", next)}
		out = append(out, DemoProfile{Profile: p, Secret: stored, NextSecret: next})
	}
	return out
}

// SeedDemo adds the demo profiles to v (skipping names that exist).
func SeedDemo(ctx context.Context, s *oauthtest.Server, v *vault.Vault) ([]DemoProfile, error) {
	ps := DemoProfiles(s)
	for _, d := range ps {
		if _, err := v.Get(d.Profile.Name); err == nil {
			continue
		}
		if _, err := v.Add(ctx, d.Profile, d.Secret); err != nil {
			return nil, fmt.Errorf("demo profile %s: %w", d.Profile.Name, err)
		}
	}
	return ps, nil
}
