// Package store keeps the users subgraph's data in Redis.
//
// Key layout (every key starts with the configured prefix and the hash tag {users}, so on
// Redis Cluster all of them share one slot and each multi-key write stays one atomic
// script):
//
//	{users}:user:<id>        hash   id, name, email, emailKey, createdAt, pos, version
//	{users}:email:<email>    string the id of the user with that email, lower-cased
//	{users}:created          zset   id by pos: creation order, for cursor pagination
//	{users}:pos              string counter that hands out pos
//	{users}:idem:<key>       hash   input (hash of the create's input), id; expires
//	                                after the idempotency TTL (see Idempotency)
//	{users}:events           stream what happened to users, for other services
//	                                (subgraphs/events): a user.deleted entry per deleted
//	                                user, trimmed to about the events bound (MAXLEN ~)
//
// version is 1 when a user is created and grows by one with every update; a user
// stored before versions existed has none, which reads as 1.
//
// Why one hash tag for the whole service, not one per user: a create writes the user's
// hash, the email claim, the creation index, the counter and the idempotency key in one
// script; a delete removes the hash, the claim and the index entry and appends the
// event, in one script. A script may only touch keys of one slot. With a tag per user
// ({users:<id>}) the hash and its claim could move together, but the creation index
// and the event stream are shared by every user, so each write would become two steps
// with a window in which a user exists but is not listed (or is listed but gone), and an
// email claimed by nobody when a step fails. The tag keeps every write atomic; a cluster
// still gives the service failover (README.md, "Redis Cluster"). The price is that one
// node holds all of a service's users, which is far from a limit at this data's size.
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

// ErrConflict reports an update whose expected version is not the user's.
var ErrConflict = errors.New("user changed: version mismatch")

// ErrKeyReused reports an idempotency key used before with other input.
var ErrKeyReused = errors.New("idempotency key used with other input")

// ErrReplayGone reports an idempotency key whose create made a user that has since
// been deleted.
var ErrReplayGone = errors.New("the user created with this idempotency key no longer exists")

// User is a stored user. Pos is its position in creation order.
type User struct {
	ID        string
	Name      string
	Email     string
	CreatedAt time.Time
	Pos       int64
	Version   int64
}

// Idempotency makes a Create safe to retry: a Create with the Key of an earlier one and
// the same Input answers the user that one made, with another Input ErrKeyReused. The
// key is recorded in the script that creates the user, so concurrent Creates with one
// key make one user.
type Idempotency struct {
	// Key names the create: a short string safe in a Redis key (a hex hash).
	Key string
	// Input is the canonical hash of the create's input.
	Input string
	// TTL is how long the key is kept.
	TTL time.Duration
}

// keys names every key of the store; it is the one place the layout above is spelled.
type keys struct{ prefix string }

func (k keys) user(id string) string        { return k.prefix + "{users}:user:" + id }
func (k keys) userPrefix() string           { return k.prefix + "{users}:user:" }
func (k keys) email(emailKey string) string { return k.prefix + "{users}:email:" + emailKey }
func (k keys) created() string              { return k.prefix + "{users}:created" }
func (k keys) pos() string                  { return k.prefix + "{users}:pos" }
func (k keys) idem(key string) string       { return k.prefix + "{users}:idem:" + key }
func (k keys) events() string               { return k.prefix + "{users}:events" }

// EmailKey is the form of an email that uniqueness is checked on.
func EmailKey(email string) string { return strings.ToLower(email) }

// Store reads and writes users.
type Store struct {
	rdb          redis.UniversalClient
	keys         keys
	fields       *hashstore.Fields
	eventsMaxLen int64
}

// Fields are the fields of a user's hash that the store reads (fromRecord): every field
// but emailKey, the email's claim.
func Fields() *hashstore.Fields {
	return hashstore.NewFields("id", "name", "email", "createdAt", "pos", "version")
}

// New returns a Store on rdb whose keys all start with prefix. eventsMaxLen bounds the
// events stream, approximately (Redis trims whole nodes of it: MAXLEN ~).
func New(rdb redis.UniversalClient, prefix string, eventsMaxLen int64) *Store {
	return &Store{rdb: rdb, keys: keys{prefix: prefix}, fields: Fields(), eventsMaxLen: eventsMaxLen}
}

// Ping reports whether Redis answers.
func (s *Store) Ping(ctx context.Context) error { return s.rdb.Ping(ctx).Err() }

