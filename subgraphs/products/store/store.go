// Package store keeps the products subgraph's data in Redis.
//
// Key layout (every key starts with the configured prefix and the hash tag {products},
// so on Redis Cluster all of them share one slot and each multi-key write stays one
// atomic script):
//
//	{products}:product:<id>       hash   id, name, description, priceMinor, currency,
//	                                     ownerId, createdAt (RFC 3339, UTC), pos, version
//	{products}:created            zset   id by pos: creation order, for cursor pagination
//	{products}:owner:<userId>     zset   id by pos: that user's products in creation order
//	{products}:pos                string counter that hands out pos
//	{products}:idem:<key>         hash   input (hash of the create's input), id; expires
//	                                     after the idempotency TTL (see Idempotency)
//	{products}:tombstone:<userId> string when that user's deletion was handled; expires
//	                                     after the tombstone TTL (see DeleteOwner)
//	{products}:events:dead        stream user events that failed every delivery (see
//	                                     DeadLetter), trimmed to about DeadLettersMaxLen
//
// A product's owner never changes, so the owner index it sits in is fixed at creation.
// version is 1 when a product is created and grows by one with every update; a product
// stored before versions existed has none, which reads as 1.
//
// Why one hash tag for the whole service: the finest split that keeps a create atomic
// would be a tag per owner ({products:owner:<userId>} for the product hashes and that
// owner's index, since a product's owner never changes), but a create also adds to the
// global creation index, takes a pos from the shared counter and checks the owner's
// tombstone, and DeleteOwner removes an owner's products from that global index in the
// same script. Across slots those become two steps, with a window in which a product
// exists but is not listed, or is listed but gone, and a deleted owner's product can slip
// past the tombstone. The tag keeps each write one atomic script; a cluster still gives
// failover (README.md, "Redis Cluster"). If one node ever cannot hold the products, the
// split is per owner with the global index given up for per-shard indexes merged on
// read; nothing at this data's size asks for that.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fedgraph/fedgraph/subgraphs/hashstore"
	"github.com/fedgraph/fedgraph/subgraphs/relay"
)

// ErrNotFound reports a product that does not exist.
var ErrNotFound = errors.New("product not found")

// ErrConflict reports an update whose expected version is not the product's.
var ErrConflict = errors.New("product changed: version mismatch")

// ErrOwnerDeleted reports a create for an owner whose deletion was handled (a
// tombstone): the users subgraph said the owner existed, but it no longer does.
var ErrOwnerDeleted = errors.New("owner has been deleted")

// ErrKeyReused reports an idempotency key used before with other input.
var ErrKeyReused = errors.New("idempotency key used with other input")

// ErrReplayGone reports an idempotency key whose create made a product that has since
// been deleted.
var ErrReplayGone = errors.New("the product created with this idempotency key no longer exists")

// DeadLettersMaxLen bounds the dead-letter stream, approximately (MAXLEN ~).
const DeadLettersMaxLen = 10_000

// Idempotency makes a Create safe to retry: a Create with the Key of an earlier one and
// the same Input answers the product that one made, with another Input ErrKeyReused.
// The key is recorded in the script that creates the product, so concurrent Creates
// with one key make one product.
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

func (k keys) product(id string) string       { return k.prefix + "{products}:product:" + id }
func (k keys) productPrefix() string          { return k.prefix + "{products}:product:" }
func (k keys) created() string                { return k.prefix + "{products}:created" }
func (k keys) owner(userID string) string     { return k.prefix + "{products}:owner:" + userID }
func (k keys) pos() string                    { return k.prefix + "{products}:pos" }
func (k keys) idem(key string) string         { return k.prefix + "{products}:idem:" + key }
func (k keys) tombstone(userID string) string { return k.prefix + "{products}:tombstone:" + userID }
func (k keys) deadLetters() string            { return k.prefix + "{products}:events:dead" }

// createdChannel is the pub/sub channel each new product's id is published on.
func (k keys) createdChannel() string { return k.prefix + "{products}:created:events" }

