package oauth

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// JWT is a decoded (not verified) JSON Web Token: its header and claims.
//
// Decoding is done here rather than with go-jose's parser because inspection must show
// every token, including the ones go-jose rightly refuses to parse (alg "none", HMAC),
// and must say precisely which part is malformed. Verification uses go-jose.
type JWT struct {
	Header map[string]any
	Claims map[string]any
	Alg    string
	Kid    string
	Typ    string
	// Signature is the raw signature bytes (empty for alg none).
	Signature []byte
}

// ErrNotJWT means the token does not have the three-part JWS compact shape: an opaque
// token, not a malformed JWT.
var ErrNotJWT = errors.New("not a JWT (opaque token)")

// JWTError says which part of a JWT is malformed and how.
type JWTError struct {
	Part   string // header, payload or signature
	Reason string
}

func (e *JWTError) Error() string { return "malformed JWT " + e.Part + ": " + e.Reason }

// DecodeJWT splits and decodes a compact JWS without verifying it. A token that is not
// three dot-separated parts returns ErrNotJWT; a JWT-shaped token with a broken part
// returns a *JWTError naming the part.
func DecodeJWT(token string) (*JWT, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		if len(parts) == 5 {
			return nil, &JWTError{Part: "header", Reason: "five parts: an encrypted JWT (JWE), which only its audience can read"}
		}
		return nil, ErrNotJWT
	}
	if !strings.HasPrefix(parts[0], "eyJ") && !strings.HasPrefix(parts[0], "ey") {
		return nil, ErrNotJWT
	}
	j := &JWT{}
	if err := decodePart(parts[0], "header", &j.Header); err != nil {
		return nil, err
	}
	if err := decodePart(parts[1], "payload", &j.Claims); err != nil {
		return nil, err
	}
	sig, err := b64url(parts[2])
	if err != nil {
		return nil, &JWTError{Part: "signature", Reason: "not base64url: " + err.Error()}
	}
	j.Signature = sig
	j.Alg, _ = j.Header["alg"].(string)
	j.Kid, _ = j.Header["kid"].(string)
	j.Typ, _ = j.Header["typ"].(string)
	if _, ok := j.Header["alg"]; !ok {
		return nil, &JWTError{Part: "header", Reason: `no "alg"`}
	}
	return j, nil
}

