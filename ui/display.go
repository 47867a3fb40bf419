package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/vault"
)

// displayProfile is p for showing: every text field on one line with its control
// characters escaped (oauth.OneLine), notes stripped of escape sequences and bidi
// controls (oauth.Sanitize; their line breaks stay). A hand-edited profiles.toml can
// hold anything, and oat loads it as it is rather than lose it, so every screen that
// shows a profile shows this copy. The ID and the times are left alone: they key state
// and are not shown.
func displayProfile(p vault.Profile) vault.Profile {
	one := oauth.OneLine
	p.Name, p.Environment, p.TokenURL, p.ClientID = one(p.Name), one(p.Environment), one(p.TokenURL), one(p.ClientID)
	p.Scopes = oauth.OneLineAll(p.Scopes)
	p.Audience, p.Resource, p.APIBaseURL, p.Issuer, p.CAFile = one(p.Audience), one(p.Resource), one(p.APIBaseURL), one(p.Issuer), one(p.CAFile)
	p.AuthMethod, p.DetectedAuth = oauth.AuthMethod(one(string(p.AuthMethod))), oauth.AuthMethod(one(string(p.DetectedAuth)))
	p.BasicEncoding = oauth.BasicEncoding(one(string(p.BasicEncoding)))
	p.SecretFingerprint, p.PreviousFingerprint = one(p.SecretFingerprint), one(p.PreviousFingerprint)
	p.KeyThumbprint, p.KeyAlg, p.AssertionAudience = one(p.KeyThumbprint), one(p.KeyAlg), one(p.AssertionAudience)
	p.PreviousKeyThumbprint, p.KeyID, p.PreviousKeyID = one(p.PreviousKeyThumbprint), one(p.KeyID), one(p.PreviousKeyID)
	p.ExtraParams = oneLineMap(p.ExtraParams)
	p.TestRequest.Method, p.TestRequest.Path = one(p.TestRequest.Method), one(p.TestRequest.Path)
	p.TestRequest.Headers = oneLineMap(p.TestRequest.Headers)
	p.TestRequest.Body = oauth.Sanitize(p.TestRequest.Body)
	p.Notes = oauth.Sanitize(p.Notes)
	return p
}

func oneLineMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[oauth.OneLine(k)] = oauth.OneLine(v)
	}
	return out
}

// latencyText is a latency to the millisecond; under one it is "<1ms", not "0s".
func latencyText(d time.Duration) string { return vault.LatencyText(d) }

// prodMark marks a production environment in a row and in the title of a screen that
// acts on it: a glyph and the word, never colour alone.
const prodMark = "◆ "

// isProduction says env names production ("production", "prod", "prd", any case).
func isProduction(env string) bool {
	switch strings.ToLower(strings.TrimSpace(env)) {
	case "production", "prod", "prd":
		return true
	}
	return false
}

// envTag is "  ◆ production" (or "  staging") after a title, "" without an environment.
func envTag(env string) string {
	switch {
	case env == "":
		return ""
	case isProduction(env):
		return "  " + prodMark + env
	}
	return "  " + env
}

// widthSafe escapes, as \u200d or \U0001f3fd, the characters whose width terminals and
// oat disagree on, and those printed invisibly: emoji skin-tone modifiers, the zero-width
// joiner and the variation selectors join or restyle the character before them, which
// oat (grapheme clusters) measures as one wide character and tmux and many terminals as
// two, so a line oat fits to the width wraps there and the frame scrolls; zero-width
// spaces, word joiners, soft hyphens and byte-order marks hide in text. Used on what the
// list and the details show of a profile (not on what the form edits: it keeps the text).
func widthSafe(s string) string {
	i := strings.IndexFunc(s, ambiguousWidth)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for _, r := range s[i:] {
		switch {
		case !ambiguousWidth(r):
			b.WriteRune(r)
		case r > 0xffff:
			fmt.Fprintf(&b, `\U%08x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}

// ambiguousWidth: emoji modifiers (U+1F3FB–U+1F3FF), the zero-width joiner and
// non-joiner, variation selectors (U+FE00–U+FE0F), zero-width space, word joiner, soft
// hyphen, byte-order mark.
func ambiguousWidth(r rune) bool {
	switch {
	case r >= 0x1f3fb && r <= 0x1f3ff, r >= 0xfe00 && r <= 0xfe0f:
		return true
	}
	switch r {
	case 0x200b, 0x200c, 0x200d, 0x2060, 0x00ad, 0xfeff:
		return true
	}
	return false
}

// widthSafeProfile is p (already displayProfile's) with what the details show made
// widthSafe.
func widthSafeProfile(p vault.Profile) vault.Profile {
	ws := widthSafe
	p.Name, p.Environment, p.ClientID, p.TokenURL, p.APIBaseURL = ws(p.Name), ws(p.Environment), ws(p.ClientID), ws(p.TokenURL), ws(p.APIBaseURL)
	p.Audience, p.Resource, p.Notes = ws(p.Audience), ws(p.Resource), ws(p.Notes)
	p.TestRequest.Method, p.TestRequest.Path = ws(p.TestRequest.Method), ws(p.TestRequest.Path)
	p.SecretFingerprint, p.PreviousFingerprint = ws(p.SecretFingerprint), ws(p.PreviousFingerprint)
	p.KeyThumbprint, p.KeyAlg, p.PreviousKeyThumbprint = ws(p.KeyThumbprint), ws(p.KeyAlg), ws(p.PreviousKeyThumbprint)
	p.KeyID, p.PreviousKeyID = ws(p.KeyID), ws(p.PreviousKeyID)
	p.DetectedAuth = oauth.AuthMethod(ws(string(p.DetectedAuth)))
	scopes := make([]string, len(p.Scopes))
	for i, s := range p.Scopes {
		scopes[i] = ws(s)
	}
	p.Scopes = scopes
	return p
}
