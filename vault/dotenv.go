package vault

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
)

// DotenvLineError names the line of a .env file that could not be read.
type DotenvLineError struct {
	File   string
	Line   int
	Reason string
}

func (e *DotenvLineError) Error() string {
	return fmt.Sprintf("%s line %d: %s", e.File, e.Line, e.Reason)
}

// ParseDotenv reads KEY=VALUE lines as shells and dotenv tools write them: optional
// `export`, single or double quotes (double quotes understand \n, \" and \\), comments
// on their own lines and after unquoted values. It is written here rather than taken
// from godotenv because oat must name the malformed line and never echo a value (the
// file holds a secret) in an error.
func ParseDotenv(file, content string) (map[string]string, []string, error) {
	vals := map[string]string{}
	var order []string
	for i, raw := range strings.Split(strings.ReplaceAll(content, "\r\n", "\n"), "\n") {
		n := i + 1
		line := strings.TrimSpace(raw)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if rest, ok := strings.CutPrefix(line, "export "); ok {
			line = strings.TrimSpace(rest)
		}
		key, val, ok := strings.Cut(line, "=")
		if !ok {
			return nil, nil, &DotenvLineError{File: file, Line: n, Reason: "expected KEY=VALUE"}
		}
		key = strings.TrimSpace(key)
		if !validEnvKey(key) {
			return nil, nil, &DotenvLineError{File: file, Line: n, Reason: "the part before '=' is not a variable name (letters, digits, _); it is not repeated here in case it is a secret"}
		}
		val = strings.TrimSpace(val)
		switch {
		case strings.HasPrefix(val, `"`):
			v, rest, err := unquoteDouble(val[1:])
			if err != "" {
				return nil, nil, &DotenvLineError{File: file, Line: n, Reason: err + " in the value of " + key}
			}
			if !onlyComment(rest) {
				return nil, nil, &DotenvLineError{File: file, Line: n, Reason: "text after the closing quote of " + key}
			}
			val = v
		case strings.HasPrefix(val, "'"):
			end := strings.IndexByte(val[1:], '\'')
			if end < 0 {
				return nil, nil, &DotenvLineError{File: file, Line: n, Reason: "unterminated single quote in the value of " + key}
			}
			if !onlyComment(val[end+2:]) {
				return nil, nil, &DotenvLineError{File: file, Line: n, Reason: "text after the closing quote of " + key}
			}
			val = val[1 : end+1]
		default:
			if i := strings.Index(val, " #"); i >= 0 {
				val = strings.TrimSpace(val[:i])
			}
		}
		if _, dup := vals[key]; !dup {
			order = append(order, key)
		}
		vals[key] = val
	}
	return vals, order, nil
}

func onlyComment(s string) bool {
	s = strings.TrimSpace(s)
	return s == "" || strings.HasPrefix(s, "#")
}

func unquoteDouble(s string) (val, rest, problem string) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 >= len(s) {
				return "", "", "a trailing backslash"
			}
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			default:
				b.WriteByte(s[i])
			}
		case '"':
			return b.String(), s[i+1:], ""
		default:
			b.WriteByte(c)
		}
	}
	return "", "", "unterminated double quote"
}