func b64url(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

func decodePart(s, part string, into *map[string]any) error {
	raw, err := b64url(s)
	if err != nil {
		return &JWTError{Part: part, Reason: "not base64url: " + err.Error()}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return &JWTError{Part: part, Reason: "not a JSON object: " + Excerpt(err.Error(), 120)}
	}
	if m == nil {
		return &JWTError{Part: part, Reason: "null instead of a JSON object"}
	}
	if dec.More() {
		return &JWTError{Part: part, Reason: "trailing data after the JSON object"}
	}
	*into = m
	return nil
}

// jwtExp returns the exp claim of a JWT-shaped token.
func jwtExp(token string) (time.Time, bool) {
	j, err := DecodeJWT(token)
	if err != nil {
		return time.Time{}, false
	}
	return numericDate(j.Claims["exp"])
}

// numericDate reads an RFC 7519 NumericDate (seconds since the epoch, maybe fractional).
func numericDate(v any) (time.Time, bool) {
	var f float64
	switch x := v.(type) {
	case json.Number:
		var err error
		if f, err = x.Float64(); err != nil {
			return time.Time{}, false
		}
	case float64:
		f = x
	default:
		return time.Time{}, false
	}
	if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e11 {
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true
}

// TimeClaim is a NumericDate claim shown both ways.
type TimeClaim struct {
	Name     string
	Time     time.Time
	Relative string
}

// Claim is one claim with its name and value rendered for display, each on one line
// with control characters shown escaped (OneLine).
type Claim struct {
	Name  string
	Value string
	// Raw is the decoded JSON value (json.Number, string, bool, nil, []any, map).
	Raw any
}

// Inspection is everything oat can tell about a token without verifying it.
type Inspection struct {
	Length int
	IsJWT  bool
	// DecodeErr is set when the token looks like a JWT but a part is broken.
	DecodeErr error
	JWT       *JWT

	Issuer          string
	Subject         string
	Audience        []string
	AuthorizedParty string // azp, or client_id when there is no azp
	JTI             string
	// ScopeClaim is "scope" or "scp", whichever the token uses.
	ScopeClaim string
	Scopes     []string
	Times      []TimeClaim
	ExpiresAt  time.Time
	// Claims lists every claim in name order, registered ones included.
	Claims []Claim

	Requested []string
	// Missing are requested scopes the token does not carry; Unasked are granted scopes
	// that were not requested.
	Missing []string
	Unasked []string
}

// Inspect decodes a token for display. requested are the scopes the profile asked for;
// granted are the scopes the token response listed (used when the token itself carries
// none, as with opaque tokens). Every text of the result is display text, one line per
// value (OneLine): profile files and servers are both untrusted.
func Inspect(token string, requested, granted []string, now time.Time) *Inspection {
	requested, granted = OneLineAll(requested), OneLineAll(granted)
	in := &Inspection{Length: len(token), Requested: requested}
	j, err := DecodeJWT(token)
	switch {
	case errors.Is(err, ErrNotJWT):
		in.Scopes = granted
	case err != nil:
		in.DecodeErr = err
		in.Scopes = granted
	default:
		in.IsJWT, in.JWT = true, j
		in.fromClaims(j.Claims, now)
		if in.ScopeClaim == "" {
			in.Scopes = granted
		}
	}
	in.Missing, in.Unasked = diff(requested, in.Scopes), diff(in.Scopes, requested)
	return in
}

func (in *Inspection) fromClaims(c map[string]any, now time.Time) {
	str := func(k string) string { s, _ := c[k].(string); return OneLine(s) }
	in.Issuer, in.Subject, in.JTI = str("iss"), str("sub"), str("jti")
	in.AuthorizedParty = str("azp")
	if in.AuthorizedParty == "" {
		in.AuthorizedParty = str("client_id")
	}
	in.Audience = stringList(c["aud"])
	for _, k := range []string{"scope", "scp"} {
		if v, ok := c[k]; ok {
			in.ScopeClaim = k
			in.Scopes = stringList(v)
			break
		}
	}
	for _, k := range []string{"exp", "iat", "nbf", "auth_time"} {
		if t, ok := numericDate(c[k]); ok {
			in.Times = append(in.Times, TimeClaim{Name: k, Time: t, Relative: Relative(t, now)})
			if k == "exp" {
				in.ExpiresAt = t
			}
		}
	}
	names := make([]string, 0, len(c))
	for k := range c {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		in.Claims = append(in.Claims, Claim{Name: OneLine(k), Value: renderValue(c[k]), Raw: c[k]})
	}
}

// stringList reads a claim that is a string of space-separated values or a list, each
// value rendered on one line (OneLine).
func stringList(v any) []string {
	switch x := v.(type) {
	case string:
		return OneLineAll(strings.Fields(x))
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, OneLine(s))
			} else {
				out = append(out, renderValue(e))
			}
		}
		return out
	}
	return nil
}

// renderValue shows any JSON value on one line with its control characters escaped
// (OneLine): a claim cannot print a line of its own, such as a fake "signature
// verified". The CLI and the app's inspector both show claims through it.
func renderValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return OneLine(x)
	case json.Number:
		return x.String()
	case bool:
		return fmt.Sprint(x)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "?"
	}
	return OneLine(string(b))
}

func diff(a, b []string) []string {
	set := make(map[string]bool, len(b))
	for _, s := range b {
		set[s] = true
	}
	var out []string
	for _, s := range a {
		if !set[s] {
			out = append(out, s)
		}
	}
	return out
}

// Relative says how far t is from now in a short human form: "in 42m", "3m ago",
// "in 1h05m", "2d ago", "now".
func Relative(t, now time.Time) string {
	d := t.Sub(now)
	if d > -time.Second && d < time.Second {
		return "now"
	}
	if d > 0 {
		return "in " + ShortDuration(d)
	}
	return ShortDuration(-d) + " ago"
}

// ShortDuration renders d compactly: 45s, 3m20s, 42m, 1h05m, 2d03h, 400d.
func ShortDuration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	d = d.Truncate(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < 10*time.Minute:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	case d < 100*24*time.Hour:
		return fmt.Sprintf("%dd%02dh", int(d.Hours())/24, int(d.Hours())%24)
	}
	return fmt.Sprintf("%dd", int(d.Hours())/24)
}
