package vault

// URLVars are the names a profile's API base URL, test path and saved requests may
// hold in braces: {client_id} (any case, as providers write {CLIENT_ID} in their docs,
// e.g. the restoration dashboard's GET {BASE_URL}/accounts/{CLIENT_ID}/orders).
func (p Profile) URLVars() map[string]string {
	return map[string]string{"client_id": p.ClientID}
}