// Store reads and writes products.
type Store struct {
	rdb    redis.UniversalClient
	keys   keys
	fields *hashstore.Fields
	log    *slog.Logger // what fails without failing the call (announcing a new product)
	buffer int          // each subscriber's, in products (feed.go)
	feed   feed
}

// Option changes what New builds.
type Option func(*Store)

// WithLogger logs to l what fails without failing a call; by default nothing is logged.
func WithLogger(l *slog.Logger) Option { return func(s *Store) { s.log = l } }

// Fields are the fields of a product's hash that the store reads (fromRecord): all of
// them.
func Fields() *hashstore.Fields {
	return hashstore.NewFields("id", "name", "description", "priceMinor", "currency", "ownerId", "createdAt", "pos", "version")
}

// New returns a Store on rdb whose keys all start with prefix.
func New(rdb redis.UniversalClient, prefix string, opts ...Option) *Store {
	s := &Store{rdb: rdb, keys: keys{prefix: prefix}, fields: Fields(), log: slog.New(slog.DiscardHandler), buffer: DefaultSubscriberBuffer}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Ping reports whether Redis answers.
func (s *Store) Ping(ctx context.Context) error { return s.rdb.Ping(ctx).Err() }

// createScript stores a product unless its owner has a tombstone (KEYS[5]); with an
// idempotency key (KEYS[6]) it first answers an earlier create's product, or refuses
// other input, and records the key with the product.
//
//nolint:gochecknoglobals // a Script is immutable, its SHA computed once for every store
var createScript = redis.NewScript(`
if KEYS[6] then
  local prev = redis.call('HMGET', KEYS[6], 'input', 'id')
  if prev[1] then
    if prev[1] ~= ARGV[9] then return {'reused'} end
    return {'replay', redis.call('HGETALL', ARGV[8] .. prev[2])}
  end
end
if redis.call('EXISTS', KEYS[5]) == 1 then return {'tombstone'} end
local pos = redis.call('INCR', KEYS[4])
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'name', ARGV[2], 'description', ARGV[3], 'priceMinor', ARGV[4], 'currency', ARGV[5], 'ownerId', ARGV[6], 'createdAt', ARGV[7], 'pos', pos, 'version', 1)
redis.call('ZADD', KEYS[2], pos, ARGV[1])
redis.call('ZADD', KEYS[3], pos, ARGV[1])
if KEYS[6] then
  redis.call('HSET', KEYS[6], 'input', ARGV[9], 'id', ARGV[1])
  redis.call('PEXPIRE', KEYS[6], ARGV[10])
end
return {'created', pos}
`)

// Create stores a new product with a fresh id. The caller has validated the fields and
// that the owner exists; an owner whose deletion has been handled since is
// ErrOwnerDeleted, checked in the script that writes the product, so a product is
// either refused or deleted with its owner (DeleteOwner). With idem, a repeated key
// answers the product its first Create made, as it is now.
func (s *Store) Create(ctx context.Context, name, description string, price Money, ownerID string, idem *Idempotency) (*Product, error) {
	p := &Product{
		ID: relay.NewID("Product"), Name: name, Description: description, Price: price,
		OwnerID: ownerID, CreatedAt: time.Now().UTC().Truncate(time.Millisecond), Version: 1,
	}
	ks := []string{s.keys.product(p.ID), s.keys.created(), s.keys.owner(ownerID), s.keys.pos(), s.keys.tombstone(ownerID)}
	args := []any{p.ID, name, description, price.Minor, price.Currency, ownerID, p.CreatedAt.Format(time.RFC3339Nano), s.keys.productPrefix()}
	if idem != nil {
		ks = append(ks, s.keys.idem(idem.Key))
		args = append(args, idem.Input, idem.TTL.Milliseconds())
	}
	res, err := createScript.Run(ctx, s.rdb, ks, args...).Slice()
	if err != nil {
		return nil, fmt.Errorf("products: create product: %w", err)
	}
	c, err := hashstore.DecodeCreated(s.fields, res)
	if err != nil {
		return nil, fmt.Errorf("products: create product: %w", err)
	}
	switch c.Outcome {
	case "created":
		p.Pos = c.Pos
		// The announcement is at most once, as Redis pub/sub is: a subscriber that is
		// not connected at this moment never hears of the product, and a failure here
		// does not undo the create, which is stored.
		if err := s.publish(ctx, s.keys.createdChannel(), p.ID); err != nil {
			s.log.WarnContext(ctx, "products: announce a new product", "id", p.ID, "err", err)
		}
		return p, nil
	case "tombstone":
		return nil, ErrOwnerDeleted
	case "reused":
		return nil, ErrKeyReused
	case "replay":
		if !c.Record.Exists() {
			return nil, ErrReplayGone
		}
		return fromRecord(c.Record)
	}
	return nil, fmt.Errorf("products: create product: unexpected outcome %q", c.Outcome)
}

// updateScript sets the field/value pairs in ARGV[2:] on an existing product, if it is
// at version ARGV[1] when that is given, and raises its version; it answers the whole
// product as it is afterwards. No index depends on the fields it may change, so it
// touches one key.
//
//nolint:gochecknoglobals // a Script is immutable, its SHA computed once for every store
var updateScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {'missing'} end
local v = tonumber(redis.call('HGET', KEYS[1], 'version')) or 1
if ARGV[1] ~= '' and tonumber(ARGV[1]) ~= v then return {'conflict', v} end
if #ARGV > 1 then redis.call('HSET', KEYS[1], unpack(ARGV, 2)) end
redis.call('HSET', KEYS[1], 'version', v + 1)
return {'ok', redis.call('HGETALL', KEYS[1])}
`)

// Update sets the non-nil fields of a product and returns it as stored afterwards. The
// caller has validated them. With expected, the update is made only if the product is
// at that version (ErrConflict otherwise), checked in the script that writes it.
func (s *Store) Update(ctx context.Context, id string, name, description *string, price *Money, expected *int64) (*Product, error) {
	want := ""
	if expected != nil {
		want = strconv.FormatInt(*expected, 10)
	}
	args := []any{want}
	if name != nil {
		args = append(args, "name", *name)
	}
	if description != nil {
		args = append(args, "description", *description)
	}
	if price != nil {
		args = append(args, "priceMinor", price.Minor, "currency", price.Currency)
	}
	res, err := updateScript.Run(ctx, s.rdb, []string{s.keys.product(id)}, args...).Slice()
	if err != nil {
		return nil, fmt.Errorf("products: update product %q: %w", id, err)
	}
	switch outcome, _ := res[0].(string); {
	case outcome == "missing":
		return nil, ErrNotFound
	case outcome == "conflict":
		return nil, ErrConflict
	case outcome == "ok" && len(res) == 2:
		rec, err := hashstore.Pairs(s.fields, res[1])
		if err != nil || !rec.Exists() {
			return nil, fmt.Errorf("products: update product %q: unexpected reply %v", id, res)
		}
		return fromRecord(rec)
	}
	return nil, fmt.Errorf("products: update product %q: unexpected reply %v", id, res)
}

// deleteScript removes a product whose owner is still ARGV[1]; it answers "stale" when
// the product changed since the caller read it, so the caller reads again.
//
//nolint:gochecknoglobals // a Script is immutable, its SHA computed once for every store
var deleteScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 'missing' end
if redis.call('HGET', KEYS[1], 'ownerId') ~= ARGV[1] then return 'stale' end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('ZREM', KEYS[3], ARGV[2])
return 'ok'
`)

