package ui

import (
	"cmp"
	"slices"
	"strings"

	"github.com/oatcli/oat/vault"
)

// listOrder is how the list orders its rows; s cycles through them.
type listOrder int

const (
	byFile listOrder = iota // as in profiles.toml: the order they were added
	byName
	byTimeLeft
	bySecretAge
	byEnvironment
	listOrders
)

func (o listOrder) String() string {
	return [...]string{"", "name", "time left", "secret age", "environment"}[o]
}

// sorted is ps in the order o (a copy; ties keep the file order).
func (l *listScreen) sorted(ps []vault.Profile, o listOrder) []vault.Profile {
	out := slices.Clone(ps)
	by := map[listOrder]func(a, b vault.Profile) int{
		byName: func(a, b vault.Profile) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) },
		byTimeLeft: func(a, b vault.Profile) int {
			sa, sb := l.rows.status(a), l.rows.status(b)
			return cmp.Or(cmp.Compare(leftRank(sa), leftRank(sb)), cmp.Compare(sa.Left, sb.Left))
		},
		bySecretAge: func(a, b vault.Profile) int { return cmp.Compare(l.rows.age(b), l.rows.age(a)) }, // oldest first
		byEnvironment: func(a, b vault.Profile) int {
			return cmp.Or(cmp.Compare(prodRank(a), prodRank(b)), strings.Compare(a.Environment, b.Environment))
		},
	}[o]
	if by != nil {
		slices.SortStableFunc(out, by)
	}
	return out
}

// prodRank puts production first when ordering by environment.
func prodRank(p vault.Profile) int {
	if isProduction(p.Environment) {
		return 0
	}
	return 1
}

// leftRank orders by time left: what needs attention (an error, a rejected or expired
// token) first, then the tokens held, soonest to expire first, then those without an
// expiry, and last the profiles holding no token (they have no time left to sort by).
func leftRank(s vault.TokenStatus) int {
	switch s.Kind {
	case vault.TokenValid, vault.TokenExpiring:
		return 1
	case vault.TokenNoExpiry:
		return 2
	case vault.TokenNone:
		return 3
	}
	return 0
}
