// Package store keeps the products subgraph's data in Redis.
//
// Key layout (every key starts with the configured prefix and the hash tag {products},
// so on Redis Cluster all of them share one slot and each multi-key write stays one
// atomic script):
//
//	{products}:product:<id>     hash   id, name, description, priceMinor, currency,
//	                                   ownerId, createdAt (RFC 3339, UTC), pos
//	{products}:created          zset   id by pos: creation order, for cursor pagination
//	{products}:owner:<userId>   zset   id by pos: that user's products in creation order
//	{products}:pos              string counter that hands out pos
//
// A product's owner never changes, so the owner index it sits in is fixed at creation.
package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/fedgraph/fedgraph/subgraphs/hashstore"
	"github.com/fedgraph/fedgraph/subgraphs/relay"
)

// ErrNotFound reports a product that does not exist.
var ErrNotFound = errors.New("product not found")

// keys names every key of the store; it is the one place the layout above is spelled.
type keys struct{ prefix string }

func (k keys) product(id string) string   { return k.prefix + "{products}:product:" + id }
func (k keys) productPrefix() string      { return k.prefix + "{products}:product:" }
func (k keys) created() string            { return k.prefix + "{products}:created" }
func (k keys) owner(userID string) string { return k.prefix + "{products}:owner:" + userID }
func (k keys) pos() string                { return k.prefix + "{products}:pos" }

// Store reads and writes products.
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
local pos = redis.call('INCR', KEYS[4])
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'name', ARGV[2], 'description', ARGV[3], 'priceMinor', ARGV[4], 'currency', ARGV[5], 'ownerId', ARGV[6], 'createdAt', ARGV[7], 'pos', pos)
redis.call('ZADD', KEYS[2], pos, ARGV[1])
redis.call('ZADD', KEYS[3], pos, ARGV[1])
return pos
`)

// Create stores a new product with a fresh id. The caller has validated the fields and
// that the owner exists.
func (s *Store) Create(ctx context.Context, name, description string, price Money, ownerID string) (*Product, error) {
	p := &Product{
		ID: relay.NewID("Product"), Name: name, Description: description, Price: price,
		OwnerID: ownerID, CreatedAt: time.Now().UTC().Truncate(time.Millisecond),
	}
	pos, err := createScript.Run(ctx, s.rdb,
		[]string{s.keys.product(p.ID), s.keys.created(), s.keys.owner(ownerID), s.keys.pos()},
		p.ID, name, description, price.Minor, price.Currency, ownerID, p.CreatedAt.Format(time.RFC3339Nano)).Int64()
	if err != nil {
		return nil, fmt.Errorf("products: create product: %w", err)
	}
	p.Pos = pos
	return p, nil
}

// updateScript sets the field/value pairs in ARGV on an existing product and answers
// the whole product as it is afterwards, or an empty reply when there is none. No index
// depends on the fields it may change, so it touches one key.
var updateScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
if #ARGV > 0 then redis.call('HSET', KEYS[1], unpack(ARGV)) end
return redis.call('HGETALL', KEYS[1])
`)

// Update sets the non-nil fields of a product and returns it as stored afterwards. The
// caller has validated them.
func (s *Store) Update(ctx context.Context, id string, name, description *string, price *Money) (*Product, error) {
	var args []any
	if name != nil {
		args = append(args, "name", *name)
	}
	if description != nil {
		args = append(args, "description", *description)
	}
	if price != nil {
		args = append(args, "priceMinor", price.Minor, "currency", price.Currency)
	}
	res, err := updateScript.Run(ctx, s.rdb, []string{s.keys.product(id)}, args...).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("products: update product %q: %w", id, err)
	}
	if len(res) == 0 {
		return nil, ErrNotFound
	}
	rec := make(hashstore.Record, len(res)/2)
	for i := 0; i+1 < len(res); i += 2 {
		rec[res[i]] = res[i+1]
	}
	return fromRecord(rec)
}

// deleteScript removes a product whose owner is still ARGV[1]; it answers "stale" when
// the product changed since the caller read it, so the caller reads again.
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

// Get returns the product with id, or nil when there is none.
func (s *Store) Get(ctx context.Context, id string) (*Product, error) {
	ps, err := s.GetMany(ctx, []string{id})
	if err != nil {
		return nil, err
	}
	return ps[0], nil
}

// GetMany returns the products with the given ids in order, nil where there is none, in
// one round trip.
func (s *Store) GetMany(ctx context.Context, ids []string) ([]*Product, error) {
	ks := make([]string, len(ids))
	for i, id := range ids {
		ks[i] = s.keys.product(id)
	}
	recs, err := hashstore.GetAll(ctx, s.rdb, ks)
	if err != nil {
		return nil, fmt.Errorf("products: get products: %w", err)
	}
	return hashstore.Decode(recs, fromRecord)
}

