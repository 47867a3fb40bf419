package oauth

import (
	"strings"
	"unicode/utf8"
)

// Sanitize makes text that came from a server safe to print on a terminal: it removes
// ANSI escape sequences (CSI, OSC, DCS and the like, with their payloads), C0 and C1
// control characters other than newline and tab, carriage returns, DEL, and Unicode
// bidirectional overrides that can make text read differently from what it is. Invalid
// UTF-8 becomes U+FFFD. A hostile server must not be able to drive the terminal.
//
// Written by hand: the common "strip ANSI" libraries only remove colour (CSI ... m)
// sequences and leave OSC 52 (clipboard write), title changes and raw C1 controls.
func Sanitize(s string) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			i = skipRawC1(s, i, &b)
			continue
		case r == 0x1b: // ESC
			i = skipEscape(s, i+1)
			continue
		case r == 0x9b: // C1 CSI
			i = skipCSI(s, i+size)
			continue
		case r == 0x9d || r == 0x90 || r == 0x98 || r == 0x9e || r == 0x9f: // C1 OSC, DCS, SOS, PM, APC
			i = skipString(s, i+size)
			continue
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			// other controls, including \r (it lets text overwrite itself), are dropped
		case isBidiControl(r):
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// isPlain reports whether s is printable ASCII plus newline and tab: the common case,
// returned without copying.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 0x20 && c != '\n' && c != '\t') || c >= 0x7f {
			return false
		}
	}
	return true
}

func isBidiControl(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c
}

// skipEscape skips the sequence after an ESC at s[i-1] and returns the index after it.
func skipEscape(s string, i int) int {
	if i >= len(s) {
		return i
	}
	switch s[i] {
	case '[':
		return skipCSI(s, i+1)
	case ']', 'P', 'X', '^', '_': // OSC, DCS, SOS, PM, APC: a string ended by BEL or ST
		return skipString(s, i+1)
	}
	// Two- or three-byte escapes (ESC c, ESC ( B, ...): skip intermediates and the final.
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f {
		i++
	}
	if i < len(s) {
		i++
	}
	return i
}

// skipRawC1 handles the byte at s[i] that is not UTF-8. An 8-bit C1 introducer sent as
// a raw byte (0x9b CSI, 0x9d OSC, ...) is removed with the whole sequence it starts: a
// terminal in an 8-bit mode obeys it, and in UTF-8 it would leave its parameters behind
// ("\ufffd2J"). Any other such byte becomes U+FFFD.
func skipRawC1(s string, i int, b *strings.Builder) int {
	switch s[i] {
	case 0x9b:
		return skipCSI(s, i+1)
	case 0x9d, 0x90, 0x98, 0x9e, 0x9f:
		return skipString(s, i+1)
	}
	b.WriteRune(utf8.RuneError)
	return i + 1
}

// StripRawC1 removes from s the control sequences started by a raw 8-bit C1 byte that
// is not UTF-8 (0x9b CSI, 0x9d OSC, ...), whole, and leaves everything else as it is:
// for text about to be decoded (JSON), where the decoder would turn the introducer into
// U+FFFD and its parameters would survive Sanitize.
func StripRawC1(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 && isC1Introducer(s[i]) {
			i = skipRawC1(s, i, &b)
			continue
		}
		b.WriteString(s[i : i+size])
		i += size
	}
	return b.String()
}

func isC1Introducer(c byte) bool {
	return c == 0x9b || c == 0x9d || c == 0x90 || c == 0x98 || c == 0x9e || c == 0x9f
}

// skipCSI skips parameter and intermediate bytes and the final byte of a CSI sequence.
func skipCSI(s string, i int) int {
	for i < len(s) {
		c := s[i]
		switch {
		case c >= 0x20 && c <= 0x3f: // parameters and intermediates
			i++
		case c >= 0x40 && c <= 0x7e: // final byte
			return i + 1
		default: // malformed: stop here and let the caller look at this byte
			return i
		}
	}
	return i
}

// skipString skips a control string up to and including its terminator: BEL, ESC \ or
// the C1 ST. An unterminated string swallows the rest of the text.
func skipString(s string, i int) int {
	for i < len(s) {
		switch {
		case s[i] == 0x07:
			return i + 1
		case s[i] == 0x1b && i+1 < len(s) && s[i+1] == '\\':
			return i + 2
		case s[i] == 0x1b:
			return i + 1
		case strings.HasPrefix(s[i:], "\u009c"):
			return i + len("\u009c")
		}
		i++
	}
	return i
}

