package vault

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/oatcli/oat/oauth"
)

// CleanSecret is a typed or pasted secret without the white space around it: a paste
// from a provider's web page often brings a line break (which a text field turns into a
// space), and no provider issues a secret that starts or ends with white space.
func CleanSecret(s string) string { return strings.TrimSpace(s) }

// CheckSecret refuses a client secret that is empty, holds a character a client secret
// cannot hold (see checkVSCHAR), or is an obvious placeholder: a
// template's `<EDS_SECRET HERE>`, `your_client_secret`, `changeme`, `${SECRET}`, `xxxx`.
// EarthDaily's EDS.env is downloaded with such a value for the user to replace;
// storing it would only fail later as invalid_client. The check is on the whole value,
// so a real secret that merely contains such a word is accepted.
func CheckSecret(secret string) error {
	if strings.TrimSpace(secret) == "" {
		return &FieldError{Field: "client_secret", Problem: "is empty"}
	}
	if err := keyMaterialProblem(secret); err != nil {
		return err // before the characters: a PEM's line breaks are not the point
	}
	if err := checkVSCHAR(secret); err != nil {
		return err
	}
	if IsPlaceholderSecret(secret) {
		return &FieldError{Field: "client_secret", Problem: "is a placeholder, not a secret: give the secret the provider showed you (at the prompt or on stdin); nothing was saved"}
	}
	return nil
}

// placeholderWords are whole values that templates put where a secret belongs
// (compared in lower case, with '-' and ' ' read as '_').
var placeholderWords = map[string]bool{
	"your_client_secret": true, "your_secret": true, "client_secret": true, "secret": true, "password": true,
	"changeme": true, "change_me": true, "replace_me": true, "replaceme": true, "placeholder": true,
	"todo": true, "tbd": true, "fixme": true,
}

// IsPlaceholderSecret reports whether s is an obvious stand-in for a secret. Quotes
// around it (straight or typographic), a trailing ; or , and JSON's \u003c / \u003e are
// looked through.
func IsPlaceholderSecret(s string) bool {
	t := strings.TrimSpace(s)
	t = strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u003C`, "<", `\u003E`, ">").Replace(t)
	t = strings.TrimRight(t, ";,")
	t = strings.Trim(t, "\"'`“”‘’«»")
	if isEnvReference(t) {
		return true // $EDS_SECRET, ${EDS_SECRET}, %EDS_SECRET%: a variable's name, not its value
	}
	t = strings.ToLower(t)
	norm := strings.NewReplacer("-", "_", " ", "_").Replace(t)
	switch {
	case t == "":
		return false
	case strings.HasPrefix(t, "<") && strings.HasSuffix(t, ">"),
		strings.HasPrefix(t, "${") && strings.HasSuffix(t, "}"),
		strings.HasPrefix(t, "{{") && strings.HasSuffix(t, "}}"),
		strings.HasPrefix(t, "[") && strings.HasSuffix(t, "]"):
		return true
	case len(t) >= 3 && (strings.Trim(t, "x") == "" || strings.Trim(t, "*") == "" || strings.Trim(t, ".") == ""):
		return true
	case norm == "here" || strings.HasSuffix(norm, "_here"), strings.HasPrefix(norm, "replace_with"), strings.HasPrefix(norm, "insert_"):
		return true
	}
	return placeholderWords[norm]
}

