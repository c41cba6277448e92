package front

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"

	"github.com/fedgraph/fedgraph/internal/errcode"
)

// Automatic persisted queries follow Apollo's protocol, as Apollo Server and Apollo Router
// implement it and as Apollo Client's PersistedQueryLink expects:
//
//   - a hash alone that the store knows runs the stored query, with the same checks as any
//     query (a stored mutation is still refused over GET);
//   - a hash alone that the store does not know is PERSISTED_QUERY_NOT_FOUND with the message
//     "PersistedQueryNotFound", a request error: the client resends the hash with the query;
//   - a hash with a query registers the query, but only when the hash is the query's SHA-256
//     (else PERSISTED_QUERY_HASH_MISMATCH and nothing is stored, so that no one can bind a
//     known hash to another query) and only once the query parses and validates;
//   - with APQ off, any persistedQuery extension is PERSISTED_QUERY_NOT_SUPPORTED with the
//     message "PersistedQueryNotSupported", on which the client stops sending hashes and
//     resends the query alone.
//
// A persistedQuery extension that is malformed (not an object, no numeric version, a hash
// that is not 64 lowercase hex digits) or names a version other than 1 makes the request
// something other than a GraphQL-over-HTTP request the front understands, so it is refused
// with 400 under either media type, as are hash mismatches (Apollo Server and Router answer
// both with 400).

// apqVersion is the only version of the protocol.
const apqVersion = 1

// persistedQuery is a decoded extensions.persistedQuery.
type persistedQuery struct {
	hash string // 64 lowercase hex digits
}

// parsePersistedQuery decodes raw, the value of extensions.persistedQuery (not JSON null).
func parsePersistedQuery(raw json.RawMessage) (persistedQuery, *failure) {
	invalid := func(msg string) (persistedQuery, *failure) {
		return persistedQuery{}, newFailure(http.StatusBadRequest, errcode.PersistedQueryInvalid, msg)
	}
	var obj map[string]json.RawMessage
	if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &obj) != nil {
		return invalid("extensions.persistedQuery must be an object.")
	}
	var version json.Number
	if v, ok := obj["version"]; !ok || len(v) == 0 || !isJSONNumber(v) || json.Unmarshal(v, &version) != nil {
		return invalid("extensions.persistedQuery.version must be a number.")
	}
	if f, err := version.Float64(); err != nil || f != apqVersion {
		return persistedQuery{}, newFailure(http.StatusBadRequest, errcode.PersistedQueryVersionNotSupported,
			"Only version 1 of persisted queries is supported.")
	}
	var hash string
	if h, ok := obj["sha256Hash"]; !ok || len(h) == 0 || h[0] != '"' || json.Unmarshal(h, &hash) != nil || !isSHA256Hex(hash) {
		return invalid("extensions.persistedQuery.sha256Hash must be a SHA-256 in 64 lowercase hex digits.")
	}
	return persistedQuery{hash: hash}, nil
}

// isJSONNumber reports whether v, valid JSON, is a number.
func isJSONNumber(v json.RawMessage) bool {
	c := v[0]
	return c == '-' || c >= '0' && c <= '9'
}

func isSHA256Hex(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// matchesHash reports whether hash (valid lowercase hex) is the SHA-256 of query.
func matchesHash(query, hash string) bool {
	sum := sha256.Sum256([]byte(query))
	var want [sha256.Size]byte
	if _, err := hex.Decode(want[:], []byte(hash)); err != nil {
		return false
	}
	return bytes.Equal(sum[:], want[:])
}

// apqStore holds registered queries by hash, bounded in entries and in bytes of query text.
type apqStore struct {
	lru *boundedLRU[string]
}

func newAPQStore(entries int, maxBytes int64) *apqStore {
	return &apqStore{lru: newBoundedLRU[string](entries, maxBytes, maxBytes)}
}

func (s *apqStore) get(hash string) (string, bool) { return s.lru.get(hash) }

// add stores query under hash, which the caller has checked is the query's SHA-256.
func (s *apqStore) add(hash, query string) {
	s.lru.add(hash, query, int64(len(query)+len(hash)))
}

// The messages Apollo clients match, older ones on the message alone.
const (
	msgPersistedQueryNotFound     = "PersistedQueryNotFound"
	msgPersistedQueryNotSupported = "PersistedQueryNotSupported"
)