// List returns up to limit products created after position after (-1 for the first),
// in one round trip.
func (s *Store) List(ctx context.Context, after int64, limit int) ([]*Product, error) {
	return s.page(ctx, s.keys.created(), after, limit)
}

// ListByOwner returns up to limit of ownerID's products created after position after
// (-1 for the first), in one round trip.
func (s *Store) ListByOwner(ctx context.Context, ownerID string, after int64, limit int) ([]*Product, error) {
	return s.page(ctx, s.keys.owner(ownerID), after, limit)
}

func (s *Store) page(ctx context.Context, index string, after int64, limit int) ([]*Product, error) {
	entries, err := hashstore.Page(ctx, s.rdb, index, s.keys.productPrefix(), after, limit)
	if err != nil {
		return nil, fmt.Errorf("products: list products: %w", err)
	}
	out := make([]*Product, len(entries))
	for i, e := range entries {
		if out[i], err = fromRecord(e.Record); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// OwnerPage asks for up to Limit of OwnerID's products created after position After
// (-1 for the first).
type OwnerPage struct {
	OwnerID string
	After   int64
	Limit   int
}

// pageManyScript is hashstore's page script over several indexes at once: KEYS are the
// indexes, ARGV[1] the record key prefix, then a position and a limit per index. It
// answers one page per index, each a list of {field, value, …} records. As in
// hashstore, the record keys share the indexes' hash tag, so they live in their slot.
var pageManyScript = redis.NewScript(`
local out = {}
for k = 1, #KEYS do
  local members = redis.call('ZRANGEBYSCORE', KEYS[k], '(' .. ARGV[2 * k], '+inf', 'LIMIT', 0, tonumber(ARGV[2 * k + 1]))
  local page = {}
  for i = 1, #members do
    local rec = redis.call('HGETALL', ARGV[1] .. members[i])
    if #rec > 0 then page[#page + 1] = rec end
  end
  out[k] = page
end
return out
`)

// ListByOwners answers several ListByOwner calls in one round trip: the products of
// several users in a request, such as a gateway's batch of User.products fields.
func (s *Store) ListByOwners(ctx context.Context, pages []OwnerPage) ([][]*Product, error) {
	if len(pages) == 0 {
		return nil, nil
	}
	ks := make([]string, len(pages))
	args := make([]any, 0, 1+2*len(pages))
	args = append(args, s.keys.productPrefix())
	for i, p := range pages {
		ks[i] = s.keys.owner(p.OwnerID)
		args = append(args, p.After, p.Limit)
	}
	res, err := pageManyScript.Run(ctx, s.rdb, ks, args...).Slice()
	if err != nil {
		return nil, fmt.Errorf("products: list products of %d owners: %w", len(pages), err)
	}
	if len(res) != len(pages) {
		return nil, fmt.Errorf("products: list products of %d owners: %d pages in reply", len(pages), len(res))
	}
	out := make([][]*Product, len(pages))
	for i, page := range res {
		recs, ok := page.([]any)
		if !ok {
			return nil, fmt.Errorf("products: list products of %d owners: unexpected reply %T", len(pages), page)
		}
		out[i] = make([]*Product, 0, len(recs))
		for _, r := range recs {
			fields, ok := r.([]any)
			if !ok || len(fields)%2 != 0 {
				return nil, fmt.Errorf("products: list products of %d owners: unexpected reply %T", len(pages), r)
			}
			rec := make(hashstore.Record, len(fields)/2)
			for j := 0; j+1 < len(fields); j += 2 {
				rec[fmt.Sprint(fields[j])] = fmt.Sprint(fields[j+1])
			}
			p, err := fromRecord(rec)
			if err != nil {
				return nil, err
			}
			out[i] = append(out[i], p)
		}
	}
	return out, nil
}

func fromRecord(r hashstore.Record) (*Product, error) {
	created, err := time.Parse(time.RFC3339Nano, r["createdAt"])
	if err != nil {
		return nil, fmt.Errorf("products: product %q: createdAt: %w", r["id"], err)
	}
	pos, err := strconv.ParseInt(r["pos"], 10, 64)
	if err != nil {
		return nil, fmt.Errorf("products: product %q: pos: %w", r["id"], err)
	}
	minor, err := strconv.ParseInt(r["priceMinor"], 10, 64)
	if err != nil {
		return nil, fmt.Errorf("products: product %q: priceMinor: %w", r["id"], err)
	}
	return &Product{
		ID: r["id"], Name: r["name"], Description: r["description"],
		Price:   Money{Minor: minor, Currency: r["currency"]},
		OwnerID: r["ownerId"], CreatedAt: created, Pos: pos,
	}, nil
}