// Delete removes a product and its places in both indexes, all at once. The owner index
// to clean is named by the stored product, so Delete reads it first and the script
// checks that it still holds.
func (s *Store) Delete(ctx context.Context, id string) error {
	for attempt := 0; attempt < 5; attempt++ {
		p, err := s.Get(ctx, id)
		if err != nil {
			return err
		}
		if p == nil {
			return ErrNotFound
		}
		res, err := deleteScript.Run(ctx, s.rdb,
			[]string{s.keys.product(id), s.keys.created(), s.keys.owner(p.OwnerID)}, p.OwnerID, id).Text()
		if err != nil {
			return fmt.Errorf("products: delete product %q: %w", id, err)
		}
		switch res {
		case "ok":
			return nil
		case "missing":
			return ErrNotFound
		}
	}
	return fmt.Errorf("products: delete product %q: changed concurrently too often", id)
}

// deleteOwnerScript deletes every product in the owner index KEYS[1], their places in
// the creation index KEYS[2] and the owner index itself, and sets the owner's
// tombstone KEYS[3] to ARGV[2] for ARGV[3] milliseconds; ARGV[1] .. id is a product's
// key, in the indexes' slot as in hashstore. It answers how many products it deleted.
//
//nolint:gochecknoglobals // a Script is immutable, its SHA computed once for every store
var deleteOwnerScript = redis.NewScript(`
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
for _, id in ipairs(ids) do
  redis.call('DEL', ARGV[1] .. id)
  redis.call('ZREM', KEYS[2], id)
end
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[3])
return #ids
`)

