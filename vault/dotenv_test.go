package vault

import (
	"strings"
	"testing"
)

// A secret pasted alone on a line must not come back in the error that names the line.
func TestDotenvErrorsNeverEchoValues(t *testing.T) {
	t.Parallel()
	for _, content := range []string{
		"CLIENT_ID=a\nc2VjcmV0K3NlY3JldA+/=\n",
		"CLIENT_ID=a\nc2VjcmV0K3NlY3JldA+/\n",
		"CLIENT_ID=a\nCLIENT_SECRET=\"c2VjcmV0K3NlY3JldA+/\n",
		"CLIENT_ID=a\nCLIENT_SECRET='c2VjcmV0K3NlY3JldA+/' trailing\n",
	} {
		_, _, err := ParseDotenv("f.env", content)
		if err == nil || !strings.Contains(err.Error(), "line 2") {
			t.Fatalf("%q: %v", content, err)
		}
		if strings.Contains(err.Error(), "c2VjcmV0") {
			t.Fatalf("error echoes the value: %v", err)
		}
	}
}
