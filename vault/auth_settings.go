package vault

import "github.com/oatcli/oat/oauth"

// UsesSetting says whether a profile that authenticates with m uses the setting named
// field (its profile field name): basic_encoding only with basic and auto (auto tries
// Basic first), assertion_audience with the two client-assertion methods, key_alg with
// private_key_jwt; every other setting with every method. Front ends show only what
// the method uses and save nothing else: a basic encoding left over from an earlier
// choice must not be written into a private_key_jwt profile.
func UsesSetting(m oauth.AuthMethod, field string) bool {
	switch field {
	case "basic_encoding":
		return m == oauth.AuthBasic || m == oauth.AuthAuto
	case "assertion_audience":
		return m == oauth.AuthPrivateKeyJWT || m == oauth.AuthClientSecretJWT
	case "key_alg":
		return m == oauth.AuthPrivateKeyJWT
	}
	return true
}
