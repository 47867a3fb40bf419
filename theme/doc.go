// Package theme holds oat's adaptive colours and the styles built from them; it is the
// only place colours are chosen.
package theme