// EventsKey is the key of the events stream, for tests and operators.
func (s *Store) EventsKey() string { return s.keys.events() }

// createScript claims the email and stores the user; with an idempotency key
// (KEYS[5]) it first answers an earlier create's user, or refuses other input, and
// records the key with the user.
//
//nolint:gochecknoglobals // a Script is immutable, its SHA computed once for every store
var createScript = redis.NewScript(`
if KEYS[5] then
  local prev = redis.call('HMGET', KEYS[5], 'input', 'id')
  if prev[1] then
    if prev[1] ~= ARGV[7] then return {'reused'} end
    return {'replay', redis.call('HGETALL', ARGV[6] .. prev[2])}
  end
end
if redis.call('SET', KEYS[2], ARGV[1], 'NX') == false then return {'taken'} end
local pos = redis.call('INCR', KEYS[4])
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'name', ARGV[2], 'email', ARGV[3], 'emailKey', ARGV[4], 'createdAt', ARGV[5], 'pos', pos, 'version', 1)
redis.call('ZADD', KEYS[3], pos, ARGV[1])
if KEYS[5] then
  redis.call('HSET', KEYS[5], 'input', ARGV[7], 'id', ARGV[1])
  redis.call('PEXPIRE', KEYS[5], ARGV[8])
end
return {'created', pos}
`)

// Create stores a new user with a fresh id. The caller has validated name and email.
// With idem, a repeated key answers the user its first Create made, as it is now.
func (s *Store) Create(ctx context.Context, name, email string, idem *Idempotency) (*User, error) {
	u := &User{ID: relay.NewID("User"), Name: name, Email: email, CreatedAt: time.Now().UTC().Truncate(time.Millisecond), Version: 1}
	ek := EmailKey(email)
	ks := []string{s.keys.user(u.ID), s.keys.email(ek), s.keys.created(), s.keys.pos()}
	args := []any{u.ID, name, email, ek, u.CreatedAt.Format(time.RFC3339Nano), s.keys.userPrefix()}
	if idem != nil {
		ks = append(ks, s.keys.idem(idem.Key))
		args = append(args, idem.Input, idem.TTL.Milliseconds())
	}
	res, err := createScript.Run(ctx, s.rdb, ks, args...).Slice()
	if err != nil {
		return nil, fmt.Errorf("users: create user: %w", err)
	}
	c, err := hashstore.DecodeCreated(s.fields, res)
	if err != nil {
		return nil, fmt.Errorf("users: create user: %w", err)
	}
	switch c.Outcome {
	case "created":
		u.Pos = c.Pos
		return u, nil
	case "taken":
		return nil, ErrEmailTaken
	case "reused":
		return nil, ErrKeyReused
	case "replay":
		if !c.Record.Exists() {
			return nil, ErrReplayGone
		}
		return fromRecord(c.Record)
	}
	return nil, fmt.Errorf("users: create user: unexpected outcome %q", c.Outcome)
}

// updateScript changes a user still at version ARGV[1], the one the caller read: it
// answers "stale" when the user changed since, so the caller reads again, and
// "conflict" when the caller's client expected another version (ARGV[2]).
//
//nolint:gochecknoglobals // a Script is immutable, its SHA computed once for every store
var updateScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {'missing'} end
local v = tonumber(redis.call('HGET', KEYS[1], 'version')) or 1
if ARGV[2] ~= '' and tonumber(ARGV[2]) ~= v then return {'conflict', v} end
if v ~= tonumber(ARGV[1]) then return {'stale'} end
if ARGV[5] == '1' and KEYS[2] ~= KEYS[3] then
  if redis.call('SET', KEYS[3], ARGV[8], 'NX') == false then return {'taken'} end
  redis.call('DEL', KEYS[2])
