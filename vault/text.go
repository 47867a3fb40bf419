package vault

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/oatcli/oat/oauth"
)

// Text for people that both front ends show: the first line of an error, its hint, a
// secret's age, a check row's cells. Durations are oauth.ShortDuration and
// oauth.Relative (the protocol package needs them for its own messages).

// FirstLine is the first line of an error's text, for one-line displays.
func FirstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

// Hint is the one line of advice an error carries, if any: OAuth and network errors
// carry theirs as a field; a store that cannot be reached gets one here.
func Hint(err error) string {
	if sp := (*StagedPendingError)(nil); errors.As(err, &sp) {
		return sp.Hint()
	}
	if h := oauth.HintOf(err); h != "" {
		return h
	}
	if errors.Is(err, ErrStoreUnavailable) {
		return "the secret store is unavailable: start a Secret Service or use --store file"
	}
	return ""
}

// Explain splits an error's text from its hints, for a display that shows the hints on
// their own: oauth errors end their text with "hint: …" lines (auto auth carries one
// per attempt, often the same), and Hint may add one more. Each hint is given once, in
// order of appearance; text keeps every other line.
func Explain(err error) (text string, hints []string) {
	add := func(h string) {
		if h != "" && !slices.Contains(hints, h) {
			hints = append(hints, h)
		}
	}
	var keep []string
	for _, line := range strings.Split(err.Error(), "\n") {
		if h, ok := strings.CutPrefix(strings.TrimSpace(line), "hint: "); ok {
			add(strings.TrimSpace(h))
			continue
		}
		keep = append(keep, line)
	}
	add(Hint(err))
	return strings.Join(keep, "\n"), hints
}

// LatencyText is a latency to the millisecond; under one it is "<1ms", not "0s". Both
// front ends and the rotation's steps use it.
func LatencyText(d time.Duration) string {
	if d < time.Millisecond {
		return "<1ms"
	}
	return d.Round(time.Millisecond).String()
}

// AgeDays is a secret's age in whole days.
func AgeDays(age time.Duration) int { return int(age.Hours() / 24) }

// AgeText is a secret's age for a table cell: "12d", marked " ⚠" when past the rotation
// policy.
func AgeText(age time.Duration, overdue bool) string {
	s := fmt.Sprintf("%dd", AgeDays(age))
	if overdue {
		s += " ⚠"
	}
	return s
}

// Detail is the row's one-line explanation: the error and its hint for a failure, the
// test call's status for a success.
func (r CheckRow) Detail() string {
	if !r.OK && r.Err != nil {
		d := oauth.Sanitize(FirstLine(r.Err))
		if r.Hint != "" {
			d += " — " + r.Hint
		}
		return d
	}
	if r.CallCode != 0 {
		return fmt.Sprintf("call HTTP %d", r.CallCode)
	}
	if r.CallSkipped {
		return "call skipped (no API)"
	}
	return ""
}

// LifetimeText is the token lifetime for display, "-" when unknown.
func (r CheckRow) LifetimeText() string {
	if r.Lifetime > 0 {
		return oauth.ShortDuration(r.Lifetime)
	}
	return "-"
}

// AgeText is the secret's age in days, marked ⚠ when past the rotation policy.
func (r CheckRow) AgeText() string { return AgeText(r.SecretAge, r.Overdue) }