// isEnvReference says whether s is a shell or Windows variable reference: $NAME,
// ${NAME} or %NAME%, with NAME in capitals.
func isEnvReference(s string) bool {
	name := ""
	switch {
	case strings.HasPrefix(s, "${") && strings.HasSuffix(s, "}"):
		name = s[2 : len(s)-1]
	case strings.HasPrefix(s, "$"):
		name = s[1:]
	case len(s) > 2 && strings.HasPrefix(s, "%") && strings.HasSuffix(s, "%"):
		name = s[1 : len(s)-1]
	default:
		return false
	}
	if name == "" {
		return false
	}
	for i, r := range name {
		if !(r == '_' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// checkVSCHAR refuses a secret with a character outside %x20-7E: RFC 6749 Appendix A.2
// defines client-secret = *VSCHAR, VSCHAR = %x20-7E. A control character or a bidi
// override in a secret is a paste gone wrong or an attack (an escape sequence that
// reaches the terminal when the secret is shown once, a U+202E that shows it reversed),
// never a secret a provider issued. The message says what kind of character, never
// where it is nor, for one that could be part of the secret, which.
func checkVSCHAR(secret string) error {
	if kind := SecretCharProblem(secret); kind != "" {
		return &FieldError{Field: "client_secret", Problem: "holds " + kind + ": a client secret is printable ASCII only " +
			"(RFC 6749 Appendix A: letters, digits, punctuation and spaces); check the paste; nothing was saved"}
	}
	return nil
}

// SecretCharProblem names the first character of s a client secret cannot hold (see
// checkVSCHAR), or is "" when every character is VSCHAR. A control character is a
// paste's artifact (a tab, a line break, an escape), named with its code; any other
// character outside printable ASCII could be part of the secret, so only its class is
// named. The app's secret fields check each key and paste with it before their text
// input (which turns a tab into a space and drops controls) sees it.
func SecretCharProblem(s string) string {
	for _, r := range s {
		if r >= 0x20 && r <= 0x7e {
			continue
		}
		switch {
		case r == '\t':
			return "a tab"
		case r == '\n' || r == '\r':
			return "a line break"
		case r == 0x1b:
			return "an escape character"
		case r < 0x20 || r == 0x7f:
			return fmt.Sprintf("a control character (U+%04X)", r)
		default:
			return "a character outside printable ASCII"
		}
	}
	return ""
}

// LooksLikeKeyMaterial says what s is when it is a private key, a certificate or a
// JWK rather than a client secret, with the auth method that takes it ("" when s is
// none of them). A key pasted or piped where a secret goes would otherwise be stored
// as one (a JWK is one printable line) and sent to the token endpoint as the client
// secret, in Basic and in the body.
func LooksLikeKeyMaterial(s string) (kind string, method oauth.AuthMethod) {
	t := strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(t, "\x30\x82") || strings.HasPrefix(t, "\x30\x80") || strings.ContainsRune(t, 0):
		// A DER SEQUENCE (a .p12/.pfx, a .der key or certificate) or other binary data.
		return "binary data (a PKCS#12 .p12/.pfx or a DER file?), not text", oauth.AuthTLS
	case strings.Contains(t, "-----BEGIN CERTIFICATE-----"):
		return "a certificate (PEM)", oauth.AuthTLS
	case strings.Contains(t, "-----BEGIN") && strings.Contains(t, "PRIVATE KEY-----"):
		return "a private key (PEM)", oauth.AuthPrivateKeyJWT
	case strings.Contains(t, "-----BEGIN") && strings.Contains(t, "PUBLIC KEY-----"):
		return "a public key (PEM, what the provider registers; oat takes the private key)", oauth.AuthPrivateKeyJWT
	case strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}"):
		var jwk struct {
			Kty  string            `json:"kty"`
			D    string            `json:"d"`
			Keys []json.RawMessage `json:"keys"`
		}
		if json.Unmarshal([]byte(t), &jwk) != nil {
			return "", ""
		}
		switch {
		case jwk.Kty != "" && jwk.D != "":
			return "a private key (JWK)", oauth.AuthPrivateKeyJWT
		case jwk.Kty != "":
			return "a public key (JWK, what the provider registers; oat takes the private key)", oauth.AuthPrivateKeyJWT
		case len(jwk.Keys) > 0:
			return "a key set (JWKS)", oauth.AuthPrivateKeyJWT
		}
	}
	return "", ""
}

// keyMaterialProblem is CheckSecret's refusal of key material given as a secret.
func keyMaterialProblem(s string) error {
	kind, m := LooksLikeKeyMaterial(s)
	if kind == "" {
		return nil
	}
	with := "auth " + string(m) + " (a key signs the client's assertions)"
	if m.IsTLSAuth() {
		with = "auth tls_client_auth or self_signed_tls_client_auth (mutual TLS: the certificate and its key)"
	}
	return &FieldError{Field: "client_secret", Problem: "is " + kind + ", not a client secret: it goes with " + with + "; nothing was saved"}
}

// fieldWords are vault's field names of the credentials in words, for messages to a
// person ("private_key: …" is "the private key: …"): both front ends say them so.
var fieldWords = strings.NewReplacer("client_cert: ", "the certificate: ", "private_key: ", "the private key: ")

// InWords is text with the credentials' field names in words.
func InWords(text string) string { return fieldWords.Replace(text) }
