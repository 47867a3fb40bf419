package ui

import "testing"

func TestBackgroundFromEnv(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		env      map[string]string
		dark, ok bool
	}{
		{map[string]string{"OAT_BACKGROUND": "light", "COLORFGBG": "15;0"}, false, true}, // OAT_BACKGROUND wins
		{map[string]string{"OAT_BACKGROUND": "Dark"}, true, true},
		{map[string]string{"COLORFGBG": "15;0"}, true, true},
		{map[string]string{"COLORFGBG": "0;default;15"}, false, true},
		{map[string]string{"COLORFGBG": "15;8"}, true, true},
		{map[string]string{"COLORFGBG": "default"}, false, false},
		{map[string]string{"OAT_BACKGROUND": "blue"}, false, false},
		{nil, false, false}, // nothing said: the app asks the terminal
	} {
		dark, ok := backgroundFromEnv(func(k string) string { return c.env[k] })
		if dark != c.dark || ok != c.ok {
			t.Errorf("%v: dark %v ok %v, want %v %v", c.env, dark, ok, c.dark, c.ok)
		}
	}
}
