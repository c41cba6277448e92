// Package events is how the subgraphs tell each other what happened to their data
// (docs/failure-modes.md, "A user is deleted"): the events a service appends to a Redis Stream in its own
// Redis, in the same script as the change, and a Consumer that reads such a stream in a
// consumer group.
//
// The one event today is user.deleted. The users subgraph appends it to its stream
// UsersStream (under its key prefix) when it deletes a user; the products subgraph
// consumes it and deletes that user's products. An event is a stream entry with these
// fields:
//
//	type       "user.deleted"
//	userId     the deleted user's global id, User:<uuid>
//	deletedAt  when, RFC 3339 in UTC
//
// A consumer ignores (acknowledges) types it does not know, so producers may add new
// ones, and treats a known type with bad fields as a poison message (see Consumer).
package events

import (
	"fmt"
	"time"

	"github.com/fedgraph/fedgraph/subgraphs/relay"
)

// UsersStream is the key of the users subgraph's event stream, after its key prefix. It
// is part of the users store's key layout (subgraphs/users/store), repeated here
// because consumers name it; a test of the products subgraph checks the two agree.
const UsersStream = "{users}:events"

// TypeUserDeleted is the type of the event the users subgraph appends when it deletes
// a user.
const TypeUserDeleted = "user.deleted"

// Field names of an event entry.
const (
	FieldType      = "type"
	FieldUserID    = "userId"
	FieldDeletedAt = "deletedAt"
)

// UserDeleted says that a user no longer exists. Ids are never reused, so the user
// will not come back.
type UserDeleted struct {
	UserID    string
	DeletedAt time.Time
}

// Values returns the event as the field/value pairs of a stream entry, in order.
func (e UserDeleted) Values() []any {
	return []any{FieldType, TypeUserDeleted, FieldUserID, e.UserID, FieldDeletedAt, e.DeletedAt.UTC().Format(time.RFC3339Nano)}
}

// ParseUserDeleted reads a user.deleted entry's fields; an entry whose fields are
// missing or malformed is an error that retrying cannot fix.
func ParseUserDeleted(values map[string]any) (UserDeleted, error) {
	if t, _ := values[FieldType].(string); t != TypeUserDeleted {
		return UserDeleted{}, fmt.Errorf("events: %s: type is %q", TypeUserDeleted, values[FieldType])
	}
	id, _ := values[FieldUserID].(string)
	if err := relay.CheckID(id, "User"); err != nil {
		return UserDeleted{}, fmt.Errorf("events: %s: userId: %w", TypeUserDeleted, err)
	}
	at, _ := values[FieldDeletedAt].(string)
	when, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		return UserDeleted{}, fmt.Errorf("events: %s: deletedAt: %w", TypeUserDeleted, err)
	}
	return UserDeleted{UserID: id, DeletedAt: when}, nil
}
