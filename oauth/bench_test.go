package oauth

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oatcli/oat/oauth/oauthtest"
)

// BenchmarkTokenFetch compares a token fetch through oat's client with a bare net/http
// POST of the same form against the same loopback server, in the same run. The ratio
// (target <= 1.2) is reported as a metric of the "oat" sub-benchmark.
func BenchmarkTokenFetch(b *testing.B) {
	srv, err := oauthtest.New()
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	srv.AddClient(oauthtest.Client{ID: "bench", Secrets: []string{"s3cret"}, Scopes: []string{"api/read"}})
	r := TokenRequest{TokenURL: srv.TokenURL(oauthtest.Generic), ClientID: "bench", ClientSecret: "s3cret", Auth: AuthPost, Scopes: []string{"api/read"}}
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"api/read"}, "client_id": {"bench"}, "client_secret": {"s3cret"}}.Encode()

	var bareNs float64
	b.Run("bare-net-http", func(b *testing.B) {
		hc := &http.Client{}
		for b.Loop() {
			resp, err := hc.Post(r.TokenURL, "application/x-www-form-urlencoded", strings.NewReader(form))
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatal(resp.Status)
			}
		}
		bareNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	b.Run("oat", func(b *testing.B) {
		c := NewClient()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.FetchToken(context.Background(), r); err != nil {
				b.Fatal(err)
			}
		}
		if bareNs > 0 {
			b.ReportMetric((float64(b.Elapsed().Nanoseconds())/float64(b.N))/bareNs, "x-bare")
		}
	})
}

// BenchmarkClientAuth is the cost of each client authentication method beside a client
// secret in the body (post), against the same loopback server in the same run: the
// signing of an assertion (private_key_jwt per algorithm, client_secret_jwt). Each
// method's time over post's is its "x-post" metric.
func BenchmarkClientAuth(b *testing.B) {
	srv, err := oauthtest.New()
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	secret := "a-client-secret-of-at-least-32-bytes!!"
	srv.AddClient(oauthtest.Client{ID: "bench", Secrets: []string{secret}, Scopes: []string{"api/read"}})
	base := TokenRequest{TokenURL: srv.TokenURL(oauthtest.Generic), ClientID: "bench", ClientSecret: secret, Scopes: []string{"api/read"}}
	var postNs float64
	run := func(name string, r TokenRequest) {
		b.Run(name, func(b *testing.B) {
			c := NewClient()
			for b.Loop() {
				if _, err := c.FetchToken(context.Background(), r); err != nil {
					b.Fatal(err)
				}
			}
			ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			if name == "post" {
				postNs = ns
			} else if postNs > 0 {
				b.ReportMetric(ns/postNs, "x-post")
			}
		})
	}
	r := base
	r.Auth = AuthPost
	run("post", r)
	r.Auth = AuthClientSecretJWT
	run("client_secret_jwt", r)
	for _, alg := range []string{"ES256", "EdDSA", "RS256", "PS256"} {
		key, err := GenerateClientKey(alg)
		if err != nil {
			b.Fatal(err)
		}
		docs, err := PublicDocs(key, alg)
		if err != nil {
			b.Fatal(err)
		}
		if err := srv.RegisterKey("bench", []byte(docs.JWK)); err != nil {
			b.Fatal(err)
		}
		r := base
		r.Auth, r.ClientSecret, r.ClientKey, r.SigningAlg = AuthPrivateKeyJWT, "", key, alg
		run("private_key_jwt-"+alg, r)
	}
}