// DeleteOwner deletes every product of ownerID and their index entries, and leaves a
// tombstone for ownerID for tombstoneTTL, all in one script: a Create that runs after
// it is refused (ErrOwnerDeleted), and one that ran before is deleted by it. The
// tombstone only has to outlive the creates that asked the users subgraph about the
// owner before its deletion, which are bounded by the request timeout; its TTL is long
// so that this holds with a wide margin. Running it again changes nothing but the
// tombstone's time, which makes the handler of user.deleted idempotent.
func (s *Store) DeleteOwner(ctx context.Context, ownerID string, deletedAt time.Time, tombstoneTTL time.Duration) (int, error) {
	n, err := deleteOwnerScript.Run(ctx, s.rdb,
		[]string{s.keys.owner(ownerID), s.keys.created(), s.keys.tombstone(ownerID)},
		s.keys.productPrefix(), deletedAt.UTC().Format(time.RFC3339Nano), tombstoneTTL.Milliseconds()).Int()
	if err != nil {
		return 0, fmt.Errorf("products: delete products of %q: %w", ownerID, err)
	}
	return n, nil
}

// DeadEvent is an event of another service that its handler failed on every delivery.
type DeadEvent struct {
	// Stream and ID say where the event was.
	Stream, ID string
	// Values are the event's fields.
	Values map[string]any
	// Deliveries is how many times it was handled.
	Deliveries int64
	// Err is the last handler's error.
	Err error
	// At is when it was given up.
	At time.Time
}

// DeadLetter appends e to the dead-letter stream, for an operator: its fields as JSON,
// where it came from, and why it failed.
func (s *Store) DeadLetter(ctx context.Context, e DeadEvent) error {
	values, err := json.Marshal(e.Values)
	if err != nil {
		return fmt.Errorf("products: dead-letter %s: %w", e.ID, err)
	}
	err = s.rdb.XAdd(ctx, &redis.XAddArgs{
		Stream: s.keys.deadLetters(), MaxLen: DeadLettersMaxLen, Approx: true,
		Values: []any{"stream", e.Stream, "id", e.ID, "values", string(values),
			"deliveries", e.Deliveries, "error", fmt.Sprint(e.Err), "at", e.At.UTC().Format(time.RFC3339Nano)},
	}).Err()
	if err != nil {
		return fmt.Errorf("products: dead-letter %s: %w", e.ID, err)
	}
	return nil
}

// DeadLettersKey is the key of the dead-letter stream, for tests and operators.
func (s *Store) DeadLettersKey() string { return s.keys.deadLetters() }

// Get returns the product with id, or nil when there is none.
func (s *Store) Get(ctx context.Context, id string) (*Product, error) {
	ps, err := s.GetMany(ctx, []string{id})
	if err != nil {
		return nil, err
	}
	return ps[0], nil
}

// On Redis Cluster the channel is a sharded one (SPUBLISH, SSUBSCRIBE; Redis 7): it lives
// on the shard of its slot, so every replica publishes to and reads from the same node,
// and a subscriber gets the products in the order they were announced. A plain channel
// is broadcast over the cluster bus, and a message published through another node can
// arrive after a later one.
func (s *Store) publish(ctx context.Context, channel, msg string) error {
	if _, ok := s.rdb.(*redis.ClusterClient); ok {
		return s.rdb.SPublish(ctx, channel, msg).Err()
	}
	return s.rdb.Publish(ctx, channel, msg).Err()
}

