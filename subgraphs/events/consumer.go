package events

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Message is one stream entry handed to a Handler.
type Message struct {
	// ID is the entry's stream id.
	ID string
	// Values are the entry's fields.
	Values map[string]any
	// Deliveries counts the times the entry has been delivered to the group, this
	// delivery included: 1 the first time.
	Deliveries int64
}

// Handler handles one message. It must be idempotent: delivery is at least once, so a
// message may be handled again after a crash, a lost acknowledgement or a reclaim. An
// error leaves the message pending, to be retried.
type Handler func(ctx context.Context, m Message) error

// DeadLetter keeps a message that failed MaxDeliveries times, with the last error, for
// an operator to look at; once it returns nil the message is acknowledged.
type DeadLetter func(ctx context.Context, m Message, cause error) error

// ConsumerConfig is what a Consumer needs. Start from DefaultConsumerConfig: the
// bounds must be positive, and a zero one is refused, never taken for its default.
type ConsumerConfig struct {
	// Redis holds the stream: the producer's Redis, which the consumer reads for the
	// stream only. Required.
	Redis redis.UniversalClient
	// Stream is the stream's key. Required.
	Stream string
	// Group is the consumer group; every replica of one service shares it, so each
	// message is handled by one of them. Required.
	Group string
	// Consumer names this reader in the group. Give each replica its own; a replica
	// that restarts under the same name takes up its own pending messages at once.
	// Empty: the host name. default: empty
	Consumer string
	// Handler handles each message. Required.
	Handler Handler
	// DeadLetter keeps a message that failed MaxDeliveries times. Required.
	DeadLetter DeadLetter
	// MaxDeliveries is how many times a message is handled before it goes to the dead
	// letter.
	// default: 5
	MaxDeliveries int64
	// RetryAfter is how long a delivered message stays unacknowledged before it is
	// claimed again (XAUTOCLAIM), from this consumer after a failure or from a replica
	// that died holding it.
	// default: 30s
	RetryAfter time.Duration
	// Block is how long one read waits for new entries.
	// default: 1s
	Block time.Duration
	// Batch bounds the entries one read returns.
	// default: 100
	Batch int64
	// Logger receives failures and dead letters.
	// default: a logger that discards
	Logger *slog.Logger
}

// Defaults of ConsumerConfig.
const (
	DefaultMaxDeliveries = 5
	DefaultRetryAfter    = 30 * time.Second
	DefaultBlock         = time.Second
	DefaultBatch         = 100
)

// DefaultConsumerConfig returns the configuration with every documented default; the
// caller sets the required fields.
func DefaultConsumerConfig() ConsumerConfig {
	return ConsumerConfig{MaxDeliveries: DefaultMaxDeliveries, RetryAfter: DefaultRetryAfter, Block: DefaultBlock, Batch: DefaultBatch}
}

// Consumer reads a stream in a consumer group: at least once, acknowledging each
// message after its handler succeeds. Messages the group delivered but nobody
// acknowledged (a failed handler, a crash) stay pending in Redis and are claimed again
// after RetryAfter; after MaxDeliveries deliveries a failing message goes to the dead
// letter and is acknowledged, so it never blocks the messages after it. A consumer that
// was stopped resumes where the group left off, and catches up on what arrived
// meanwhile. An unreachable Redis is retried with backoff for as long as Run runs.
type Consumer struct {
	cfg ConsumerConfig
	// claimFrom is where the next XAUTOCLAIM scan starts.
	claimFrom string
	// ownFrom is where the next read of this consumer's own pending messages starts:
	// each is handled once at start, not again and again while it keeps failing.
	ownFrom string
}

