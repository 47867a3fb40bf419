package vault

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"sort"
	"strings"
)

// A test request's query lives in its path (profiles.toml and `oat call NAME /x?y=1`
// keep it there); an editor shows it one parameter a line. SplitQuery and JoinQuery
// convert between the two, so both front ends read and write the same request.

// SplitQuery cuts path into the part before '?' and its query parameters, one
// "name=value" per item, decoded, in their order.
func SplitQuery(path string) (string, []string) {
	base, query, ok := strings.Cut(path, "?")
	if !ok || query == "" {
		return base, nil
	}
	var params []string
	for _, part := range strings.Split(query, "&") {
		if part == "" {
			continue
		}
		k, v, has := strings.Cut(part, "=")
		k, v = unescapeQuery(k), unescapeQuery(v)
		if has {
			params = append(params, k+"="+v)
		} else {
			params = append(params, k)
		}
	}
	return base, params
}

// JoinQuery appends the parameters (one "name=value" per item, empty items skipped) to
// path, encoded; {name} placeholders stay as they are, to be filled in when sent.
func JoinQuery(path string, params []string) string {
	var parts []string
	for _, p := range params {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		k, v, has := strings.Cut(p, "=")
		part := escapeQuery(strings.TrimSpace(k))
		if has {
			part += "=" + escapeQuery(strings.TrimSpace(v))
		}
		parts = append(parts, part)
	}
	if len(parts) == 0 {
		return path
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + strings.Join(parts, "&")
}

func unescapeQuery(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

func escapeQuery(s string) string {
	e := url.QueryEscape(s)
	return strings.NewReplacer("%7B", "{", "%7D", "}").Replace(e)
}

// HeaderLines is headers as an editor shows them: "Name: value" a line, sorted.
func HeaderLines(h map[string]string) string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	lines := make([]string, len(keys))
	for i, k := range keys {
		lines[i] = k + ": " + h[k]
	}
	return strings.Join(lines, "\n")
}

// IsJSONContentType says whether a Content-Type names JSON (application/json, or any
// +json type).
func IsJSONContentType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// JSONError says where body stops being JSON ("line 3, column 7: …"); "" when it is
// valid JSON.
func JSONError(body string) string {
	var v any
	err := json.Unmarshal([]byte(body), &v)
	if err == nil {
		return ""
	}
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	off := int64(len(body))
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	}
	line, col := 1, 1
	for _, r := range body[:min(int(off), len(body))] {
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	return fmt.Sprintf("line %d, column %d: %s", line, max(1, col-1), msg)
}

// CheckHeaderLine parses one "Name: value" line of a request's headers as a profile's
// test request will take it: a header name (an RFC 9110 token) and a value on one line.
func CheckHeaderLine(line string) (name, value string, err error) {
	k, v, err := ParseHeader(line)
	if err != nil {
		return "", "", err
	}
	if !validHeaderName(k) {
		return "", "", &FieldError{Field: "test_request.headers", Problem: fmt.Sprintf("%q is not a valid header name", k)}
	}
	if strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }) {
		return "", "", &FieldError{Field: "test_request.headers", Problem: fmt.Sprintf("the value of %q holds a control character", k)}
	}
	return k, v, nil
}
