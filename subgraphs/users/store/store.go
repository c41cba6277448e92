// Package store keeps the users subgraph's data in Redis.
//
// Key layout (every key starts with the configured prefix and the hash tag {users}, so on
// Redis Cluster all of them share one slot and each multi-key write stays one atomic
// script):
//
//	{users}:user:<id>        hash   id, name, email, emailKey, createdAt, pos
//	{users}:email:<email>    string the id of the user with that email, lower-cased
//	{users}:created          zset   id by pos: creation order, for cursor pagination
//	{users}:pos              string counter that hands out pos
package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fedgraph/fedgraph/subgraphs/hashstore"
	"github.com/fedgraph/fedgraph/subgraphs/relay"
)

// ErrEmailTaken reports an email another user already has, whatever its case.
var ErrEmailTaken = errors.New("email already in use")

// ErrNotFound reports a user that does not exist.
var ErrNotFound = errors.New("user not found")

// User is a stored user. Pos is its position in creation order.
type User struct {
	ID        string
	Name      string
	Email     string
	CreatedAt time.Time
	Pos       int64
}

// keys names every key of the store; it is the one place the layout above is spelled.
type keys struct{ prefix string }

func (k keys) user(id string) string        { return k.prefix + "{users}:user:" + id }
func (k keys) userPrefix() string           { return k.prefix + "{users}:user:" }
func (k keys) email(emailKey string) string { return k.prefix + "{users}:email:" + emailKey }
func (k keys) created() string              { return k.prefix + "{users}:created" }
func (k keys) pos() string                  { return k.prefix + "{users}:pos" }

// EmailKey is the form of an email that uniqueness is checked on.
func EmailKey(email string) string { return strings.ToLower(email) }

// Store reads and writes users.
type Store struct {
	rdb  redis.UniversalClient
	keys keys
}

// New returns a Store on rdb whose keys all start with prefix.
func New(rdb redis.UniversalClient, prefix string) *Store {
	return &Store{rdb: rdb, keys: keys{prefix: prefix}}
}

// Ping reports whether Redis answers.
func (s *Store) Ping(ctx context.Context) error { return s.rdb.Ping(ctx).Err() }

var createScript = redis.NewScript(`
if redis.call('SET', KEYS[2], ARGV[1], 'NX') == false then return -1 end
local pos = redis.call('INCR', KEYS[4])
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'name', ARGV[2], 'email', ARGV[3], 'emailKey', ARGV[4], 'createdAt', ARGV[5], 'pos', pos)
redis.call('ZADD', KEYS[3], pos, ARGV[1])
return pos
`)

// Create stores a new user with a fresh id. The caller has validated name and email.
func (s *Store) Create(ctx context.Context, name, email string) (*User, error) {
	u := &User{ID: relay.NewID("User"), Name: name, Email: email, CreatedAt: time.Now().UTC().Truncate(time.Millisecond)}
	ek := EmailKey(email)
	pos, err := createScript.Run(ctx, s.rdb,
		[]string{s.keys.user(u.ID), s.keys.email(ek), s.keys.created(), s.keys.pos()},
		u.ID, name, email, ek, u.CreatedAt.Format(time.RFC3339Nano)).Int64()
	if err != nil {
		return nil, fmt.Errorf("users: create user: %w", err)
	}
	if pos < 0 {
		return nil, ErrEmailTaken
	}
	u.Pos = pos
	return u, nil
}

// updateScript changes a user whose email key is still ARGV[1]; it answers "stale" when
// the user changed since the caller read it, so the caller reads again.
var updateScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 'missing' end
if redis.call('HGET', KEYS[1], 'emailKey') ~= ARGV[1] then return 'stale' end
if KEYS[2] ~= KEYS[3] then
  if redis.call('SET', KEYS[3], ARGV[5], 'NX') == false then return 'taken' end
  redis.call('DEL', KEYS[2])
