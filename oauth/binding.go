package oauth

// BindingStatus says how a token's certificate binding (RFC 8705 §3) compares with a
// client certificate.
type BindingStatus string

// The binding outcomes.
const (
	// NotBound: the token has no cnf claim with x5t#S256 (or is not a JWT).
	NotBound BindingStatus = "not bound"
	// BoundToCert: its x5t#S256 is the client certificate's.
	BoundToCert BindingStatus = "bound to the client certificate"
	// BoundToOther: its x5t#S256 is another certificate's.
	BoundToOther BindingStatus = "bound to another certificate"
	// BoundNoCert: it is bound, and there is no client certificate to compare.
	BoundNoCert BindingStatus = "bound to a client certificate"
)

// Binding is a token's certificate binding checked against a client certificate.
type Binding struct {
	Status BindingStatus
	// Thumbprint is the token's cnf x5t#S256, shown on one line ("" when not bound).
	Thumbprint string
	// CertThumbprint is the x5t#S256 of the certificate it was compared with ("" when
	// there was none).
	CertThumbprint string
}

// Mismatch says, for a token bound to another certificate, which two certificates
// differ: "the token is bound to another certificate than the profile's (token's
// cnf x5t#S256 …, profile's certificate …)"; "" for any other binding.
func (b Binding) Mismatch() string {
	if b.Status != BoundToOther {
		return ""
	}
	return "the token is " + string(BoundToOther) + " than the profile's (token's cnf x5t#S256 " + b.Thumbprint + ", profile's certificate " + b.CertThumbprint + ")"
}

// Bound says whether the token carries a certificate binding at all.
func (b Binding) Bound() bool { return b.Status != NotBound }

// String is the line a front end shows, short enough for 80 columns with its label
// (the thumbprint is in the cnf claim shown beside it): "bound to the client
// certificate ✓", "bound to another certificate ✗", "not bound".
func (b Binding) String() string {
	switch b.Status {
	case BoundToCert:
		return string(b.Status) + " ✓"
	case BoundToOther:
		return string(b.Status) + " ✗"
	case BoundNoCert:
		return string(b.Status) + " ? (the profile has none to compare)"
	}
	return string(b.Status)
}

// CheckBinding reads a JWT's cnf claim (RFC 8705 §3.1: x5t#S256, the base64url SHA-256
// of the DER certificate) and compares it with cert's (nil: no certificate). An opaque
// token, or one without cnf x5t#S256, is not bound.
func CheckBinding(token string, cert *ClientCertificate) Binding {
	j, err := DecodeJWT(token)
	if err != nil {
		return Binding{Status: NotBound}
	}
	return bindingOf(j.Claims, cert)
}

// Binding is CheckBinding for the inspected token.
func (in *Inspection) Binding(cert *ClientCertificate) Binding {
	if in == nil || in.JWT == nil {
		return Binding{Status: NotBound}
	}
	return bindingOf(in.JWT.Claims, cert)
}

func bindingOf(claims map[string]any, cert *ClientCertificate) Binding {
	cnf, _ := claims["cnf"].(map[string]any)
	x5t, _ := cnf["x5t#S256"].(string)
	if x5t == "" {
		return Binding{Status: NotBound}
	}
	b := Binding{Thumbprint: Excerpt(OneLine(x5t), 64)}
	switch {
	case cert == nil || len(cert.Chain) == 0:
		b.Status = BoundNoCert
	case cert.Thumbprint() == x5t:
		b.Status, b.CertThumbprint = BoundToCert, cert.Thumbprint()
	default:
		b.Status, b.CertThumbprint = BoundToOther, cert.Thumbprint()
	}
	return b
}