func validEnvKey(k string) bool {
	if k == "" {
		return false
	}
	for i, r := range k {
		if !(r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// EnvCredentials are the profile fields found in a .env file; Keys says which variable
// each came from (by field: client_id, secret, token_url, api_url, scope).
type EnvCredentials struct {
	Prefix                                    string
	ClientID, Secret, TokenURL, APIURL, Scope string
	Keys                                      map[string]string
	// NoSecret says why the file holds no usable secret ("" when it does): EarthDaily's
	// EDS.env comes with EDS_SECRET empty or a placeholder, for the user to fill in. The
	// secret must then come from the user (Secret is empty).
	NoSecret string
}

// FindCredentials recognises EarthDaily's EDS_CLIENT_ID / EDS_SECRET / EDS_AUTH_URL /
// EDS_API_URL and the generic CLIENT_ID / CLIENT_SECRET / TOKEN_URL / API_URL, with any
// common prefix (MYAPI_CLIENT_ID …).
func FindCredentials(vals map[string]string, order []string) (*EnvCredentials, error) {
	suffixes := map[string][]string{
		"client_id": {"CLIENT_ID"},
		"secret":    {"CLIENT_SECRET", "SECRET"},
		"token_url": {"TOKEN_URL", "AUTH_URL", "TOKEN_ENDPOINT"},
		"api_url":   {"API_URL", "BASE_URL", "API_BASE_URL"},
		"scope":     {"SCOPES", "SCOPE"},
	}
	// The prefix is whatever stands before CLIENT_ID.
	var prefixes []string
	for _, k := range order {
		if p, ok := strings.CutSuffix(strings.ToUpper(k), "CLIENT_ID"); ok {
			prefixes = append(prefixes, p)
		}
	}
	if len(prefixes) == 0 {
		return nil, fmt.Errorf("no *CLIENT_ID variable found (expected e.g. EDS_CLIENT_ID or CLIENT_ID)")
	}
	if len(prefixes) > 1 {
		return nil, fmt.Errorf("several client ids (%s): import files with one credential each", strings.Join(prefixes, "CLIENT_ID, ")+"CLIENT_ID")
	}
	c := &EnvCredentials{Prefix: prefixes[0], Keys: map[string]string{}}
	upper := map[string]string{}
	for k := range vals {
		upper[strings.ToUpper(k)] = k
	}
	pick := func(field string) string {
		for _, sfx := range suffixes[field] {
			if k, ok := upper[c.Prefix+sfx]; ok {
				c.Keys[field] = k
				return vals[k]
			}
		}
		return ""
	}
	c.ClientID, c.Secret, c.TokenURL, c.APIURL, c.Scope = pick("client_id"), pick("secret"), pick("token_url"), pick("api_url"), pick("scope")
	switch k := c.Keys["secret"]; {
	case k == "":
		c.NoSecret = "the file has no " + c.Prefix + "CLIENT_SECRET or " + c.Prefix + "SECRET"
	case strings.TrimSpace(c.Secret) == "":
		c.NoSecret = k + " is empty in the file"
	case IsPlaceholderSecret(c.Secret):
		c.NoSecret = k + " in the file is a placeholder"
	}
	if c.NoSecret != "" {
		c.Secret = ""
	}
	var missing []string
	if c.TokenURL == "" {
		missing = append(missing, c.Prefix+"TOKEN_URL or "+c.Prefix+"AUTH_URL")
	}
	if c.ClientID == "" {
		missing = append(missing, c.Prefix+"CLIENT_ID (empty)")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("missing %s", strings.Join(missing, ", "))
	}
	return c, nil
}

// ReadEnvCredentials reads a .env file (a regular file of at most MaxDotenvFile bytes)
// and finds one credential in it.
func ReadEnvCredentials(path string) (*EnvCredentials, error) {
	data, err := ReadFileLimited(path, MaxDotenvFile)
	if err != nil {
		return nil, err // names the file: "open PATH: …", "read PATH: is a FIFO, …"
	}
	vals, order, err := ParseDotenv(path, string(data))
	if err != nil {
		return nil, err
	}
	c, err := FindCredentials(vals, order)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// importNameRE is compiled on first use: start-up time counts.
var importNameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[^a-z0-9._-]+`) })

// DefaultName is the profile name an import of file suggests: the variables' prefix
// (EDS_ gives eds), else the file's name, cut to a valid profile name.
func (c *EnvCredentials) DefaultName(file string) string {
	n := strings.ToLower(strings.TrimSuffix(c.Prefix, "_"))
	if n == "" {
		base := filepath.Base(file)
		n = strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(base, "."), filepath.Ext(base)))
		if n == "" || n == "env" {
			n = "imported"
		}
	}
	n = strings.Trim(importNameRE().ReplaceAllString(n, "-"), "-._")
	if len(n) > 40 {
		n = n[:40]
	}
	if n == "" {
		n = "imported"
	}
	return n
}