end
if ARGV[3] == '1' then redis.call('HSET', KEYS[1], 'name', ARGV[4]) end
if ARGV[5] == '1' then redis.call('HSET', KEYS[1], 'email', ARGV[6], 'emailKey', ARGV[7]) end
redis.call('HSET', KEYS[1], 'version', v + 1)
return {'ok', v + 1}
`)

// Update sets the non-nil fields of a user, only those, and answers it as stored. The
// caller has validated them. With expected, the update is made only if the user is at
// that version (ErrConflict otherwise), checked in the script that writes it.
func (s *Store) Update(ctx context.Context, id string, name, email *string, expected *int64) (*User, error) {
	for attempt := 0; attempt < 5; attempt++ {
		u, err := s.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		if u == nil {
			return nil, ErrNotFound
		}
		if expected != nil && *expected != u.Version {
			return nil, ErrConflict
		}
		oldKey := EmailKey(u.Email)
		setName, setEmail := "0", "0"
		if name != nil {
			u.Name, setName = *name, "1"
		}
		if email != nil {
			u.Email, setEmail = *email, "1"
		}
		want := ""
		if expected != nil {
			want = strconv.FormatInt(*expected, 10)
		}
		newKey := EmailKey(u.Email)
		res, err := updateScript.Run(ctx, s.rdb,
			[]string{s.keys.user(id), s.keys.email(oldKey), s.keys.email(newKey)},
			u.Version, want, setName, u.Name, setEmail, u.Email, newKey, id).Slice()
		if err != nil {
			return nil, fmt.Errorf("users: update user %q: %w", id, err)
		}
		switch outcome, _ := res[0].(string); outcome {
		case "ok":
			u.Version++
			return u, nil
		case "missing":
			return nil, ErrNotFound
		case "taken":
			return nil, ErrEmailTaken
		case "conflict":
			return nil, ErrConflict
		case "stale":
			continue
		default:
			return nil, fmt.Errorf("users: update user %q: unexpected reply %v", id, res)
		}
	}
	return nil, fmt.Errorf("users: update user %q: changed concurrently too often", id)
}

// deleteScript removes a user still at version ARGV[1], its email claim and its place
// in the index, and appends the event (ARGV[4] on, field/value pairs) to the events
// stream, trimmed to about ARGV[3] entries: the deletion and its event are one write.
//
//nolint:gochecknoglobals // a Script is immutable, its SHA computed once for every store
var deleteScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 'missing' end
local v = tonumber(redis.call('HGET', KEYS[1], 'version')) or 1
if v ~= tonumber(ARGV[1]) then return 'stale' end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[2])
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[3], '*', unpack(ARGV, 4))
return 'ok'
`)

// Delete removes a user, its email claim and its place in the index, and appends event
// (field/value pairs, such as events.UserDeleted's) to the events stream, all at once.
func (s *Store) Delete(ctx context.Context, id string, event []any) error {
	if len(event) == 0 || len(event)%2 != 0 {
		return fmt.Errorf("users: delete user %q: event has %d values, want field/value pairs", id, len(event))
	}
	for attempt := 0; attempt < 5; attempt++ {
		u, err := s.Get(ctx, id)
		if err != nil {
			return err
		}
		if u == nil {
			return ErrNotFound
		}
		args := append([]any{u.Version, id, s.eventsMaxLen}, event...)
		res, err := deleteScript.Run(ctx, s.rdb,
			[]string{s.keys.user(id), s.keys.email(EmailKey(u.Email)), s.keys.created(), s.keys.events()}, args...).Text()
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
	recs, err := hashstore.GetAll(ctx, s.rdb, s.fields, ks)
	if err != nil {
		return nil, fmt.Errorf("users: get users: %w", err)
	}
	return hashstore.Decode(recs, fromRecord)
}

// List returns up to limit users created after position after (-1 for the first).
func (s *Store) List(ctx context.Context, after int64, limit int) ([]*User, error) {
	entries, err := hashstore.Page(ctx, s.rdb, s.fields, s.keys.created(), s.keys.userPrefix(), after, limit)
	if err != nil {
		return nil, fmt.Errorf("users: list users: %w", err)
	}
	return hashstore.DecodeEntries(entries, fromRecord)
}

func fromRecord(h hashstore.Record) (*User, error) {
	r := h.Get
	created, err := time.Parse(time.RFC3339Nano, r("createdAt"))
	if err != nil {
		return nil, fmt.Errorf("users: user %q: createdAt: %w", r("id"), err)
	}
	pos, err := strconv.ParseInt(r("pos"), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("users: user %q: pos: %w", r("id"), err)
	}
	version, err := hashstore.Version(h)
	if err != nil {
		return nil, fmt.Errorf("users: user %q: %w", r("id"), err)
	}
	return &User{ID: r("id"), Name: r("name"), Email: r("email"), CreatedAt: created, Pos: pos, Version: version}, nil
}
