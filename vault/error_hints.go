package vault

import (
	"slices"
	"strings"
)

// ErrorAndHints splits an error for a screen that shows the error and its advice apart:
// the error's text without its "hint:" lines, and each hint once. An error's text
// carries its hints (the CLI prints it whole), and auto auth's two attempts carry the
// same one twice; shown beside Hint(err) the advice would read two or three times.
func ErrorAndHints(err error) (text string, hints []string) {
	var keep []string
	add := func(h string) {
		if h = strings.TrimSpace(h); h != "" && !slices.Contains(hints, h) {
			hints = append(hints, h)
		}
	}
	for _, line := range strings.Split(err.Error(), "\n") {
		if h, ok := strings.CutPrefix(strings.TrimSpace(line), "hint: "); ok {
			add(h)
			continue
		}
		keep = append(keep, line)
	}
	add(Hint(err))
	return strings.Join(keep, "\n"), hints
}
