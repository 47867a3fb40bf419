package vault

import (
	"testing"

	"github.com/oatcli/oat/oauth"
)

func TestUsesSetting(t *testing.T) {
	t.Parallel()
	all := []oauth.AuthMethod{oauth.AuthBasic, oauth.AuthPost, oauth.AuthAuto, oauth.AuthPrivateKeyJWT, oauth.AuthClientSecretJWT,
		oauth.AuthTLS, oauth.AuthSelfSignedTLS}
	want := map[string][]oauth.AuthMethod{
		"basic_encoding":     {oauth.AuthBasic, oauth.AuthAuto},
		"assertion_audience": {oauth.AuthPrivateKeyJWT, oauth.AuthClientSecretJWT},
		"key_alg":            {oauth.AuthPrivateKeyJWT},
		"scopes":             all,
		"ca_file":            all,
	}
	for field, uses := range want {
		for _, m := range all {
			in := false
			for _, u := range uses {
				in = in || u == m
			}
			if got := UsesSetting(m, field); got != in {
				t.Errorf("UsesSetting(%s, %s) = %v", m, field, got)
			}
		}
	}
}

// MergeEdit applies a changed basic encoding and assertion audience (the form drops
// those the new auth does not use) and leaves them alone when the edit did not
// change them, whatever another oat set meanwhile.
func TestMergeEditAuthSettings(t *testing.T) {
	t.Parallel()
	from := Profile{AuthMethod: oauth.AuthBasic, BasicEncoding: oauth.BasicRaw}
	edited := Profile{AuthMethod: oauth.AuthPrivateKeyJWT, AssertionAudience: oauth.AudienceIssuer}
	cur := from
	MergeEdit(&cur, from, edited)
	if cur.AuthMethod != oauth.AuthPrivateKeyJWT || cur.BasicEncoding != "" || cur.AssertionAudience != oauth.AudienceIssuer {
		t.Fatalf("merged %+v", cur)
	}
	cur = Profile{AuthMethod: oauth.AuthPrivateKeyJWT, AssertionAudience: oauth.AudienceIssuer}
	MergeEdit(&cur, edited, edited)
	if cur.AssertionAudience != oauth.AudienceIssuer {
		t.Fatalf("an unchanged audience was merged: %+v", cur)
	}
}

func TestDropUnusedSettings(t *testing.T) {
	t.Parallel()
	p := Profile{AuthMethod: oauth.AuthPost, BasicEncoding: oauth.BasicRaw, AssertionAudience: oauth.AudienceIssuer, KeyAlg: "ES256"}
	p.DropUnusedSettings()
	if p.BasicEncoding != "" || p.AssertionAudience != "" || p.KeyAlg != "" {
		t.Fatalf("post keeps %+v", p)
	}
	p = Profile{AuthMethod: oauth.AuthPrivateKeyJWT, BasicEncoding: oauth.BasicRFC, AssertionAudience: oauth.AudienceIssuer, KeyAlg: "PS256"}
	p.DropUnusedSettings()
	if p.BasicEncoding != "" || p.AssertionAudience != oauth.AudienceIssuer || p.KeyAlg != "PS256" {
		t.Fatalf("private_key_jwt keeps %+v", p)
	}
	if got := SettingMethods("basic_encoding"); len(got) != 2 || SettingMethods("scopes") != nil {
		t.Fatalf("SettingMethods: %v", got)
	}
}
