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
			b.WriteRune(utf8.RuneError)
			i++
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