// NewConsumer checks cfg (start from DefaultConsumerConfig), reporting every problem at
// once.
func NewConsumer(cfg ConsumerConfig) (*Consumer, error) {
	var errs []error
	if cfg.Redis == nil {
		errs = append(errs, errors.New("events: no redis client for the stream"))
	}
	if cfg.Stream == "" {
		errs = append(errs, errors.New("events: no stream"))
	}
	if cfg.Group == "" {
		errs = append(errs, errors.New("events: no consumer group"))
	}
	if cfg.Handler == nil {
		errs = append(errs, errors.New("events: no handler"))
	}
	if cfg.DeadLetter == nil {
		errs = append(errs, errors.New("events: no dead letter"))
	}
	for _, c := range []struct {
		name string
		v    int64
		show any
	}{
		{"max deliveries", cfg.MaxDeliveries, cfg.MaxDeliveries}, {"retry after", int64(cfg.RetryAfter), cfg.RetryAfter},
		{"block", int64(cfg.Block), cfg.Block}, {"batch", cfg.Batch, cfg.Batch},
	} {
		if c.v <= 0 {
			errs = append(errs, fmt.Errorf("events: %s must be positive, got %v", c.name, c.show))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if cfg.Consumer == "" {
		host, err := os.Hostname()
		if err != nil || host == "" {
			host = "consumer"
		}
		cfg.Consumer = host
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	cfg.Logger = cfg.Logger.With("stream", cfg.Stream, "group", cfg.Group, "consumer", cfg.Consumer)
	return &Consumer{cfg: cfg}, nil
}

// Run consumes until ctx is done, then returns nil once the read in flight (at most
// Block) has ended. Redis errors are logged and retried with backoff; Run never gives
// up on its own. A Consumer runs once at a time.
func (c *Consumer) Run(ctx context.Context) error {
	c.claimFrom, c.ownFrom = "0-0", "0-0"
	wait := backoff{min: 50 * time.Millisecond, max: 5 * time.Second}
	ready, ownDone := false, false
	for ctx.Err() == nil {
		var err error
		switch {
		case !ready:
			err = c.createGroup(ctx)
			ready = err == nil
		case !ownDone:
			// This consumer's own pending messages first: what it held when it stopped.
			ownDone, err = c.own(ctx)
		default:
			err = c.step(ctx)
		}
		if err == nil {
			wait.reset()
			continue
		}
		if ctx.Err() != nil {
			break
		}
		if strings.Contains(err.Error(), "NOGROUP") {
			// The stream or the group went away (a Redis restarted without its data):
			// make the group again, from the start of whatever the stream now holds.
			ready, ownDone = false, false
		}
		d := wait.next()
		c.cfg.Logger.WarnContext(ctx, "events: consumer failed; retrying", "err", err, "in", d)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
	}
	return nil
}

// createGroup makes the group, reading the stream from its start: a service that
// consumes a stream for the first time handles what is already there.
func (c *Consumer) createGroup(ctx context.Context) error {
	err := c.cfg.Redis.XGroupCreateMkStream(ctx, c.cfg.Stream, c.cfg.Group, "0").Err()
	if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return fmt.Errorf("events: create group: %w", err)
	}
	return nil
}

// own handles the next batch of this consumer's own pending messages, those it held
// when it last stopped, and reports whether there were none left.
func (c *Consumer) own(ctx context.Context) (done bool, err error) {
	res, err := c.cfg.Redis.XReadGroup(ctx, &redis.XReadGroupArgs{
		Group: c.cfg.Group, Consumer: c.cfg.Consumer, Streams: []string{c.cfg.Stream, c.ownFrom},
		Count: c.cfg.Batch, Block: -1,
	}).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return false, fmt.Errorf("events: read own pending: %w", err)
	}
	msgs := messages(res)
	if len(msgs) == 0 {
		return true, nil
	}
	if err := c.redelivered(ctx, msgs); err != nil {
		return false, err
	}
	c.ownFrom = msgs[len(msgs)-1].ID
	return false, nil
}

// step claims messages left pending too long, then reads new ones.
func (c *Consumer) step(ctx context.Context) error {
	claimed, next, err := c.cfg.Redis.XAutoClaim(ctx, &redis.XAutoClaimArgs{
		Stream: c.cfg.Stream, Group: c.cfg.Group, Consumer: c.cfg.Consumer,
		MinIdle: c.cfg.RetryAfter, Start: c.claimFrom, Count: c.cfg.Batch,
	}).Result()
	if err != nil {
		return fmt.Errorf("events: claim: %w", err)
	}
	c.claimFrom = next
	if len(claimed) > 0 {
		if err := c.redelivered(ctx, claimed); err != nil {
			return err
		}
	}
	res, err := c.cfg.Redis.XReadGroup(ctx, &redis.XReadGroupArgs{
		Group: c.cfg.Group, Consumer: c.cfg.Consumer, Streams: []string{c.cfg.Stream, ">"},
		Count: c.cfg.Batch, Block: c.cfg.Block,
	}).Result()
	if errors.Is(err, redis.Nil) {
		return nil // nothing new within Block
	}
	if err != nil {
		return fmt.Errorf("events: read: %w", err)
	}
	for _, x := range messages(res) {
		if err := c.process(ctx, Message{ID: x.ID, Values: x.Values, Deliveries: 1}); err != nil {
			return err
		}
	}
	return nil
}

// redelivered processes messages delivered before, with their delivery counts.
func (c *Consumer) redelivered(ctx context.Context, msgs []redis.XMessage) error {
	pending, err := c.cfg.Redis.XPendingExt(ctx, &redis.XPendingExtArgs{
		Stream: c.cfg.Stream, Group: c.cfg.Group, Consumer: c.cfg.Consumer,
		Start: msgs[0].ID, End: msgs[len(msgs)-1].ID, Count: int64(len(msgs)),
	}).Result()
	if err != nil {
		return fmt.Errorf("events: pending: %w", err)
	}
	deliveries := make(map[string]int64, len(pending))
	for _, p := range pending {
		deliveries[p.ID] = p.RetryCount
	}
	for _, x := range msgs {
		n, ok := deliveries[x.ID]
		if !ok {
			continue // acknowledged meanwhile, by a replica that held it
		}
		if err := c.process(ctx, Message{ID: x.ID, Values: x.Values, Deliveries: n}); err != nil {
			return err
		}
	}
	return nil
}

// process handles m and acknowledges it if the handler succeeded, or if it failed for
// the last time and the dead letter took it. An error is Redis failing; a handler's
// failure is logged, and m stays pending.
func (c *Consumer) process(ctx context.Context, m Message) error {
	if m.Values == nil {
		// The entry was trimmed from the stream while pending: nothing left to handle.
		return c.ack(ctx, m.ID)
	}
	herr := c.cfg.Handler(ctx, m)
	if herr == nil {
		return c.ack(ctx, m.ID)
	}
	if ctx.Err() != nil {
		return nil // stopping: the message stays pending for the next run
	}
	if m.Deliveries < c.cfg.MaxDeliveries {
		c.cfg.Logger.WarnContext(ctx, "events: handler failed; will retry", "id", m.ID, "deliveries", m.Deliveries, "err", herr, "retry_after", c.cfg.RetryAfter)
		return nil
	}
	if err := c.cfg.DeadLetter(ctx, m, herr); err != nil {
		return fmt.Errorf("events: dead-letter %s: %w", m.ID, err)
	}
	c.cfg.Logger.ErrorContext(ctx, "events: message dead-lettered", "id", m.ID, "deliveries", m.Deliveries, "err", herr)
	return c.ack(ctx, m.ID)
}

func (c *Consumer) ack(ctx context.Context, id string) error {
	if err := c.cfg.Redis.XAck(ctx, c.cfg.Stream, c.cfg.Group, id).Err(); err != nil {
		return fmt.Errorf("events: ack %s: %w", id, err)
	}
	return nil
}

func messages(res []redis.XStream) []redis.XMessage {
	var out []redis.XMessage
	for _, s := range res {
		out = append(out, s.Messages...)
	}
	return out
}

// backoff is exponential with full jitter between min and max.
type backoff struct {
	min, max, cur time.Duration
}

func (b *backoff) next() time.Duration {
	if b.cur == 0 {
		b.cur = b.min
	} else {
		b.cur = min(2*b.cur, b.max)
	}
	return b.cur/2 + rand.N(b.cur/2+1)
}

func (b *backoff) reset() { b.cur = 0 }
