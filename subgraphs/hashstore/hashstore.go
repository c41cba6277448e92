// Package hashstore reads the records both subgraphs keep in Redis: each record a hash,
// each list of records a sorted set whose scores are creation positions. Both reads take
// one round trip whatever the number of records.
package hashstore

import (
	"context"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// Record is one hash's fields.
type Record map[string]string

// Lookup returns the value of field and whether the hash has it.
func (r Record) Lookup(field string) (string, bool) {
	v, ok := r[field]
	return v, ok
}

// Fields is one hash's fields as a script answers them: field, value, field, value…
// Finding a field scans them, which for a record of ten fields costs less than making
// the map of a Record: on a page of 100 records the maps were a tenth of what the
// products subgraph spent decoding a page.
type Fields []any

// Lookup returns the value of field and whether the hash has it.
func (f Fields) Lookup(field string) (string, bool) {
	for i := 0; i+1 < len(f); i += 2 {
		if k, _ := f[i].(string); k == field {
			return Text(f[i+1]), true
		}
	}
	return "", false
}

// Hash is one hash's fields, as a Record or as Fields.
type Hash interface {
	Lookup(field string) (string, bool)
}

// Get returns the value of field in h, "" when h has none.
func Get[H Hash](h H, field string) string {
	v, _ := h.Lookup(field)
	return v
}

// GetAll returns the hash at each key, in order; a missing hash is a nil Record. All keys
// travel in one pipeline.
func GetAll(ctx context.Context, rdb redis.UniversalClient, keys []string) ([]Record, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	cmds := make([]*redis.MapStringStringCmd, len(keys))
	_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.HGetAll(ctx, k)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("hashstore: get %d records: %w", len(keys), err)
	}
	out := make([]Record, len(keys))
	for i, c := range cmds {
		if m := c.Val(); len(m) > 0 {
			out[i] = m
		}
	}
	return out, nil
}

// pageScript returns up to ARGV[2] records of the index KEYS[1] whose position is after
// ARGV[1], each as {position, field, value, …}; a record's key is ARGV[3] .. member.
// The record keys are not in KEYS: they share the index's hash tag, so they live in its
// Redis Cluster slot, and reading them here keeps a page to one round trip.
//
//nolint:gochecknoglobals // a Script is immutable, its SHA computed once for every store
var pageScript = redis.NewScript(`
local members = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf', 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for i = 1, #members, 2 do
  local rec = redis.call('HGETALL', ARGV[3] .. members[i])
  if #rec > 0 then
    table.insert(rec, 1, members[i + 1])
    out[#out + 1] = rec
  end
end
return out
`)

// Entry is one record of a page with its position in the index.
type Entry struct {
	Pos    int64
	Fields Fields
}

// Page returns up to limit records of index whose position is greater than after (-1
// for the start), in position order. recordKeyPrefix plus a member of the index is the
// key of that member's hash.
func Page(ctx context.Context, rdb redis.UniversalClient, index, recordKeyPrefix string, after int64, limit int) ([]Entry, error) {
	res, err := pageScript.Run(ctx, rdb, []string{index}, after, limit, recordKeyPrefix).Slice()
	if err != nil {
		return nil, fmt.Errorf("hashstore: page %s: %w", index, err)
	}
	out := make([]Entry, 0, len(res))
	for _, row := range res {
		fields, ok := row.([]any)
		if !ok || len(fields)%2 != 1 {
			return nil, fmt.Errorf("hashstore: page %s: unexpected reply %T", index, row)
		}
		pos, err := strconv.ParseInt(Text(fields[0]), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("hashstore: page %s: position: %w", index, err)
		}
		out = append(out, Entry{Pos: pos, Fields: fields[1:]})
	}
	return out, nil
}

// Text is a script reply's element as text: a bulk string as it is (go-redis gives it as
// a string, so no copy is made), any other value (an integer) formatted.
func Text(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}

// Decode turns records into values with decode; a nil Record (a missing hash) gives the
// zero value.
func Decode[T any](recs []Record, decode func(Record) (T, error)) ([]T, error) {
	out := make([]T, len(recs))
	for i, r := range recs {
		if r == nil {
			continue
		}
		v, err := decode(r)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// Pairs reads a script's reply holding one hash's fields, {field, value, …}, as a
// Record; an empty reply, a hash that does not exist, is nil.
func Pairs(reply any) (Record, error) {
	fields, ok := reply.([]any)
	if !ok || len(fields)%2 != 0 {
		return nil, fmt.Errorf("hashstore: unexpected reply %T of a record", reply)
	}
	if len(fields) == 0 {
		return nil, nil
	}
	rec := make(Record, len(fields)/2)
	for i := 0; i+1 < len(fields); i += 2 {
		rec[Text(fields[i])] = Text(fields[i+1])
	}
	return rec, nil
}

// Version reads a record's version: 1 when it was created, one more after each
// update. A record stored before versions existed has none, which reads as 1; the
// update scripts read it the same way.
func Version[H Hash](r H) (int64, error) {
	v, ok := r.Lookup("version")
	if !ok {
		return 1, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("version %q is not a positive integer", v)
	}
	return n, nil
}

// Created is a create script's reply, decoded. Every store's create script answers
// {"created", position} for a new record, {"replay", record fields} for an idempotency
// key used again with the same input, {"reused"} for one used with other input, or an
// outcome of the store's own ("taken", "tombstone"), which Outcome then holds.
type Created struct {
	Outcome string
	Pos     int64  // the new record's position, for "created"
	Record  Record // the first create's record, for "replay"; nil when it is gone
}

// DecodeCreated reads a create script's reply (see Created).
func DecodeCreated(res []any) (Created, error) {
	bad := func() (Created, error) { return Created{}, fmt.Errorf("unexpected reply %v", res) }
	if len(res) == 0 {
		return bad()
	}
	c := Created{}
	c.Outcome, _ = res[0].(string)
	switch c.Outcome {
	case "":
		return bad()
	case "created":
		if len(res) != 2 {
			return bad()
		}
		pos, ok := res[1].(int64)
		if !ok {
			return bad()
		}
		c.Pos = pos
	case "replay":
		if len(res) != 2 {
			return bad()
		}
		rec, err := Pairs(res[1])
		if err != nil {
			return Created{}, fmt.Errorf("replay: %w", err)
		}
		c.Record = rec
	}
	return c, nil
}
