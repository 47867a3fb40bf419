package oauthtest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	for _, f := range []Flavour{Generic, EDS, Cognito, Dashboard, RawBasic} {
		f := f
		path := strings.TrimPrefix(s.TokenURL(f), s.URL)
		mux.HandleFunc("POST "+path, func(w http.ResponseWriter, r *http.Request) { s.token(w, r, f, "") })
	}
	mux.HandleFunc("POST "+mtlsAliasPrefix+"/token", func(w http.ResponseWriter, r *http.Request) { s.token(w, r, Generic, "") })
	mux.HandleFunc("POST /realms/{realm}/protocol/openid-connect/token", func(w http.ResponseWriter, r *http.Request) {
		s.token(w, r, Keycloak, r.PathValue("realm"))
	})
	// Discovery: the root issuer, and Keycloak realms (OIDC appended form). Realms whose
	// name starts with "rfc8414" publish only RFC 8414's path-inserted form.
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		s.metadata(w, s.URL, s.URL+"/token", s.URL+"/jwks")
	})
	mux.HandleFunc("GET /.well-known/oauth-authorization-server", func(w http.ResponseWriter, r *http.Request) {
		s.metadata(w, s.URL, s.URL+"/token", s.URL+"/jwks")
	})
	mux.HandleFunc("GET /realms/{realm}/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		realm := r.PathValue("realm")
		if strings.HasPrefix(realm, "rfc8414") {
			http.NotFound(w, r)
			return
		}
		s.realmMetadata(w, realm)
	})
	mux.HandleFunc("GET /.well-known/oauth-authorization-server/realms/{realm}", func(w http.ResponseWriter, r *http.Request) {
		s.realmMetadata(w, r.PathValue("realm"))
	})
	mux.HandleFunc("GET /jwks", s.jwks)
	mux.HandleFunc("GET /realms/{realm}/protocol/openid-connect/certs", s.jwks)
	mux.HandleFunc("/api/", s.api)
	mux.HandleFunc("/api", s.api)
	mux.HandleFunc("GET /dash/accounts/{id}/orders", s.api)
	mux.HandleFunc("POST /demo/clients/{id}/{kind}", func(w http.ResponseWriter, r *http.Request) {
		if k := r.PathValue("kind"); k != "keys" && k != "certs" {
			http.NotFound(w, r)
			return
		}
		s.register(w, r)
	})
	return mux
}

func (s *Server) realmMetadata(w http.ResponseWriter, realm string) {
	iss := s.Issuer(Keycloak, realm)
	s.metadata(w, iss, s.TokenURLRealm(Keycloak, realm), iss+"/protocol/openid-connect/certs")
}

