// Package cli is oat's command line: one cobra command per file, each binding flags to
// an options struct and calling vault (and, for the protocol's own words, oauth). `oat`
// with no arguments starts the terminal app through App.RunApp, so cli never imports the
// app (package ui).
package cli
