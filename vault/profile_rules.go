package vault

import (
	"fmt"
	"strings"
	"time"

	"github.com/oatcli/oat/oauth"
)

// Rules about profiles that both front ends apply, so the CLI and the app cannot drift.

// SetAuthMethod sets the client authentication method. The method that auto detected
// is kept only while the method stays the same: choosing any method again (even auto)
// after a change starts detection afresh; choosing the same one keeps what was learnt.
func (p *Profile) SetAuthMethod(m oauth.AuthMethod) {
	m = oauth.AuthMethod(strings.ToLower(string(m)))
	if m != p.AuthMethod {
		p.DetectedAuth = ""
	}
	p.AuthMethod = m
}

// ParseHeader reads one "Key: Value" header.
func ParseHeader(h string) (key, value string, err error) {
	k, v, ok := strings.Cut(h, ":")
	if !ok || strings.TrimSpace(k) == "" {
		return "", "", &FieldError{Field: "test_request.headers", Problem: fmt.Sprintf("%q is not 'Key: Value'", strings.TrimSpace(h))}
	}
	return strings.TrimSpace(k), strings.TrimSpace(v), nil
}

// ParseHeaders reads headers given one per item ("Key: Value"), skipping empty items.
func ParseHeaders(items []string) (map[string]string, error) {
	var out map[string]string
	for _, h := range items {
		if strings.TrimSpace(h) == "" {
			continue
		}
		k, v, err := ParseHeader(h)
		if err != nil {
			return nil, err
		}
		if out == nil {
			out = map[string]string{}
		}
		out[k] = v
	}
	return out, nil
}

// ParseParams reads extra form parameters given one per item ("KEY=VALUE").
func ParseParams(items []string) (map[string]string, error) {
	var out map[string]string
	for _, kv := range items {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, &FieldError{Field: "extra_params", Problem: fmt.Sprintf("%q is not KEY=VALUE", kv)}
		}
		if out == nil {
			out = map[string]string{}
		}
		out[k] = v
	}
	return out, nil
}

// WarnWindow is how long before its expiry a token counts as expiring: a tenth of its
// lifetime, at least the reuse margin, and for short-lived tokens (the demo's 45 s) a
// quarter, so that they still show a valid phase.
func WarnWindow(ts TokenState) time.Duration {
	w := DefaultMargin
	if life := ts.ExpiresAt.Sub(ts.FetchedAt); life > 0 && life/10 > w {
		w = life / 10
	}
	if life := ts.ExpiresAt.Sub(ts.FetchedAt); life > 0 && life < 2*w {
		w = life / 4
	}
	return w
}
