package oauth

import (
	"testing"
	"time"
)

// A server whose clock is a second or two behind oat's must not see an assertion that
// is not valid yet: iat and nbf lie a few seconds back, exp stays within 5 minutes of
// now (and after now).
func TestAssertionTimesAllowForServerClockBehind(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	c := NewClient()
	c.Now = func() time.Time { return now }
	key, _ := GenerateClientKey("ES256")
	for _, auth := range []AuthMethod{AuthClientSecretJWT, AuthPrivateKeyJWT} {
		r := TokenRequest{TokenURL: "https://as.example/token", ClientID: "c", ClientSecret: jwtSecret, Auth: auth, ClientKey: key}
		a, err := c.clientAssertion(r, auth)
		if err != nil {
			t.Fatal(err)
		}
		_, claims := decodeJWTParts(t, a)
		iat, nbf, exp := int64(claims["iat"].(float64)), int64(claims["nbf"].(float64)), int64(claims["exp"].(float64))
		behind := now.Add(-2 * time.Second).Unix() // a server clock two seconds behind
		if iat > behind || nbf > behind {
			t.Errorf("%s: iat %d nbf %d are after %d: a server two seconds behind rejects the assertion", auth, iat, nbf, behind)
		}
		if now.Unix()-iat > 30 {
			t.Errorf("%s: iat %d is more than 30 s back", auth, iat)
		}
		if exp <= now.Unix() || exp > now.Add(5*time.Minute).Unix() {
			t.Errorf("%s: exp %d, want after now and within 5 minutes (now %d)", auth, exp, now.Unix())
		}
	}
}
