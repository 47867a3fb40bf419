package oauth

import (
	"fmt"
	"net/url"
	"strings"
)

// ExpandURL replaces each {name} in s with vars[name] (names matched in any case),
// path-escaped, or query-escaped after a '?'. An unknown {name} is an error that names
// it, never a request to a wrong URL. Braces around anything that is not a name (JSON
// in a query, say) are left alone. Written by hand: RFC 6570 libraries expand far more
// than oat allows and would accept unknown names silently.
func ExpandURL(s string, vars map[string]string) (string, error) {
	if !strings.Contains(s, "{") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		j := strings.IndexByte(s[i:], '{')
		if j < 0 {
			b.WriteString(s[i:])
			break
		}
		j += i
		b.WriteString(s[i:j])
		k := strings.IndexByte(s[j:], '}')
		if k < 0 || !isTemplateName(s[j+1:j+k]) {
			b.WriteByte('{')
			i = j + 1
			continue
		}
		name := s[j+1 : j+k]
		v, ok := vars[strings.ToLower(name)]
		if !ok {
			return "", fmt.Errorf("{%s} is not a name oat knows in a URL (known: %s)", name, knownNames(vars))
		}
		if strings.Contains(s[:j], "?") {
			b.WriteString(url.QueryEscape(v))
		} else {
			if strings.Trim(v, ".") == "" {
				// "." or ".." would climb the path on any server that cleans it.
				return "", fmt.Errorf("{%s} is %q, which cannot stand in a URL path", name, v)
			}
			b.WriteString(url.PathEscape(v))
		}
		i = j + k + 1
	}
	return b.String(), nil
}

func isTemplateName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func knownNames(vars map[string]string) string {
	var names []string
	for k := range vars {
		names = append(names, "{"+k+"}")
	}
	return strings.Join(names, ", ")
}
