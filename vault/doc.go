// Package vault is the keeper of credentials: the profiles file, the secret stores (OS
// keyring, age-encrypted file, memory), the token cache and state file, rotation steps,
// and the Broker that exchanges them through oauth (cache-or-fetch, auth-method
// detection, the call that replaces a rejected token, rotation and check-all). It also
// holds the text both front ends show for its concepts (a secret's age, an error's
// hint).
//
// It may import oauth (the protocol) and nothing of the front ends; it knows nothing
// about terminals.
package vault
