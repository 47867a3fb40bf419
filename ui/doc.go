// Package ui is oat's terminal app (Bubble Tea); ui/cli holds the command line.
package ui
