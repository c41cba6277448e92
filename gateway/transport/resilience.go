package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/sony/gobreaker/v2"
	"github.com/valyala/fasthttp"
)

// Resilience is how a client treats a failing subgraph. Start from
// DefaultResilience: zero turns retries or breakers off, it is not a default.
type Resilience struct {
	// Retries is how many times, from 0 (none) to 10, a query's subgraph request is sent
	// again after a connection error (refused, reset, closed before an answer);
	// mutations are never retried. default: DefaultRetries
	Retries int
	// RetryBackoff is the first retry's longest wait; each later one doubles it. The
	// wait is drawn uniformly below it (full jitter), so clients do not retry in step.
	// Zero: retry at once. default: DefaultRetryBackoff
	RetryBackoff time.Duration
	// RetryBudget is the share of requests, from 0 to 1, that may be retries, over and
	// above a small reserve; beyond it, failed requests are not retried, so retries
	// cannot multiply the load on a subgraph in an outage. Zero: no budget and no
	// reserve, so no retries. default: DefaultRetryBudget
	RetryBudget float64
	// BreakerFailures is how many failures in a row open a subgraph's circuit breaker;
	// while open, requests to it fail at once. Zero turns breakers off.
	// default: DefaultBreakerFailures
	BreakerFailures int
	// BreakerOpen is how long a breaker stays open before it lets one probe through;
	// a successful probe closes it. It must be positive when breakers are on.
	// default: DefaultBreakerOpen
	BreakerOpen time.Duration
}

// Defaults of Resilience.
const (
	DefaultRetries         = 2
	DefaultRetryBackoff    = 25 * time.Millisecond
	DefaultRetryBudget     = 0.2
	DefaultBreakerFailures = 5
	DefaultBreakerOpen     = 5 * time.Second
)

// DefaultResilience returns the resilience settings with every documented default.
func DefaultResilience() Resilience {
	return Resilience{
		Retries:         DefaultRetries,
		RetryBackoff:    DefaultRetryBackoff,
		RetryBudget:     DefaultRetryBudget,
		BreakerFailures: DefaultBreakerFailures,
		BreakerOpen:     DefaultBreakerOpen,
	}
}

// Validate reports every invalid setting of r at once.
func (r Resilience) Validate() error {
	var errs []error
	if r.Retries < 0 || r.Retries > 10 {
		errs = append(errs, fmt.Errorf("retries must be between 0 (none) and 10, got %d", r.Retries))
	}
	if r.RetryBackoff < 0 {
		errs = append(errs, fmt.Errorf("retry-backoff must not be negative, got %s", r.RetryBackoff))
	}
	if !(r.RetryBudget >= 0 && r.RetryBudget <= 1) { // NaN too
		errs = append(errs, fmt.Errorf("retry-budget must be between 0 (no retries) and 1, got %v", r.RetryBudget))
	}
	if r.BreakerFailures < 0 {
		errs = append(errs, fmt.Errorf("breaker-failures must be 0 (no breakers) or positive, got %d", r.BreakerFailures))
	}
	if r.BreakerFailures > 0 && r.BreakerOpen <= 0 {
		errs = append(errs, fmt.Errorf("breaker-open must be positive when breakers are on, got %s", r.BreakerOpen))
	}
	return errors.Join(errs...)
}

// errBreakerOpen is a request refused by an open circuit breaker.
var errBreakerOpen = errors.New("circuit breaker open")

// guard wraps one subgraph's requests: a circuit breaker, and retries within a budget.
type guard struct {
	res     Resilience
	breaker *gobreaker.CircuitBreaker[*Answer] // nil when breakers are off
	budget  *retryBudget
}

func newGuard(name string, res Resilience, onChange func(name string, from, to gobreaker.State)) *guard {
	g := &guard{res: res, budget: newRetryBudget(res.RetryBudget)}
	if res.BreakerFailures > 0 {
		g.breaker = gobreaker.NewCircuitBreaker[*Answer](gobreaker.Settings{
			Name:        name,
			MaxRequests: 1,
			Timeout:     res.BreakerOpen,
			ReadyToTrip: func(c gobreaker.Counts) bool {
				return c.ConsecutiveFailures >= uint32(res.BreakerFailures)
			},
			// A client that gave up tells nothing about the subgraph.
			IsExcluded:    func(err error) bool { return errors.Is(err, context.Canceled) },
			OnStateChange: onChange,
		})
	}
	return g
}

// state names the breaker's state for readiness and logs.
func (g *guard) state() string {
	if g.breaker == nil {
		return "off"
	}
	return g.breaker.State().String()
}

// do runs attempt, through the breaker, again after a connection error when retry is
// set and the budget allows.
func (g *guard) do(ctx context.Context, retry bool, attempt func() (*Answer, error)) (*Answer, error) {
	g.budget.deposit()
	for n := 0; ; n++ {
		a, err := g.once(attempt)
		if err == nil || !retry || n >= g.res.Retries || !retryable(err) || ctx.Err() != nil || !g.budget.withdraw() {
			return a, err
		}
		wait := time.Duration(rand.Int64N(int64(g.res.RetryBackoff)<<n + 1))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, err
		case <-t.C:
		}
	}
}

func (g *guard) once(attempt func() (*Answer, error)) (*Answer, error) {
	if g.breaker == nil {
		return attempt()
	}
	a, err := g.breaker.Execute(attempt)
	if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) {
		return nil, errBreakerOpen
	}
	return a, err
}

// connError marks a failure to talk to the subgraph at all, as opposed to a subgraph
// that answered badly or too late: only those are retried.
type connError struct{ err error }

func (e connError) Error() string { return e.err.Error() }
func (e connError) Unwrap() error { return e.err }

func retryable(err error) bool {
	var ce connError
	return errors.As(err, &ce)
}

// isConnError reports whether a transport error means the request never got an answer
// from a live server: refused, reset, or the connection closed before a response.
func isConnError(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return false
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return false
	}
	var oe *net.OpError
	return errors.Is(err, fasthttp.ErrConnectionClosed) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.As(err, &oe) && oe.Op == "dial"
}

// retryBudget lets retries be at most a share of requests: every request deposits that
// share of a token, every retry takes a whole one. It starts with, and never holds
// more than, a reserve of retryReserve tokens, so that a quiet subgraph may still be
// retried; a share of 0 has no reserve either, and allows no retry.
type retryBudget struct {
	mu     sync.Mutex
	share  float64
	tokens float64
}

const retryReserve = 10

func newRetryBudget(share float64) *retryBudget {
	if share == 0 {
		return &retryBudget{}
	}
	return &retryBudget{share: share, tokens: retryReserve}
}

func (b *retryBudget) deposit() {
	b.mu.Lock()
	b.tokens = min(b.tokens+b.share, retryReserve)
	b.mu.Unlock()
}

func (b *retryBudget) withdraw() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
