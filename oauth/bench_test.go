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
