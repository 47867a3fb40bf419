// Package oauth is the protocol: the OAuth2 client-credentials grant done to the letter
// of RFC 6749 (auth methods, Basic encoding, token request and response), typed errors
// that carry their hint, the sanitizer and redaction for what servers send back, JWT
// inspection, JWKS verification, discovery (OIDC, RFC 8414), and test calls to the APIs
// tokens protect.
//
// It is a leaf: it imports no other package of oat, reads no files and knows nothing
// about profiles, stores or terminals. vault builds its requests from profiles.
package oauth