func (s *Server) metadata(w http.ResponseWriter, issuer, tokenURL, jwksURI string) {
	doc := map[string]any{
		"issuer":                                issuer,
		"token_endpoint":                        tokenURL,
		"jwks_uri":                              jwksURI,
		"grant_types_supported":                 []string{"client_credentials"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"token_endpoint_auth_signing_alg_values_supported": s.acceptedAlgs(),
		"scopes_supported":                      []string{"api/read", "api/write", "openid"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
	}
	s.tlsMetadata(doc)
	if m := s.publishedAuthMethods(); m != nil {
		doc["token_endpoint_auth_methods_supported"] = m
	}
	writeJSON(w, http.StatusOK, doc)
}

func (s *Server) jwks(w http.ResponseWriter, r *http.Request) {
	s.jwksFetches.Add(1)
	writeJSON(w, http.StatusOK, s.PublicJWKS())
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// oauthError writes an RFC 6749 §5.2 error. invalid_client is 401 with a Basic
// challenge; the others are 400.
func oauthError(w http.ResponseWriter, code, desc string) {
	status := http.StatusBadRequest
	if code == "invalid_client" {
		status = http.StatusUnauthorized
		w.Header().Set("WWW-Authenticate", `Basic realm="oauthtest"`)
	}
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// clientAuth extracts the client's credentials by RFC 6749 §2.3.1: from HTTP Basic
// (each part form-urlencoded, unless the flavour is the non-compliant RawBasic) or from
// the body, and never both.
func clientAuth(r *http.Request, f Flavour) (id, secret, method string, errCode, errDesc string) {
	authz := r.Header.Get("Authorization")
	bodyID, bodySecret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	_, hasBodySecret := r.PostForm["client_secret"]
	if _, ok := r.PostForm["client_assertion"]; ok || r.PostForm.Get("client_assertion_type") != "" {
		// RFC 7523 §2.2: the assertion authenticates the client, alone.
		switch {
		case authz != "" || hasBodySecret:
			return "", "", "", "invalid_request", "the client authenticated with more than one method (a client assertion and a secret)"
		case r.PostForm.Get("client_assertion_type") != assertionType:
			return "", "", "", "invalid_client", "client_assertion_type must be " + assertionType
		case r.PostForm.Get("client_assertion") == "":
			return "", "", "", "invalid_client", "client_assertion is empty"
		}
		id := bodyID
		if id == "" { // RFC 7523 §3: the sub identifies the client; the signature is checked later
			if tok, err := jwt.ParseSigned(r.PostForm.Get("client_assertion"), []jose.SignatureAlgorithm{"RS256", "PS256", "ES256", "EdDSA", "HS256"}); err == nil {
				var c jwt.Claims
				_ = tok.UnsafeClaimsWithoutVerification(&c)
				id = c.Subject
			}
		}
		return id, "", "assertion", "", ""
	}
	if authz != "" {
		if hasBodySecret {
			return "", "", "", "invalid_request", "the client authenticated with more than one method (Basic and client_secret in the body)"
		}
		scheme, cred, _ := strings.Cut(authz, " ")
		if !strings.EqualFold(scheme, "Basic") {
			return "", "", "", "invalid_client", "unsupported authentication scheme " + scheme
		}
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
		if err != nil {
			return "", "", "", "invalid_client", "malformed Basic credentials"
		}
		u, p, ok := strings.Cut(string(raw), ":")
		if !ok {
			return "", "", "", "invalid_client", "malformed Basic credentials"
		}
		if f != RawBasic {
			if u, err = url.QueryUnescape(u); err != nil {
				return "", "", "", "invalid_client", "client id in Basic credentials is not form-urlencoded"
			}
			if p, err = url.QueryUnescape(p); err != nil {
				return "", "", "", "invalid_client", "client secret in Basic credentials is not form-urlencoded"
			}
		}
		if bodyID != "" && bodyID != u {
			return "", "", "", "invalid_request", "client_id in the body differs from the Basic credentials"
		}
		return u, p, "basic", "", ""
	}
	if hasBodySecret {
		return bodyID, bodySecret, "post", "", ""
	}
	return "", "", "", "invalid_client", "no client authentication"
}

func (s *Server) token(w http.ResponseWriter, r *http.Request, f Flavour, realm string) {
	s.tokenRequests.Add(1)
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		oauthError(w, "invalid_request", "the request must be application/x-www-form-urlencoded")
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthError(w, "invalid_request", "malformed form body")
		return
	}
	id, secret, method, code, desc := clientAuth(r, f)
	if tid, tcode, tdesc, ok := s.tlsClientAuth(r); ok {
		id, secret, method, code, desc = tid, "", "tls", tcode, tdesc
	}
	if code != "" {
		oauthError(w, code, desc)
		return
	}
	s.mu.Lock()
	c, ok := s.clients[id]
	var cl Client
	if ok {
		cl = c.cp()
	}
	s.mu.Unlock()
	m := cl.Misbehave
	if m.Custom != nil {
		m.Custom(w, r)
		return
	}
	if m.Hang {
		hang(r)
		return
	}
	if m.Delay > 0 && waitOrDone(r.Context(), m.Delay) != nil {
		return
	}
	if m.HTMLError {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprint(w, "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title><style>body{font:1em sans-serif}</style></head>\n<body><h1>Bad Gateway</h1><p>The proxy server received an invalid response from an upstream server.</p></body></html>\n")
		return
	}
	if m.HugeBody {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"`)
		chunk := strings.Repeat("A", 64<<10)
		for i := 0; i < 32; i++ {
			fmt.Fprint(w, chunk)
		}
		fmt.Fprint(w, `","token_type":"Bearer"}`)
		return
	}
	if m.HostileDescription {
		// Written by hand: encoding/json would send the raw 0x9b (an 8-bit CSI, not
		// UTF-8) as U+FFFD, which a hostile server need not do.
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("WWW-Authenticate", `Basic realm="oauthtest"`)
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":"invalid_client","error_description":"bad client\u001b[31m RED \u001b[0m`+
			`\u001b]52;c;ZXZpbA==\u0007\u001b]0;pwned title\u0007\u0007\r`+"\x9b2J done\"}")
		return
	}
	if method == "assertion" && ok && cl.Flavour == f && (f != Keycloak || cl.Realm == realm) {
		m, err := s.verifyAssertion(&cl, r.PostForm.Get("client_assertion"), s.URL+r.URL.Path, s.Issuer(f, realm))
		if err != nil {
			oauthError(w, "invalid_client", err.Error())
			return
		}
		method, secret = m, ""
	} else if !ok || cl.Flavour != f || (f == Keycloak && cl.Realm != realm) || (method != "tls" && !slices.Contains(cl.Secrets, secret)) {
		if m.EchoSecret {
			oauthError(w, "invalid_client", "wrong secret "+secret+" for client "+id)
			return
		}
		oauthError(w, "invalid_client", "Invalid client or Invalid client credentials")
		return
	}
	switch {
	case f == Cognito && method != "basic":
		oauthError(w, "invalid_client", "this client must authenticate with HTTP Basic (client_secret_basic)")
		return
	case f == Dashboard && method != "post":
		oauthError(w, "invalid_client", "this endpoint takes client_id and client_secret in the form body")
		return
	}
	if cl.RevokeOnUse && secret != "" {
		s.revokeOlderThan(id, secret)
	}
	switch {
	case method == "private_key_jwt":
		s.used(id, assertionKeyID(r.PostForm.Get("client_assertion")))
	case method == "tls" && r.TLS != nil && len(r.TLS.PeerCertificates) > 0:
		s.used(id, Thumbprint(r.TLS.PeerCertificates[0].Raw))
	}
	if gt := r.PostForm.Get("grant_type"); gt != "client_credentials" {
		oauthError(w, "unsupported_grant_type", fmt.Sprintf("grant type %q is not supported", gt))
		return
	}
	if cl.GrantDisabled {
		oauthError(w, "unauthorized_client", "Client not enabled to retrieve service account")
		return
	}
	requested := strings.Fields(r.PostForm.Get("scope"))
	for _, sc := range requested {
		if !slices.Contains(cl.Scopes, sc) {
			oauthError(w, "invalid_scope", fmt.Sprintf("scope %q is not allowed for this client", sc))
			return
		}
	}
	if f == Cognito && !slices.Contains(requested, "api/write") {
		oauthError(w, "invalid_scope", "scope api/write is required")
		return
	}
	if m.ErrorIn200 {
		writeJSON(w, http.StatusOK, map[string]string{"error": "invalid_request", "error_description": "upstream identity provider said no"})
		return
	}
	granted := requested
	if len(granted) == 0 {
		granted = cl.Scopes
	}
	s.issue(w, r, &cl, f, granted, len(requested) > 0)
}

func (s *Server) issue(w http.ResponseWriter, r *http.Request, cl *Client, f Flavour, granted []string, echoScope bool) {
	lifetime := cl.Lifetime
	if lifetime == 0 {
		lifetime = s.TokenLifetime
	}
	now := s.clock()
	var access string
	if cl.Misbehave.Opaque {
		access = "opq_" + randHex(24)
	} else {
		aud := "oauthtest-api"
		if a := r.PostForm.Get("audience"); a != "" {
			aud = a
		}
		if res := r.PostForm.Get("resource"); res != "" {
			aud = res
		}
		claims := map[string]any{
			"iss": s.Issuer(f, cl.Realm), "sub": cl.ID, "aud": aud,
			"exp": now.Add(lifetime).Unix(), "iat": now.Unix(), "nbf": now.Unix(), "jti": randHex(8),
		}
		switch f {
		case Keycloak:
			claims["azp"], claims["typ"], claims["scope"] = cl.ID, "Bearer", strings.Join(granted, " ")
		case Cognito:
			claims["client_id"], claims["token_use"], claims["scope"], claims["version"] = cl.ID, "access", strings.Join(granted, " "), 2
		default:
			claims["client_id"], claims["scp"] = cl.ID, granted
		}
		if cnf := boundTo(cl, r); cnf != nil {
			claims["cnf"] = cnf
		}
		s.mu.Lock()
		s.issued = append(s.issued, claims["jti"].(string))
		s.mu.Unlock()
		var err error
		if access, err = s.Sign(claims); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
	}
	tokenType := "Bearer"
	if cl.Misbehave.LowercaseBearer {
		tokenType = "bearer"
	}
	resp := map[string]any{"access_token": access, "token_type": tokenType}
	secs := int64(lifetime / time.Second)
	switch {
	case cl.Misbehave.NoExpiresIn:
	case cl.Misbehave.StringExpiresIn:
		resp["expires_in"] = strconv.FormatInt(secs, 10)
	default:
		resp["expires_in"] = secs
	}
	if echoScope || f == Keycloak {
		resp["scope"] = strings.Join(granted, " ")
	}
	if f == Keycloak {
		resp["refresh_expires_in"] = 0
		resp["not-before-policy"] = 0
		resp["session_state"] = randHex(4) + "-" + randHex(2) + "-" + randHex(2)
	}
	writeJSON(w, http.StatusOK, resp)
}

// Sign signs claims with the current signing key (RS256, kid set).
func (s *Server) Sign(claims map[string]any) (string, error) {
	s.mu.Lock()
	k := s.keys[0]
	s.mu.Unlock()
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: k.key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", k.kid))
	if err != nil {
		return "", err
	}
	return jwt.Signed(sig).Claims(claims).Serialize()
}

// api is the protected API: it checks the bearer token (signature against the server's
// keys, expiry, issuer) and the scope a route needs, answering RFC 6750 challenges.
// Some paths misbehave on purpose: /api/slow, /api/hang, /api/huge, /api/html,
// /api/hostile.
func (s *Server) api(w http.ResponseWriter, r *http.Request) {
	s.apiRequests.Add(1)
	challenge := func(status int, code, desc, scope string) {
		v := `Bearer realm="oauthtest"`
		if code != "" {
			v += fmt.Sprintf(`, error=%q, error_description=%q`, code, desc)
		}
		if scope != "" {
			v += fmt.Sprintf(`, scope=%q`, scope)
		}
		w.Header().Set("WWW-Authenticate", v)
		writeJSON(w, status, map[string]string{"error": code, "message": desc})
	}
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || tok == "" {
		challenge(http.StatusUnauthorized, "", "", "")
		return
	}
	claims, err := s.check(tok)
	if err == nil {
		err = checkBinding(claims, r)
	}
	if err != nil {
		challenge(http.StatusUnauthorized, "invalid_token", err.Error(), "")
		return
	}
	scopes := tokenScopes(claims)
	clientID, _ := claims["client_id"].(string)
	if clientID == "" {
		clientID, _ = claims["azp"].(string)
	}
	path := r.URL.Path
	switch {
	case strings.HasPrefix(path, "/api/write") && !slices.Contains(scopes, "api/write"):
		challenge(http.StatusForbidden, "insufficient_scope", "this call needs scope api/write", "api/write")
		return
	case strings.HasPrefix(path, "/dash/accounts/") && r.PathValue("id") != clientID:
		challenge(http.StatusForbidden, "insufficient_scope", "the token belongs to another account", "")
		return
	case path == "/api/slow":
		if waitOrDone(r.Context(), 2*time.Second) != nil {
			return
		}
	case path == "/api/hang":
		hang(r)
		return
	case path == "/api/huge":
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"data":"`)
		for i := 0; i < 40; i++ {
			fmt.Fprint(w, strings.Repeat("x", 64<<10))
		}
		fmt.Fprint(w, `"}`)
		return
	case path == "/api/html":
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html><head><title>Maintenance</title></head><body>Back soon</body></html>")
		return
	case path == "/api/hostile":
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Evil", "a\u009b2Jb\u202eevil") // Go's client refuses raw ESC in headers; C1 and bidi pass
		fmt.Fprint(w, `{"message":"hi\u001b[2J\u001b]52;c;ZXZpbA==\u0007there"}`)
		return
	}
	w.Header().Set("X-RateLimit-Limit", "100")
	w.Header().Set("X-RateLimit-Remaining", "99")
	body := map[string]any{"ok": true, "path": path, "method": r.Method, "client_id": clientID, "scopes": scopes}
	if r.URL.RawQuery != "" {
		body["query"] = r.URL.RawQuery // so a test sees the query a call sent
	}
	if path == "/api/v0/versions" {
		body = map[string]any{"versions": []map[string]any{{"version": "3.10", "system_models": []string{"cutoff", "apos", "consequential"}}, {"version": "3.11", "system_models": []string{"cutoff", "apos"}}}}
	}
	if strings.HasPrefix(path, "/dash/accounts/") {
		body = map[string]any{"account": clientID, "orders": []map[string]any{{"id": "ord-1", "status": "delivered"}, {"id": "ord-2", "status": "processing"}}}
	}
	writeJSON(w, http.StatusOK, body)
}

// check verifies a token issued by this server.
func (s *Server) check(tok string) (map[string]any, error) {
	parsed, err := jwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return nil, fmt.Errorf("the token is not a JWT this server issued")
	}
	set := s.PublicJWKS()
	var claims map[string]any
	var std jwt.Claims
	verified := false
	for _, k := range set.Keys {
		if len(parsed.Headers) > 0 && parsed.Headers[0].KeyID != k.KeyID {
			continue
		}
		if parsed.Claims(k.Key, &claims, &std) == nil {
			verified = true
			break
		}
	}
	if !verified {
		return nil, fmt.Errorf("the token signature is invalid")
	}
	if err := std.ValidateWithLeeway(jwt.Expected{Time: s.clock()}, 0); err != nil {
		if err == jwt.ErrExpired {
			return nil, fmt.Errorf("the token has expired")
		}
		return nil, fmt.Errorf("the token is not valid now")
	}
	iss := trimSlash(std.Issuer)
	if iss != s.URL && !strings.HasPrefix(iss, s.URL+"/realms/") {
		return nil, fmt.Errorf("the token was issued by someone else")
	}
	s.mu.Lock()
	revoked := s.revoked[std.ID]
	s.mu.Unlock()
	if revoked {
		return nil, fmt.Errorf("the token was revoked")
	}
	return claims, nil
}

func tokenScopes(claims map[string]any) []string {
	switch v := claims["scope"].(type) {
	case string:
		return strings.Fields(v)
	}
	if list, ok := claims["scp"].([]any); ok {
		var out []string
		for _, e := range list {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// revokeOlderThan drops the secrets registered before secret.
func (s *Server) revokeOlderThan(id, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	if !ok {
		return
	}
	if i := slices.Index(c.Secrets, secret); i > 0 {
		c.Secrets = slices.Clone(c.Secrets[i:])
	}
}
