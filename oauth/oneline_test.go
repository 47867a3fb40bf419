package oauth

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestOneLine(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"plain text, with \\ and \"quotes\"": "plain text, with \\ and \"quotes\"",
		"a\nb\tc\rd":                         `a\nb\tc\rd`,
		"\x1b]52;c;SGVsbG8=\x07":             `\x1b]52;c;SGVsbG8=\x07`,
		"\x00\x7f":                           `\x00\x7f`,
		"\u009b2J \u0085":                    `\u009b2J \u0085`,
		"abc\u202edef \u2066x\u2069 \u200e\u200f\u061c": `abc\u202edef \u2066x\u2069 \u200e\u200f\u061c`,
		"line\u2028sep\u2029":                           `line\u2028sep\u2029`,
		"bad \xff\x9b utf-8":                            `bad \xff\x9b utf-8`,
		"ünïcödé ✓ 日本":                                  "ünïcödé ✓ 日本",
	} {
		if got := OneLine(in); got != want {
			t.Errorf("OneLine(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzOneLine(f *testing.F) {
	for _, s := range []string{"a\nb", "\x1b[31mred", "\u202e", "\xff", "\u009b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := OneLine(s)
		if !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 out of %q", s)
		}
		for _, r := range out {
			if r < 0x20 || r == 0x7f || needsUnicodeEscape(r) {
				t.Fatalf("OneLine(%q) kept %U", s, r)
			}
		}
	})
}

func TestJSONSafe(t *testing.T) {
	t.Parallel()
	v := map[string]any{"id": "a\u202eb\u009b2J\x1b]52;c;x\x07 ✓ é", "list": []string{"\u2066x\u2069"}}
	raw, _ := json.Marshal(v)
	out := JSONSafe(raw)
	for _, r := range string(out) {
		if r < 0x20 || r == 0x7f || needsUnicodeEscape(r) {
			t.Fatalf("raw %U in %s", r, out)
		}
	}
	if !strings.Contains(string(out), `a\u202eb\u009b2J\u001b]52;c;x\u0007 ✓ é`) {
		t.Fatalf("escapes: %s", out)
	}
	var back map[string]any
	if err := json.Unmarshal(out, &back); err != nil || back["id"] != v["id"] {
		t.Fatalf("the decoded values changed: %v %q", err, back["id"])
	}
}

// TestClaimsRenderOnOneLine: whatever a claim holds — line breaks, escape sequences,
// bidi overrides, in its value, its name, or inside a list or object — it renders as
// one line with the controls escaped. The CLI and the app's inspector both show these.
func TestClaimsRenderOnOneLine(t *testing.T) {
	t.Parallel()
	tok := fakeJWT(`{"alg":"RS256","kid":"k\n1"}`, `{
		"x":"a\n  signature ✓ verified\n  scope admin",
		"y":"\u001b]52;c;SGVsbG8=\u0007",
		"z\nsignature ✓ verified":"n",
		"w":["a\u202eb","c\u009b2J"],
		"o":{"k":"v\u2028"},
		"sub":"s\r\u001b[2K",
		"scope":"read\nwrite \u001b[8m"}`)
	in := Inspect(tok, []string{"read\u001b[2J"}, nil, time.Unix(0, 0))
	want := map[string]string{
		"x": `a\n  signature ✓ verified\n  scope admin`, "y": `\x1b]52;c;SGVsbG8=\x07`, `z\nsignature ✓ verified`: "n",
		"w": `["a\u202eb","c\u009b2J"]`, "o": `{"k":"v\u2028"}`, "sub": `s\r\x1b[2K`,
	}
	for _, c := range in.Claims {
		if w, ok := want[c.Name]; ok && c.Value != w {
			t.Errorf("claim %q = %q, want %q", c.Name, c.Value, w)
		}
		delete(want, c.Name)
	}
	if len(want) != 0 {
		t.Errorf("claims not found by their escaped names: %v", want)
	}
	if in.Subject != `s\r\x1b[2K` || strings.Join(in.Scopes, " ") != `read write \x1b[8m` || strings.Join(in.Requested, " ") != `read\x1b[2J` {
		t.Errorf("registered claims: %q %q %q", in.Subject, in.Scopes, in.Requested)
	}
}

// Characters that hide in text or that terminals measure differently are shown escaped
// by OneLine (CLI tables printed a zero-width space raw and misaligned on a skin tone).
func TestOneLineEscapesInvisibleAndWidthChangingCharacters(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"op\u200baque":   `op\u200baque`,
		"\ufeffid":       `\ufeffid`,
		"a\u00adb":       `a\u00adb`,
		"x\u2060y":       `x\u2060y`,
		"👍\U0001F3FD":    `👍\U0001f3fd`,
		"👨\u200d👩":       `👨\u200d👩`,
		"❤\ufe0f":        `❤\ufe0f`,
		"plain café ünï": "plain café ünï",
	} {
		if got := OneLine(in); got != want {
			t.Errorf("OneLine(%q) = %q, want %q", in, got, want)
		}
	}
}