// Excerpt sanitizes s, folds runs of white space and cuts it to at most n runes.
func Excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(Sanitize(s)), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// OneLine renders s on a single line with every control character visible instead of
// interpreted: newline, tab and carriage return as \n, \t and \r, other C0 controls and
// DEL as \x1b and the like, C1 controls, bidi controls and the Unicode line and
// paragraph separators as \u009b, \u202e and so on, and bytes that are not UTF-8 as \xff.
// It is for values shown in a row of their own (claims, profile fields): a value cannot
// start a line of its own, forge one, or drive the terminal. Printable text, backslashes
// included, is unchanged.
func OneLine(s string) string {
	if isPlainLine(s) {
		return s
	}
	const hex = "0123456789abcdef"
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x`)
			b.WriteByte(hex[s[i]>>4])
			b.WriteByte(hex[s[i]&0xf])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			b.WriteString(`\x`)
			b.WriteByte(hex[r>>4])
			b.WriteByte(hex[r&0xf])
		case needsUnicodeEscape(r):
			b.WriteString(`\u`)
			for shift := 12; shift >= 0; shift -= 4 {
				b.WriteByte(hex[(r>>shift)&0xf])
			}
		case isEmojiModifier(r):
			b.WriteString(`\U`)
			for shift := 28; shift >= 0; shift -= 4 {
				b.WriteByte(hex[(r>>shift)&0xf])
			}
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// OneLineAll is OneLine of each string.
func OneLineAll(ss []string) []string {
	if ss == nil {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = OneLine(s)
	}
	return out
}

// isPlainLine reports whether s is printable ASCII: OneLine returns it as it is.
func isPlainLine(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// needsUnicodeEscape: the non-ASCII code points that OneLine and JSONSafe write as \u
// escapes: C1 controls, bidi controls, the line and paragraph separators, and the
// characters that hide in text or change the width of the one before them, which
// terminals measure differently (zero-width space, non-joiner and joiner, word joiner,
// soft hyphen, byte-order mark, variation selectors): look-alike names and IDs, and
// table columns that no longer line up.
func needsUnicodeEscape(r rune) bool {
	switch r {
	case 0x200b, 0x200c, 0x200d, 0x2060, 0x00ad, 0xfeff:
		return true
	}
	return (r >= 0x80 && r < 0xa0) || isBidiControl(r) || r == 0x2028 || r == 0x2029 || (r >= 0xfe00 && r <= 0xfe0f)
}

// isEmojiModifier: the skin-tone modifiers, outside the BMP, which OneLine writes as
// \U escapes (JSONSafe leaves them: JSON would need a surrogate pair).
func isEmojiModifier(r rune) bool { return r >= 0x1f3fb && r <= 0x1f3ff }

// JSONSafe rewrites JSON produced by encoding/json so that it can be printed on a
// terminal: C1 controls and bidi controls, which the encoder leaves raw inside strings,
// become \u escapes. The encoder already escapes C0 controls, replaces invalid UTF-8 and
// escapes U+2028 and U+2029, and JSON's own syntax is ASCII, so these code points only
// occur inside strings and the decoded values are unchanged.
func JSONSafe(b []byte) []byte {
	plain := true
	for _, c := range b {
		if c >= 0x80 {
			plain = false
			break
		}
	}
	if plain {
		return b
	}
	const hex = "0123456789abcdef"
	out := make([]byte, 0, len(b)+16)
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if needsUnicodeEscape(r) {
			out = append(out, '\\', 'u', hex[(r>>12)&0xf], hex[(r>>8)&0xf], hex[(r>>4)&0xf], hex[r&0xf])
		} else {
			out = append(out, b[i:i+size]...)
		}
		i += size
	}
	return out
}

// FirstUnsafe returns the byte index and the rune of the first character of s that could
// drive or deceive a terminal: a control other than newline (and tab, when tabs is
// set), DEL, a C1 control, a bidi control, or a byte that is not UTF-8. It returns -1
// when there is none. Tests hold every output to it.
func FirstUnsafe(s string, tabs bool) (int, rune) {
	for i, r := range s {
		bad := (r < 0x20 && r != '\n' && !(tabs && r == '\t')) || r == 0x7f || (r >= 0x80 && r <= 0x9f) || isBidiControl(r)
		if r == utf8.RuneError {
			_, size := utf8.DecodeRuneInString(s[i:])
			bad = size == 1
		}
		if bad {
			return i, r
		}
	}
	return -1, 0
}
