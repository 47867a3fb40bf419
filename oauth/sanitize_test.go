package oauth

import (
	"strings"
	"testing"
)

func TestSanitize(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"plain text":                                "plain text",
		"keeps\nnew lines\tand tabs":                "keeps\nnew lines\tand tabs",
		"\x1b[31mred\x1b[0m":                        "red",
		"\x1b[1;38;5;196mbold\x1b[m":                "bold",
		"a\x1b]52;c;ZXZpbA==\x07b":                  "ab",
		"a\x1b]0;title\x1b\\b":                      "ab",
		"a\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\": "alink",
		"a\x1bPdcs payload\x1b\\b":                  "ab",
		"bell\x07 cr\r bs\x08 del\x7f":              "bell cr bs del",
		"c1 \u009b2J csi":                           "c1  csi",
		"c1 \u009d0;t\u009c osc":                    "c1  osc",
		"raw c1 \x9b2J csi":                         "raw c1  csi",
		"raw c1 \x9d0;title\x07 osc":                "raw c1  osc",
		"esc c reset\x1bc":                          "esc c reset",
		"charset \x1b(Bok":                          "charset ok",
		"bidi \u202eevil\u202c":                     "bidi evil",
		"unicode ünïcødé 秘密 🔑":                      "unicode ünïcødé 秘密 🔑",
		"invalid \xff utf8":                         "invalid \ufffd utf8",
		"unterminated \x1b]52;c;AAAA":               "unterminated ",
		"trailing esc\x1b":                          "trailing esc",
		"csi then text\x1b[2Jvisible":               "csi then textvisible",
	}
	for in, want := range cases {
		if got := Sanitize(in); got != want {
			t.Errorf("Sanitize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestExcerpt(t *testing.T) {
	t.Parallel()
	if got := Excerpt("  a \n\n b\x1b[31m c  ", 100); got != "a b c" {
		t.Errorf("%q", got)
	}
	if got := Excerpt(strings.Repeat("é", 10), 4); got != "éééé…" {
		t.Errorf("%q", got)
	}
}

func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"\x1b[31mx", "\x1b]52;c;AA\x07", "\u009b1m", "ok\n", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Sanitize(s)
		for _, r := range out {
			if (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || (r >= 0x80 && r < 0xa0) || isBidiControl(r) {
				t.Fatalf("control %U survived in %q from %q", r, out, s)
			}
		}
		if Sanitize(out) != out {
			t.Fatalf("not idempotent on %q", s)
		}
	})
}

func TestStripRawC1(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`"a\u001b[2Jb"`:              `"a\u001b[2Jb"`,
		"\"x \x9b2J y\"":             `"x  y"`,
		"\"x \x9d0;t\x07 y \xff z\"": "\"x  y \xff z\"",
	} {
		if got := StripRawC1(in); got != want {
			t.Errorf("StripRawC1(%q) = %q, want %q", in, got, want)
		}
	}
}
