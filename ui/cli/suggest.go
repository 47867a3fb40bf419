package cli

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/oatcli/oat/vault"
)

// suggest adds "did you mean …?" to an unknown command or an unknown profile name, with
// the closest names.
func (a *App) suggest(root *cobra.Command, err error) error {
	if m := unknownCommandRE.FindStringSubmatch(err.Error()); m != nil {
		if s := root.SuggestionsFor(m[1]); len(s) > 0 {
			return fmt.Errorf("%w\n  did you mean %s?", err, strings.Join(s, " or "))
		}
		return err
	}
	m := unknownProfileRE.FindStringSubmatch(err.Error())
	if errors.Is(err, vault.ErrProfileNotFound) && m != nil && a.vault != nil {
		if ps, lerr := a.vault.List(); lerr == nil {
			var names []string
			for _, p := range ps {
				names = append(names, p.Name)
			}
			if s := closest(m[1], names); len(s) > 0 {
				return fmt.Errorf("%w\n  did you mean %s?", err, strings.Join(s, " or "))
			}
		}
	}
	return err
}

var (
	unknownCommandRE = regexp.MustCompile(`^unknown (?:command|help topic) "([^"]+)"`)
	unknownProfileRE = regexp.MustCompile(`no such profile "([^"]+)"`)
)

// closest are the names within a small edit distance of name, nearest first.
func closest(name string, names []string) []string {
	type cand struct {
		n string
		d int
	}
	var cs []cand
	for _, n := range names {
		d := editDistance(strings.ToLower(name), strings.ToLower(n))
		if d <= max(2, len(name)/3) || strings.HasPrefix(strings.ToLower(n), strings.ToLower(name)) {
			cs = append(cs, cand{n, d})
		}
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].d < cs[j].d })
	var out []string
	for i := 0; i < len(cs) && i < 3; i++ {
		out = append(out, cs[i].n)
	}
	return out
}

// editDistance is Levenshtein's: cobra has one but keeps it to itself.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
