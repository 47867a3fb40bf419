package ui

import (
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