end
redis.call('HSET', KEYS[1], 'name', ARGV[2], 'email', ARGV[3], 'emailKey', ARGV[4])
return 'ok'
`)

// Update sets the non-nil fields of a user. The caller has validated them.
func (s *Store) Update(ctx context.Context, id string, name, email *string) (*User, error) {
	for attempt := 0; attempt < 5; attempt++ {
		u, err := s.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		if u == nil {
			return nil, ErrNotFound
		}
		oldKey := EmailKey(u.Email)
		if name != nil {
			u.Name = *name
		}
		if email != nil {
			u.Email = *email
		}
		newKey := EmailKey(u.Email)
		res, err := updateScript.Run(ctx, s.rdb,
			[]string{s.keys.user(id), s.keys.email(oldKey), s.keys.email(newKey)},
			oldKey, u.Name, u.Email, newKey, id).Text()
		if err != nil {
			return nil, fmt.Errorf("users: update user %q: %w", id, err)
		}
		switch res {
		case "ok":
			return u, nil
		case "missing":
			return nil, ErrNotFound
		case "taken":
			return nil, ErrEmailTaken
		}
	}
	return nil, fmt.Errorf("users: update user %q: changed concurrently too often", id)
}

var deleteScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 'missing' end
if redis.call('HGET', KEYS[1], 'emailKey') ~= ARGV[1] then return 'stale' end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[2])
return 'ok'
`)

// Delete removes a user, its email claim and its place in the index, all at once.
func (s *Store) Delete(ctx context.Context, id string) error {
	for attempt := 0; attempt < 5; attempt++ {
		u, err := s.Get(ctx, id)
		if err != nil {
			return err
		}
		if u == nil {
			return ErrNotFound
		}
		ek := EmailKey(u.Email)
		res, err := deleteScript.Run(ctx, s.rdb,
			[]string{s.keys.user(id), s.keys.email(ek), s.keys.created()}, ek, id).Text()
		if err != nil {
			return fmt.Errorf("users: delete user %q: %w", id, err)
		}
		switch res {
		case "ok":
			return nil
		case "missing":
			return ErrNotFound
		}
	}
	return fmt.Errorf("users: delete user %q: changed concurrently too often", id)
}

// Get returns the user with id, or nil when there is none.
func (s *Store) Get(ctx context.Context, id string) (*User, error) {
	us, err := s.GetMany(ctx, []string{id})
	if err != nil {
		return nil, err
	}
	return us[0], nil
}

// GetMany returns the users with the given ids in order, nil where there is none, in one
// round trip.
func (s *Store) GetMany(ctx context.Context, ids []string) ([]*User, error) {
	ks := make([]string, len(ids))
	for i, id := range ids {
		ks[i] = s.keys.user(id)
	}
	recs, err := hashstore.GetAll(ctx, s.rdb, ks)
	if err != nil {
		return nil, fmt.Errorf("users: get users: %w", err)
	}
	return hashstore.Decode(recs, fromRecord)
}

// List returns up to limit users created after position after (-1 for the first).
func (s *Store) List(ctx context.Context, after int64, limit int) ([]*User, error) {
	entries, err := hashstore.Page(ctx, s.rdb, s.keys.created(), s.keys.userPrefix(), after, limit)
	if err != nil {
		return nil, fmt.Errorf("users: list users: %w", err)
	}
	out := make([]*User, len(entries))
	for i, e := range entries {
		if out[i], err = fromRecord(e.Record); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func fromRecord(r hashstore.Record) (*User, error) {
	created, err := time.Parse(time.RFC3339Nano, r["createdAt"])
	if err != nil {
		return nil, fmt.Errorf("users: user %q: createdAt: %w", r["id"], err)
	}
	pos, err := strconv.ParseInt(r["pos"], 10, 64)
	if err != nil {
		return nil, fmt.Errorf("users: user %q: pos: %w", r["id"], err)
	}
	return &User{ID: r["id"], Name: r["name"], Email: r["email"], CreatedAt: created, Pos: pos}, nil
}
