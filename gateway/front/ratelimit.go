package front

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"golang.org/x/time/rate"

	"github.com/fedgraph/fedgraph/internal/auth"
	"github.com/fedgraph/fedgraph/internal/errcode"
)

// Rate limiting gives each client a token bucket (golang.org/x/time/rate): RateLimit
// operations per second on average, RateLimitBurst at once. Each operation of a request
// takes a token, a batch one per operation, and a request whose tokens are not there is
// refused whole with 429 (REQUEST_RATE_LIMITED, Apollo Router's code) and a Retry-After
// of the seconds until they are; it is never queued, and it takes no token.
//
// A client is who RateLimitKey says: the connection's address (remote-addr), a header
// that a trusted proxy in front sets (header:NAME, its first comma-separated value, so
// X-Forwarded-For works; the address when it is missing), or the verified token's
// subject (subject; the address for anonymous requests). The buckets live in this
// process, in an LRU of RateLimitClients clients: behind N replicas a client gets N times
// the rate, and a client evicted from a full LRU starts again with a full bucket.

// The rate limit keys (Config.RateLimitKey).
const (
	RateLimitByAddr    = "remote-addr"
	RateLimitBySubject = "subject"
	rateLimitByHeader  = "header:"
)

// maxRateLimitKeyBytes bounds a client key taken from a header.
const maxRateLimitKeyBytes = 256

type rateLimiter struct {
	limit  rate.Limit
	burst  int
	key    string // RateLimitKey
	header string // for header:NAME, NAME canonicalised

	mu      sync.Mutex
	clients *simplelru.LRU[string, *rate.Limiter]
}

func newRateLimiter(cfg Config) *rateLimiter {
	l := &rateLimiter{limit: rate.Limit(cfg.RateLimit), burst: cfg.RateLimitBurst, key: cfg.RateLimitKey, header: clientHeader(cfg.RateLimitKey)}
	// simplelru fails only for a non-positive size, which Config.Validate rules out.
	clients, err := simplelru.NewLRU[string, *rate.Limiter](cfg.RateLimitClients, nil)
	if err != nil {
		panic("front: " + err.Error())
	}
	l.clients = clients
	return l
}

// checkRateLimitKey says what is wrong with a RateLimitKey setting, if anything.
func checkRateLimitKey(key string) error {
	switch {
	case key == RateLimitByAddr, key == RateLimitBySubject:
		return nil
	case strings.HasPrefix(key, rateLimitByHeader):
		if name := strings.TrimPrefix(key, rateLimitByHeader); validHeaderName(name) {
			return nil
		}
		return fmt.Errorf("%q names no valid header", key)
	}
	return fmt.Errorf("%q must be %s, %s or %sNAME", key, RateLimitByAddr, RateLimitBySubject, rateLimitByHeader)
}

// client is the key of r's bucket.
func (l *rateLimiter) client(r *http.Request, claims *auth.Claims) string {
	if l.key == RateLimitBySubject && claims != nil && claims.Subject != "" {
		return "sub:" + claims.Subject
	}
	return anonymousClient(r, l.header)
}

// clientHeader is the header that names a client for RateLimitKey header:NAME,
// canonicalised, or "".
func clientHeader(key string) string {
	if name, ok := strings.CutPrefix(key, rateLimitByHeader); ok {
		return http.CanonicalHeaderKey(name)
	}
	return ""
}

// anonymousClient is who r's client is without a subject: header's first
// comma-separated value when header is set and present (a trusted proxy's), else the
// connection's address.
func anonymousClient(r *http.Request, header string) string {
	if header != "" {
		v, _, _ := strings.Cut(r.Header.Get(header), ",")
		if v = strings.TrimSpace(v); v != "" {
			if len(v) > maxRateLimitKeyBytes {
				v = v[:maxRateLimitKeyBytes]
			}
			return "hdr:" + v
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return "addr:" + host
}

// take takes n tokens from client's bucket, or none and reports how long until there are
// n when there are not.
func (l *rateLimiter) take(client string, n int) (retryAfter time.Duration, ok bool) {
	now := time.Now()
	l.mu.Lock()
	lim, found := l.clients.Get(client)
	if !found {
		lim = rate.NewLimiter(l.limit, l.burst)
		l.clients.Add(client, lim)
	}
	l.mu.Unlock()
	res := lim.ReserveN(now, n)
	if !res.OK() { // n > burst, which Config.Validate rules out for batches
		return time.Duration(math.MaxInt64), false
	}
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return d, false
	}
	return 0, true
}

// rateLimited is the refusal of a request over its client's rate.
func rateLimited(retryAfter time.Duration) *failure {
	secs := int64(math.Ceil(retryAfter.Seconds()))
	if secs < 1 {
		secs = 1
	}
	f := newFailure(http.StatusTooManyRequests, errcode.RequestRateLimited,
		fmt.Sprintf("Too many requests: retry in %d s.", secs))
	f.retryAfter = strconv.FormatInt(secs, 10)
	return f
}
