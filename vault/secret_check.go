package vault

import "strings"

// CheckSecret refuses a client secret that is empty or an obvious placeholder: a
// template's `<EDS_SECRET HERE>`, `your_client_secret`, `changeme`, `${SECRET}`, `xxxx`.
// EarthDaily's EDS.env is downloaded with such a value for the user to replace;
// storing it would only fail later as invalid_client. The check is on the whole value,
// so a real secret that merely contains such a word is accepted.
func CheckSecret(secret string) error {
	if strings.TrimSpace(secret) == "" {
		return &FieldError{Field: "client_secret", Problem: "is empty"}
	}
	if IsPlaceholderSecret(secret) {
		return &FieldError{Field: "client_secret", Problem: "is a placeholder, not a secret: give the secret the provider showed you (at the prompt or on stdin); nothing was saved"}
	}
	return nil
}

// placeholderWords are whole values that templates put where a secret belongs
// (compared in lower case, with '-' and ' ' read as '_').
var placeholderWords = map[string]bool{
	"your_client_secret": true, "your_secret": true, "client_secret": true,
	"changeme": true, "change_me": true, "replace_me": true, "replaceme": true, "placeholder": true,
}

// IsPlaceholderSecret reports whether s is an obvious stand-in for a secret.
func IsPlaceholderSecret(s string) bool {
	t := strings.ToLower(strings.TrimSpace(s))
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
	case norm == "here" || strings.HasSuffix(norm, "_here"):
		return true
	}
	return placeholderWords[norm]
}
