package subgraph

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"

	"github.com/fedgraph/fedgraph/internal/auth"
)

// IdempotencyHeader carries an idempotency key for the creates of a mutation request;
// the gateway forwards it to the subgraphs.
const IdempotencyHeader = "Idempotency-Key"

// MaxIdempotencyKeyBytes bounds an idempotency key.
const MaxIdempotencyKeyBytes = 255

// DefaultIdempotencyTTL is how long a create's idempotency key is kept when the
// subgraph's configuration sets no other time.
const DefaultIdempotencyTTL = 24 * time.Hour

// IdempotencyKey returns the idempotency key of the create resolved in ctx, as a store
// keeps it, and the hash of the create's input; ok is false when the create has no key.
//
// The key is the create's own input field (field) when given, and otherwise the
// Idempotency-Key header. A header key is namespaced by the field's response key
// (its alias, or its name): one header then covers several creates of one operation
// (`a: createUser(…) b: createUser(…)`) without their colliding, and a retry of the
// same operation replays each. The two sources never collide with each other either.
//
// Keys are the caller's own: a key is scoped by the subject of the request's verified
// token, and every anonymous caller shares a scope of its own that no subject has. A
// caller reusing a key that another caller used neither learns that it exists nor is
// refused: its create runs as if the key were new.
//
// key is a hex SHA-256 of the scope, the source and the key, so any string up to
// MaxIdempotencyKeyBytes makes a short, safe Redis key.
//
// input is what the create stores, after validation and normalisation (trimmed
// names, prices in minor units), without the key: it is hashed canonically (JSON of a
// struct, whose field order is fixed), so two requests that would store the same
// record have the same hash, however they spelled it.
func IdempotencyKey(ctx context.Context, field *string, input any) (key, inputHash string, ok bool, err error) {
	var source string
	switch {
	case field != nil:
		if err := checkKey("idempotencyKey", *field); err != nil {
			return "", "", false, err
		}
		source = "field\x00" + *field
	case graphql.HasOperationContext(ctx):
		h := graphql.GetOperationContext(ctx).Headers.Get(IdempotencyHeader)
		if h == "" {
			return "", "", false, nil
		}
		if err := checkKey(IdempotencyHeader+" header", h); err != nil {
			return "", "", false, err
		}
		alias := ""
		if fc := graphql.GetFieldContext(ctx); fc != nil && fc.Field.Field != nil {
			alias = fc.Field.Alias
		}
		source = "header\x00" + alias + "\x00" + h
	default:
		return "", "", false, nil
	}
	source = callerScope(ctx) + "\x00" + source
	in, err := json.Marshal(input)
	if err != nil {
		return "", "", false, fmt.Errorf("subgraph: hash create input: %w", err)
	}
	k := sha256.Sum256([]byte(source))
	h := sha256.Sum256(in)
	return hex.EncodeToString(k[:]), hex.EncodeToString(h[:]), true, nil
}

func checkKey(what, key string) error {
	switch {
	case key == "":
		return BadInput("%s must not be empty", what)
	case len(key) > MaxIdempotencyKeyBytes:
		return BadInput("%s must be at most %d bytes", what, MaxIdempotencyKeyBytes)
	case !utf8.ValidString(key):
		return BadInput("%s is not valid UTF-8", what)
	}
	return nil
}

// callerScope names the caller whose keys a request's keys are among: "subject", the
// subject's length and the subject for a verified caller (the length keeps a subject
// holding a NUL from reaching into the rest of the key), "anonymous" for any other.
func callerScope(ctx context.Context) string {
	c := auth.FromContext(ctx)
	if c == nil {
		return "anonymous"
	}
	return "subject\x00" + strconv.Itoa(len(c.Subject)) + "\x00" + c.Subject
}
