package vault

import (
	"slices"

	"github.com/oatcli/oat/oauth"
)

// methodSettings are the profile settings that only some auth methods use, by their
// profile field name: basic_encoding with basic and auto (auto tries Basic first),
// assertion_audience with the two client-assertion methods, key_alg with
// private_key_jwt.
var methodSettings = map[string][]oauth.AuthMethod{
	"basic_encoding":     {oauth.AuthBasic, oauth.AuthAuto},
	"assertion_audience": {oauth.AuthPrivateKeyJWT, oauth.AuthClientSecretJWT},
	"key_alg":            {oauth.AuthPrivateKeyJWT},
}

// UsesSetting says whether a profile that authenticates with m uses the setting named
// field (its profile field name); every setting but those of methodSettings is used
// by every method. Front ends show only what the method uses and save nothing else: a
// basic encoding left over from an earlier choice must not be written into a
// private_key_jwt profile.
func UsesSetting(m oauth.AuthMethod, field string) bool {
	ms, ok := methodSettings[field]
	return !ok || slices.Contains(ms, m)
}

// SettingMethods are the auth methods that use the setting named field, for messages
// ("only with basic, auto"); nil when every method does.
func SettingMethods(field string) []oauth.AuthMethod { return slices.Clone(methodSettings[field]) }

// DropUnusedSettings clears the settings p's auth method does not use (a default, or
// what an earlier method had).
func (p *Profile) DropUnusedSettings() {
	if !UsesSetting(p.AuthMethod, "basic_encoding") {
		p.BasicEncoding = ""
	}
	if !UsesSetting(p.AuthMethod, "assertion_audience") {
		p.AssertionAudience = ""
	}
	if !UsesSetting(p.AuthMethod, "key_alg") {
		p.KeyAlg = ""
	}
}
