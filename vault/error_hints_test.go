package vault

import (
	"strings"
	"testing"

	"github.com/oatcli/oat/oauth"
)

// Auto auth's two attempts both answer invalid_client: the hint is given once, and the
// error's text no longer carries it.
func TestErrorAndHintsOnce(t *testing.T) {
	hint := "check the client id and secret"
	err := &oauth.AutoError{
		Basic: &oauth.OAuthError{Status: 401, Code: "invalid_client", Hint: hint},
		Post:  &oauth.OAuthError{Status: 401, Code: "invalid_client", Hint: hint},
	}
	if n := strings.Count(err.Error(), hint); n != 2 {
		t.Fatalf("the error's text carries the hint %d times; the test needs 2", n)
	}
	text, hints := ErrorAndHints(err)
	if strings.Contains(text, hint) || strings.Contains(text, "hint:") || len(hints) != 1 || hints[0] != hint {
		t.Fatalf("text %q, hints %q", text, hints)
	}
	if !strings.Contains(text, "with HTTP Basic") || !strings.Contains(text, "with form body") {
		t.Fatalf("text lost the attempts: %q", text)
	}
}
