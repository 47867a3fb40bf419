package vault

import (
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
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
//
// It looks through what a copy brings around a key: a byte order mark, quotes (a
// value copied from a shell line or a config file), and base64 (a Kubernetes
// secret's data, a CI variable: the PEM or JWK encoded whole), and it knows a key by
// its content when the PEM lines are gone (the base64 body of a PEM copied without
// its BEGIN and END lines, a PKCS#12 file in base64) and by the first line of an ssh
// key (OpenSSH public key, PuTTY .ppk). The decoded forms are recognized only when
// they parse as a key, a certificate or a PKCS#12 file, which a secret a provider
// issued (random bytes, often base64 themselves) never does.
func LooksLikeKeyMaterial(s string) (kind string, method oauth.AuthMethod) {
	t := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "\uFEFF"))
	if kind, m := keyText(t); kind != "" {
		return kind, m
	}
	if u := strings.Trim(t, "\"'`“”‘’"); u != t {
		if kind, m := keyText(strings.TrimSpace(u)); kind != "" {
			return kind, m
		}
		t = strings.TrimSpace(u)
	}
	if strings.HasPrefix(t, "\x30\x82") || strings.HasPrefix(t, "\x30\x80") || strings.ContainsRune(t, 0) {
		// A DER SEQUENCE (a .p12/.pfx, a .der key or certificate) or other binary data.
		if kind, m := keyDERAs([]byte(t), "DER (binary)", ""); kind != "" {
			return kind, m
		}
		return "binary data (a PKCS#12 .p12/.pfx or a DER file?), not text", oauth.AuthTLS
	}
	if der, ok := decodeBase64(t); ok {
		if kind, m := keyText(strings.TrimSpace(strings.TrimPrefix(string(der), "\uFEFF"))); kind != "" {
			return kind + ", base64-encoded", m
		}
		if kind, m := keyDER(der); kind != "" {
			return kind, m
		}
	}
	return "", ""
}

// keyText is LooksLikeKeyMaterial on text as it is.
func keyText(t string) (kind string, method oauth.AuthMethod) {
	switch {
	case strings.Contains(t, "-----BEGIN CERTIFICATE-----"):
		return "a certificate (PEM)", oauth.AuthTLS
	case strings.Contains(t, "-----BEGIN") && strings.Contains(t, "PRIVATE KEY-----"):
		return "a private key (PEM)", oauth.AuthPrivateKeyJWT
	case strings.Contains(t, "-----BEGIN") && strings.Contains(t, "PUBLIC KEY-----"):
		return "a public key (PEM, what the provider registers; oat takes the private key)", oauth.AuthPrivateKeyJWT
	case strings.HasPrefix(t, "PuTTY-User-Key-File-"):
		return "an ssh private key (PuTTY .ppk): oat signs with a PEM or JWK key", oauth.AuthPrivateKeyJWT
	case sshPublicKeyLine(t):
		return "an ssh public key: oat signs with a PEM or JWK key", oauth.AuthPrivateKeyJWT
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

// sshPublicKeyLine says whether t is an OpenSSH public key line ("ssh-ed25519 AAAA…
// comment"): its base64 blob starts with its type's name (RFC 4253 §6.6).
func sshPublicKeyLine(t string) bool {
	f := strings.Fields(t)
	if len(f) < 2 || len(f[0]) > 64 {
		return false
	}
	blob, err := base64.StdEncoding.DecodeString(f[1])
	if err != nil || len(blob) < 4+len(f[0]) {
		return false
	}
	n := int(blob[0])<<24 | int(blob[1])<<16 | int(blob[2])<<8 | int(blob[3])
	return n == len(f[0]) && string(blob[4:4+n]) == f[0]
}

// decodeBase64 decodes t when it is base64 (standard or URL alphabet, padded or not,
// with white space between lines) of at least 48 bytes: less holds no key.
func decodeBase64(t string) ([]byte, bool) {
	t = strings.Join(strings.Fields(t), "")
	if len(t) < 64 {
		return nil, false
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(t); err == nil {
			return b, true
		}
	}
	return nil, false
}

// keyDER names der when it is a private key (PKCS#8, PKCS#1, SEC 1), a certificate, a
// public key or a PKCS#12 file: the standard library's parsers say, and for PKCS#12
// its outer structure (RFC 7292: version 3, then PKCS#7 data), read without its
// password so that no key derivation runs on a pasted value.
func keyDER(der []byte) (kind string, method oauth.AuthMethod) {
	return keyDERAs(der, "base64 (a PEM's body without its lines)", "in base64")
}

// keyDERAs is keyDER with the words for how the bytes came: body for a key's or a
// certificate's, wrapped for a PKCS#12 file's ("in base64"; "" for the raw file).
func keyDERAs(der []byte, body, wrapped string) (kind string, method oauth.AuthMethod) {
	if len(der) == 0 || der[0] != 0x30 { // every one of them is a SEQUENCE
		return "", ""
	}
	if _, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		return "a private key in " + body, oauth.AuthPrivateKeyJWT
	}
	if _, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return "a private key in " + body, oauth.AuthPrivateKeyJWT
	}
	if _, err := x509.ParseECPrivateKey(der); err == nil {
		return "a private key in " + body, oauth.AuthPrivateKeyJWT
	}
	if _, err := x509.ParseCertificate(der); err == nil {
		return "a certificate in " + body, oauth.AuthTLS
	}
	if _, err := x509.ParsePKIXPublicKey(der); err == nil {
		return "a public key in " + body + ": the provider registers it; oat keeps the private key", oauth.AuthPrivateKeyJWT
	}
	var pfx struct {
		Version  int
		AuthSafe struct {
			ContentType asn1.ObjectIdentifier
			Content     asn1.RawValue `asn1:"explicit,optional,tag:0"`
		}
		MacData asn1.RawValue `asn1:"optional"`
	}
	if rest, err := asn1.Unmarshal(der, &pfx); err == nil && len(rest) == 0 && pfx.Version == 3 &&
		pfx.AuthSafe.ContentType.Equal(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}) {
		return strings.TrimSpace("a PKCS#12 file (.p12/.pfx) "+wrapped) + ": a certificate and its key, imported with --pkcs12", oauth.AuthTLS
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