func (s *Store) subscribe(ctx context.Context, channel string) *redis.PubSub {
	if _, ok := s.rdb.(*redis.ClusterClient); ok {
		return s.rdb.SSubscribe(ctx, channel)
	}
	return s.rdb.Subscribe(ctx, channel)
}

// GetMany returns the products with the given ids in order, nil where there is none, in
// one round trip.
func (s *Store) GetMany(ctx context.Context, ids []string) ([]*Product, error) {
	ks := make([]string, len(ids))
	for i, id := range ids {
		ks[i] = s.keys.product(id)
	}
	recs, err := hashstore.GetAll(ctx, s.rdb, s.fields, ks)
	if err != nil {
		return nil, fmt.Errorf("products: get products: %w", err)
	}
	return hashstore.Decode(recs, fromRecord)
}

// List returns up to limit products created after position after (-1 for the first),
// in two round trips.
func (s *Store) List(ctx context.Context, after int64, limit int) ([]*Product, error) {
	return s.page(ctx, s.keys.created(), after, limit)
}

// ListByOwner returns up to limit of ownerID's products created after position after
// (-1 for the first), in two round trips.
func (s *Store) ListByOwner(ctx context.Context, ownerID string, after int64, limit int) ([]*Product, error) {
	return s.page(ctx, s.keys.owner(ownerID), after, limit)
}

func (s *Store) page(ctx context.Context, index string, after int64, limit int) ([]*Product, error) {
	entries, err := hashstore.Page(ctx, s.rdb, s.fields, index, s.keys.productPrefix(), after, limit)
	if err != nil {
		return nil, fmt.Errorf("products: list products: %w", err)
	}
	return hashstore.DecodeEntries(entries, fromRecord)
}

// OwnerPage asks for up to Limit of OwnerID's products created after position After
// (-1 for the first).
type OwnerPage struct {
	OwnerID string
	After   int64
	Limit   int
}

// ListByOwners answers several ListByOwner calls in two round trips, however many
// owners: the products of several users in a request, such as a gateway's batch of
// User.products fields.
func (s *Store) ListByOwners(ctx context.Context, pages []OwnerPage) ([][]*Product, error) {
	if len(pages) == 0 {
		return nil, nil
	}
	qs := make([]hashstore.PageQuery, len(pages))
	for i, p := range pages {
		qs[i] = hashstore.PageQuery{Index: s.keys.owner(p.OwnerID), After: p.After, Limit: p.Limit}
	}
	res, err := hashstore.Pages(ctx, s.rdb, s.fields, s.keys.productPrefix(), qs)
	if err != nil {
		return nil, fmt.Errorf("products: list products of %d owners: %w", len(pages), err)
	}
	out := make([][]*Product, len(pages))
	for i, entries := range res {
		if out[i], err = hashstore.DecodeEntries(entries, fromRecord); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func fromRecord(h hashstore.Record) (*Product, error) {
	r := h.Get
	created, err := time.Parse(time.RFC3339Nano, r("createdAt"))
	if err != nil {
		return nil, fmt.Errorf("products: product %q: createdAt: %w", r("id"), err)
	}
	pos, err := strconv.ParseInt(r("pos"), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("products: product %q: pos: %w", r("id"), err)
	}
	minor, err := strconv.ParseInt(r("priceMinor"), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("products: product %q: priceMinor: %w", r("id"), err)
	}
	version, err := hashstore.Version(h)
	if err != nil {
		return nil, fmt.Errorf("products: product %q: %w", r("id"), err)
	}
	return &Product{
		ID: r("id"), Name: r("name"), Description: r("description"),
		Price:   Money{Minor: minor, Currency: r("currency")},
		OwnerID: r("ownerId"), CreatedAt: created, Pos: pos, Version: version,
	}, nil
}
