package cli

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/vault"
)

// maxCertInput bounds what is read from stdin as a certificate and key: a chain of a
// few certificates is a few KiB.
const maxCertInput = 256 << 10

// readCert reads a client certificate and its private key from stdin for the profile
// called name: PEM (the chain and the key, in any order), or with pkcs12 a PKCS#12
// file, whose passphrase comes from $OAT_PKCS12_PASSPHRASE or a hidden prompt on the
// terminal (never a flag). It returns the PEM text vault.Add reads; it holds the key and
// goes nowhere else.
func (a *App) readCert(name string, pkcs12 bool) (string, error) {
	if a.IsTerminal(a.In) {
		return "", usageErr(fmt.Errorf("mutual TLS: pipe the client certificate and its key of %s on stdin: PEM (oat add %s … < cert-and-key.pem, or cat cert.pem key.pem | oat add %s …) or PKCS#12 with --pkcs12 (< client.p12)", name, name, name))
	}
	b, err := a.readStdin(maxCertInput)
	if err != nil {
		return "", fmt.Errorf("read the client certificate from stdin: %w", err)
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		return "", usageErr(errors.New("no client certificate on stdin: pipe the certificate and its key (PEM), or a PKCS#12 file with --pkcs12"))
	}
	if !pkcs12 {
		if _, err := vault.ClientCertificate(string(b)); err != nil {
			if strings.Contains(string(b), "-----BEGIN") {
				return "", usageErr(err)
			}
			return "", usageErr(fmt.Errorf("%w (a PKCS#12 file? add --pkcs12)", err))
		}
		return string(b), nil
	}
	// A PKCS#12 file without a password is common: try that first, then ask.
	cc, err := oauth.ParseClientCertificatePKCS12(b, "")
	if err != nil && strings.Contains(err.Error(), "wrong password") {
		var pw string
		if pw, err = a.pkcs12Passphrase(name); err != nil {
			return "", err
		}
		cc, err = oauth.ParseClientCertificatePKCS12(b, pw)
	}
	if err != nil {
		return "", usageErr(err)
	}
	return vault.CertificatePEM(cc)
}

// pkcs12Passphrase is the PKCS#12 file's passphrase: $OAT_PKCS12_PASSPHRASE, else a
// hidden prompt on the controlling terminal (stdin is the file).
func (a *App) pkcs12Passphrase(name string) (string, error) {
	if p := a.Getenv("OAT_PKCS12_PASSPHRASE"); p != "" {
		return p, nil
	}
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil || !term.IsTerminal(int(tty.Fd())) {
		if tty != nil {
			tty.Close()
		}
		return "", usageErr(errors.New("the PKCS#12 file has a passphrase: set OAT_PKCS12_PASSPHRASE, or run oat on a terminal to be asked for it"))
	}
	defer tty.Close()
	var pw []byte
	a.atPrompt(func() {
		fmt.Fprintf(tty, "Passphrase of the PKCS#12 file for %s (input hidden): ", name)
		pw, err = term.ReadPassword(int(tty.Fd()))
		fmt.Fprintln(tty)
	})
	if err != nil {
		return "", fmt.Errorf("read the passphrase from the terminal: %w", err)
	}
	return string(pw), nil
}

// certLine describes the profile's client certificate on one line, with a warning when
// it expires within 30 days or has expired ("" when it has none).
func certLine(p vault.Profile, now time.Time) string {
	info, ok, err := p.CertInfo()
	if err != nil {
		return "unreadable: " + oauth.OneLine(err.Error())
	}
	if !ok {
		return ""
	}
	exp, warn := info.Expiry(now)
	if warn {
		exp = "⚠ " + exp
	}
	return info.Line() + ", " + exp
}

// certRow is a client certificate as `oat ls --json` and `oat inspect --json` show it.
type certRow struct {
	vault.CertInfo
	// Expiry says when it expires in words; ExpiryWarning that it has expired or
	// expires within 30 days.
	Expiry        string `json:"expiry"`
	ExpiryWarning bool   `json:"expiry_warning,omitempty"`
	Error         string `json:"error,omitempty"`
}

func certJSON(p vault.Profile, now time.Time) *certRow {
	info, ok, err := p.CertInfo()
	if err != nil {
		return &certRow{Error: oauth.OneLine(err.Error())}
	}
	if !ok {
		return nil
	}
	r := &certRow{CertInfo: info}
	r.Expiry, r.ExpiryWarning = info.Expiry(now)
	return r
}
