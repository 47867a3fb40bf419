package vault

import (
	"slices"
	"testing"
)

func TestQuerySplitJoin(t *testing.T) {
	base, params := SplitQuery("/accounts/{client_id}/orders?limit=5&q=a%20b&flag&owner={client_id}")
	if base != "/accounts/{client_id}/orders" || !slices.Equal(params, []string{"limit=5", "q=a b", "flag", "owner={client_id}"}) {
		t.Fatalf("split: %q %q", base, params)
	}
	if got := JoinQuery(base, append(params, "", " sort = desc ")); got != "/accounts/{client_id}/orders?limit=5&q=a+b&flag&owner={client_id}&sort=desc" {
		t.Fatalf("join: %q", got)
	}
	if got := JoinQuery("/x?a=1", []string{"b=2"}); got != "/x?a=1&b=2" {
		t.Fatalf("join onto a query: %q", got)
	}
	if b, p := SplitQuery("/plain"); b != "/plain" || p != nil {
		t.Fatalf("no query: %q %q", b, p)
	}
}

func TestJSONError(t *testing.T) {
	if e := JSONError(`{"a": [1, 2]}`); e != "" {
		t.Fatalf("valid JSON: %q", e)
	}
	if e := JSONError("{\n  \"a\": 1,\n  \"b\" 2\n}"); e != `line 3, column 7: invalid character '2' after object key` {
		t.Fatalf("invalid JSON: %q", e)
	}
	if !IsJSONContentType("application/json; charset=utf-8") || !IsJSONContentType("application/merge-patch+json") || IsJSONContentType("text/plain") {
		t.Fatal("IsJSONContentType")
	}
}

func TestCheckHeaderLine(t *testing.T) {
	if k, v, err := CheckHeaderLine(" Accept :  application/json "); err != nil || k != "Accept" || v != "application/json" {
		t.Fatalf("%q %q %v", k, v, err)
	}
	for _, bad := range []string{"no colon", "X Y: 1", ": v", "X-A: a\x1bb"} {
		if _, _, err := CheckHeaderLine(bad); err == nil {
			t.Fatalf("%q passed", bad)
		}
	}
}
