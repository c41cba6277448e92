package front

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Config holds every setting of the front. Start from DefaultConfig: the zero value is not
// valid, because a zero limit would otherwise have to mean either "reject everything" or
// "unlimited", and the front never treats a missing setting as unlimited.
type Config struct {
	// MaxBodyBytes is the largest request body accepted; a larger one is refused with 413
	// (BODY_TOO_LARGE) before it is read in full.
	// default: 262144 (256 KiB)
	MaxBodyBytes int64

	// MaxURLBytes is the longest request target (path and query string) accepted; a longer one
	// is refused with 414 (URL_TOO_LONG), checked before anything else. It must stay below
	// MaxHeaderBytes, which counts the request target too.
	// default: 16384
	MaxURLBytes int

	// MaxHeaderBytes is the most bytes the request line and headers may hold, counted as the
	// request line plus, for each header (Host included), its name, its value and 4 bytes of
	// separators; a request over it is refused with 431 (HEADERS_TOO_LARGE), checked right
	// after the URL. It must not exceed HardMaxHeaderBytes, the ceiling that the http.Server
	// built by HTTPServer enforces itself (with Go's plain-text 431) for requests the front
	// never sees.
	// default: 65536
	MaxHeaderBytes int

	// MaxTokens is the most lexical tokens a query may have; the parser stops at the limit, so
	// a longer query costs no more than this many tokens (TOKEN_LIMIT_EXCEEDED).
	// default: 10000
	MaxTokens int

	// MaxDepth is the deepest that fields may nest, fragments expanded. Introspection fields
	// (__schema, __type) and their selections are not counted: gqlparser bounds them with its
	// own introspection depth rule and they are answered by the gateway itself
	// (MAX_DEPTH_EXCEEDED).
	// default: 15
	MaxDepth int

	// MaxAliases is the most aliased fields an operation may select, fragments expanded as
	// many times as they are spread (MAX_ALIASES_EXCEEDED).
	// default: 30
	MaxAliases int

	// MaxRootFields is the most fields an operation may select at its root, fragments
	// expanded (MAX_ROOT_FIELDS_EXCEEDED).
	// default: 20
	MaxRootFields int

	// MaxFields is the most fields an operation may select in all, fragments expanded as many
	// times as they are spread. It bounds validation, whose overlapping-fields rule is
	// quadratic in the number of same-named fields (MAX_FIELDS_EXCEEDED).
	// default: 500
	MaxFields int

	// MaxDirectivesPerField is the most directives a single field, fragment spread or inline
	// fragment may carry (MAX_DIRECTIVES_EXCEEDED).
	// default: 5
	MaxDirectivesPerField int

	// MaxCost is the highest estimated cost an operation may have (COST_LIMIT_EXCEEDED).
	// Every field costs 1; a field with a `first` or `last` argument multiplies the cost of its
	// selections by that number, a list field directly below it (a connection's `edges` or
	// `nodes`) is then not multiplied again, and any other list field multiplies the cost of
	// its selections by DefaultListSize (once per list level). Variables are resolved;
	// introspection fields are not counted.
	// default: 10000
	MaxCost int

	// DefaultListSize is the size assumed for a list field whose size no `first` or `last`
	// argument gives.
	// default: 10
	DefaultListSize int

	// MaxBatchSize is the most operations a JSON array body may hold (BATCH_LIMIT_EXCEEDED);
	// 0 disables batching, and an array body is then refused (BATCHING_DISABLED).
	// default: 10
	MaxBatchSize int

	// MaxVariablesBytes is the largest `variables` value of one operation, as JSON text
	// (VARIABLES_TOO_LARGE).
	// default: 65536
	MaxVariablesBytes int

	// MaxValidationErrors is the most validation errors reported for one operation; the rest
	// are dropped so that a hostile query cannot multiply the response.
	// default: 5
	MaxValidationErrors int

	// APQ turns on automatic persisted queries (Apollo's protocol): a request may send
	// extensions.persistedQuery = {"version": 1, "sha256Hash": "<hex>"} with its query, which
	// the front stores once the query validates, and later send the hash alone. When false a
	// request carrying a persistedQuery extension is refused (PERSISTED_QUERY_NOT_SUPPORTED),
	// which tells Apollo clients to stop sending hashes.
	// default: true
	APQ bool

	// APQCacheSize is the most queries the persisted query store holds; the least recently
	// used is dropped first. The store is per process: a client whose hash another replica
	// stored gets PERSISTED_QUERY_NOT_FOUND and resends the query, as the protocol expects.
	// default: 1000
	APQCacheSize int

	// APQCacheBytes bounds the total length of the query texts the persisted query store
	// holds; a single query longer than this is run but never stored. A stored query can
	// never be longer than MaxBodyBytes (or MaxURLBytes for GET), since it arrived in one
	// request.
	// default: 16777216 (16 MiB)
	APQCacheBytes int64

	// DocumentCacheSize is the most query texts whose parsed and validated document (or whose
	// refusal by the parser, the structural limits or validation) the front keeps, so that a
	// repeated query is neither parsed nor validated again; 0 turns the cache off. An entry
	// is valid only for the schema it was validated against: after a schema reload every
	// query is checked afresh.
	// default: 1000
	DocumentCacheSize int

	// DocumentCacheBytes bounds the approximate memory of the document cache, an entry being
	// counted as its query text, plus 32 times that for a document's syntax tree, plus 512
	// bytes. An entry larger than an eighth of the bound is not cached.
	// default: 67108864 (64 MiB)
	DocumentCacheBytes int64

	// Introspection allows __schema and __type queries; when false they are refused
	// (INTROSPECTION_DISABLED). Turn it off in production.
	// default: true
	Introspection bool

	// Playground serves GraphiQL at / (and to browsers asking /graphql for HTML); when false
	// / answers 404. Turn it off in production.
	// default: true
	Playground bool

	// PlaygroundDir, when set, serves the playground's files from this directory (the output
	// of `npm run --prefix tools/playground build`) instead of the files embedded at build time.
	// default: "" (embedded files)
	PlaygroundDir string

	// PlaygroundHeaders, when set, is the JSON object of headers GraphiQL's headers
	// editor starts with. Development only (make run puts a development token in it):
	// every visitor of the page gets it. It has no flag. default: none
	PlaygroundHeaders string

	// CORSAllowedOrigins lists the origins allowed to call the gateway from a browser. An
	// entry is an exact origin (https://app.example.com), an origin whose port is `*`
	// (http://localhost:*, any port), or `*` alone (any origin; not allowed with credentials).
	// default: http://localhost:*, http://127.0.0.1:*, http://[::1]:*
	CORSAllowedOrigins []string

	// PropagateHeaders lists client request headers the gateway forwards to every
	// subgraph request. Besides them it forwards only X-Request-Id, the W3C trace context
	// (traceparent, tracestate) and, on mutations, Idempotency-Key. An Authorization
	// header is forwarded only when listed. default: none
	PropagateHeaders []string

	// CORSAllowedHeaders lists the request headers a cross-origin request may send.
	// default: Accept, Authorization, Content-Type, Apollo-Require-Preflight,
	// X-Apollo-Operation-Name, Apollographql-Client-Name, Apollographql-Client-Version
	CORSAllowedHeaders []string

	// CORSAllowCredentials lets cross-origin requests carry cookies and HTTP authentication.
	// default: false
	CORSAllowCredentials bool

	// CORSMaxAge is how long a browser may cache a preflight answer.
	// default: 10m
	CORSMaxAge time.Duration

	// CSRFPrevention refuses requests a browser could send cross-site without a preflight
	// (Apollo Router's rule): a POST whose Content-Type is missing, text/plain,
	// application/x-www-form-urlencoded or multipart/form-data and that carries none of
	// CSRFRequiredHeaders is refused with 400 (CSRF_PREVENTED) and never executed. GET requests
	// are served without such a header because the front executes only queries over GET.
	// default: true
	CSRFPrevention bool

	// CSRFRequiredHeaders are the headers, any one of which (non-empty) marks a request as
	// deliberately sent by a client that a browser would have preflighted.
	// default: X-Apollo-Operation-Name, Apollo-Require-Preflight
	CSRFRequiredHeaders []string

	// RequestTimeout bounds the handling of a whole request, execution included; the executor
	// gets a context with this deadline.
	// default: 30s
	RequestTimeout time.Duration

	// ReadHeaderTimeout bounds reading the request headers (HTTPServer).
	// default: 5s
	ReadHeaderTimeout time.Duration

	// ReadTimeout bounds reading a whole request, body included (HTTPServer).
	// default: 15s
	ReadTimeout time.Duration

	// WriteTimeout bounds the time from the end of the request headers to the end of the
	// response (HTTPServer); it must exceed RequestTimeout.
	// default: 35s
	WriteTimeout time.Duration

	// IdleTimeout bounds how long a keep-alive connection waits for its next request
	// (HTTPServer).
	// default: 120s
	IdleTimeout time.Duration

	// Compression compresses a response with zstd or gzip when the client's
	// Accept-Encoding takes one of them (zstd when both are equally preferred) and the
	// response is at least CompressionMinBytes, and takes request bodies sent with
	// Content-Encoding: gzip (MaxBodyBytes then bounds the decompressed body). Off, a
	// compressed request body is refused with 415 like any other coding.
	// default: true
	Compression bool

	// CompressionMinBytes is the smallest response that is compressed; a smaller one costs
	// more to compress than it saves.
	// default: 1024
	CompressionMinBytes int

	// PersistedDocuments is a file listing the clients' operations by id (documents.go):
	// an Apollo persisted query manifest or a JSON object of id to document. It is read
	// once, at start; a file with any bad entry stops the start.
	// default: "" (no list)
	PersistedDocuments string

	// ExposeQueryPlan lets a request with X-Include-Query-Plan: true (or Apollo Router's
	// Apollo-Expose-Query-Plan: true) get its operation's plan in the response's
	// extensions.queryPlan: which subgraph is asked what, in which order. For
	// development and debugging: the plan shows the subgraphs' names and queries.
	// default: false
	ExposeQueryPlan bool

	// MaxSubscriptions bounds the subscriptions the front streams at once; one more is
	// refused with SUBSCRIPTION_LIMIT_EXCEEDED. Zero: no bound.
	// default: 10000
	MaxSubscriptions int

	// MaxSubscriptionsPerClient bounds the subscriptions one client streams at once,
	// beside MaxSubscriptions, so that one client cannot take every slot; one more is
	// refused with SUBSCRIPTION_LIMIT_EXCEEDED for that client only. A client is the
	// verified token's subject; for an anonymous request, the header RateLimitKey names
	// when it is header:NAME (a trusted proxy's) and present, else the connection's
	// address. Zero: no bound.
	// default: 100
	MaxSubscriptionsPerClient int

	// RateLimit is how many operations per second each client may run on average
	// (ratelimit.go); one over it is refused with 429 (REQUEST_RATE_LIMITED) and a
	// Retry-After. Zero turns rate limiting off.
	// default: 0 (off)
	RateLimit float64

	// RateLimitBurst is how many operations a client may run at once, a batch counting
	// one per operation; it must be at least MaxBatchSize.
	// default: 50
	RateLimitBurst int

	// RateLimitKey says who a client is: remote-addr (the connection's address),
	// subject (the verified token's subject; the address for anonymous requests) or
	// header:NAME (a header a trusted proxy sets, its first comma-separated value; the
	// address when it is missing).
	// default: remote-addr
	RateLimitKey string

	// RateLimitClients is how many clients' buckets are kept (LRU); an evicted client
	// starts again with a full bucket.
	// default: 100000
	RateLimitClients int

	// PersistedDocumentsMode says what happens to an operation sent as text when a list
	// is set: allow (it runs), safelist (it runs only when its text is a listed
	// document's; PERSISTED_QUERY_NOT_IN_LIST) or require-id (it never runs;
	// PERSISTED_QUERY_ID_REQUIRED).
	// default: allow
	PersistedDocumentsMode string
}

// DefaultConfig returns the configuration with every documented default.
func DefaultConfig() Config {
	return Config{
		MaxBodyBytes:          256 << 10,
		MaxURLBytes:           16 << 10,
		MaxHeaderBytes:        64 << 10,
		MaxTokens:             10000,
		MaxDepth:              15,
		MaxAliases:            30,
		MaxRootFields:         20,
		MaxFields:             500,
		MaxDirectivesPerField: 5,
		MaxCost:               10000,
		DefaultListSize:       10,
		MaxBatchSize:          10,
		MaxVariablesBytes:     64 << 10,
		MaxValidationErrors:   5,
		APQ:                   true,
		APQCacheSize:          1000,
		APQCacheBytes:         16 << 20,
		DocumentCacheSize:     1000,
		DocumentCacheBytes:    64 << 20,
		Introspection:         true,
		Playground:            true,
		CORSAllowedOrigins:    []string{"http://localhost:*", "http://127.0.0.1:*", "http://[::1]:*"},
		CORSAllowedHeaders: []string{
			"Accept", "Authorization", "Content-Type", "Apollo-Require-Preflight",
			"X-Apollo-Operation-Name", "Apollographql-Client-Name", "Apollographql-Client-Version",
		},
		CORSMaxAge:          10 * time.Minute,
		CSRFPrevention:      true,
		CSRFRequiredHeaders: []string{"X-Apollo-Operation-Name", "Apollo-Require-Preflight"},
		RequestTimeout:      30 * time.Second,
		ReadHeaderTimeout:   5 * time.Second,
		ReadTimeout:         15 * time.Second,
		WriteTimeout:        35 * time.Second,
		IdleTimeout:         120 * time.Second,
		Compression:         true,
		CompressionMinBytes: 1024,

		PersistedDocumentsMode: DocumentsAllow,

		MaxSubscriptions:          10000,
		MaxSubscriptionsPerClient: 100,
		RateLimitBurst:            50,
		RateLimitKey:              RateLimitByAddr,
		RateLimitClients:          100000,
	}
}

// Validate reports every invalid setting at once.
func (c Config) Validate() error {
	var errs []error
	positive := func(name string, v int64) {
		if v <= 0 {
			errs = append(errs, fmt.Errorf("front: %s must be positive, got %d", name, v))
		}
	}
	positive("max-body-bytes", c.MaxBodyBytes)
	positive("max-url-bytes", int64(c.MaxURLBytes))
	positive("max-header-bytes", int64(c.MaxHeaderBytes))
	positive("max-tokens", int64(c.MaxTokens))
	positive("max-depth", int64(c.MaxDepth))
	positive("max-aliases", int64(c.MaxAliases))
	positive("max-root-fields", int64(c.MaxRootFields))
	positive("max-fields", int64(c.MaxFields))
	positive("max-directives-per-field", int64(c.MaxDirectivesPerField))
	positive("max-cost", int64(c.MaxCost))
	positive("default-list-size", int64(c.DefaultListSize))
	positive("max-variables-bytes", int64(c.MaxVariablesBytes))
	if c.MaxBatchSize < 0 {
		errs = append(errs, fmt.Errorf("front: max-batch-size must be 0 (batching off) or positive, got %d", c.MaxBatchSize))
	}
	if c.MaxValidationErrors < 1 || c.MaxValidationErrors > 100 {
		errs = append(errs, fmt.Errorf("front: max-validation-errors must be between 1 and 100, got %d", c.MaxValidationErrors))
	}
	if c.MaxHeaderBytes > 0 && c.MaxURLBytes >= c.MaxHeaderBytes {
		errs = append(errs, fmt.Errorf("front: max-url-bytes (%d) must be below max-header-bytes (%d)", c.MaxURLBytes, c.MaxHeaderBytes))
	}
	if c.MaxHeaderBytes > HardMaxHeaderBytes {
		errs = append(errs, fmt.Errorf("front: max-header-bytes (%d) must not exceed the HTTP server's ceiling of %d", c.MaxHeaderBytes, HardMaxHeaderBytes))
	}
	if c.APQ {
		positive("apq-cache-size", int64(c.APQCacheSize))
		positive("apq-cache-bytes", c.APQCacheBytes)
	}
	if c.DocumentCacheSize < 0 {
		errs = append(errs, fmt.Errorf("front: document-cache-size must be 0 (cache off) or positive, got %d", c.DocumentCacheSize))
	}
	if c.DocumentCacheSize > 0 {
		positive("document-cache-bytes", c.DocumentCacheBytes)
	}
	if c.MaxVariablesBytes > 0 && c.MaxBodyBytes > 0 && int64(c.MaxVariablesBytes) > c.MaxBodyBytes {
		errs = append(errs, fmt.Errorf("front: max-variables-bytes (%d) must not exceed max-body-bytes (%d)", c.MaxVariablesBytes, c.MaxBodyBytes))
	}
	for _, o := range c.CORSAllowedOrigins {
		if err := checkOriginPattern(o); err != nil {
			errs = append(errs, fmt.Errorf("front: cors-allowed-origins: %w", err))
		}
		if o == "*" && c.CORSAllowCredentials {
			errs = append(errs, errors.New("front: cors-allowed-origins \"*\" cannot be combined with cors-allow-credentials"))
		}
	}
	for _, h := range c.PropagateHeaders {
		if !validHeaderName(h) {
			errs = append(errs, fmt.Errorf("front: propagate-headers: %q is not a header name", h))
		}
	}
	for _, h := range c.CORSAllowedHeaders {
		if !validHeaderName(h) {
			errs = append(errs, fmt.Errorf("front: cors-allowed-headers: invalid header name %q", h))
		}
	}
	for _, h := range c.CSRFRequiredHeaders {
		if !validHeaderName(h) {
			errs = append(errs, fmt.Errorf("front: csrf-required-headers: invalid header name %q", h))
		}
	}
	if c.CSRFPrevention && len(c.CSRFRequiredHeaders) == 0 {
		errs = append(errs, errors.New("front: csrf-required-headers must name at least one header when csrf-prevention is on"))
	}
	if c.CORSMaxAge < 0 {
		errs = append(errs, fmt.Errorf("front: cors-max-age must not be negative, got %s", c.CORSMaxAge))
	}
	durations := []struct {
		name string
		d    time.Duration
	}{
		{"request-timeout", c.RequestTimeout},
		{"read-header-timeout", c.ReadHeaderTimeout},
		{"read-timeout", c.ReadTimeout},
		{"write-timeout", c.WriteTimeout},
		{"idle-timeout", c.IdleTimeout},
	}
	for _, d := range durations {
		if d.d <= 0 {
			errs = append(errs, fmt.Errorf("front: %s must be positive, got %s", d.name, d.d))
		}
	}
	switch c.PersistedDocumentsMode {
	case DocumentsAllow:
	case DocumentsSafelist, DocumentsRequireID:
		if c.PersistedDocuments == "" {
			errs = append(errs, fmt.Errorf("front: persisted-documents-mode %s needs a list (persisted-documents)", c.PersistedDocumentsMode))
		}
	default:
		errs = append(errs, fmt.Errorf("front: persisted-documents-mode must be %s, %s or %s, got %q", DocumentsAllow, DocumentsSafelist, DocumentsRequireID, c.PersistedDocumentsMode))
	}
	if c.RateLimit < 0 || math.IsNaN(c.RateLimit) || math.IsInf(c.RateLimit, 0) {
		errs = append(errs, fmt.Errorf("front: rate-limit must be 0 (off) or a positive number of operations per second, got %v", c.RateLimit))
	}
	if c.RateLimit > 0 {
		positive("rate-limit-clients", int64(c.RateLimitClients))
		if c.RateLimitBurst < max(1, c.MaxBatchSize) {
			errs = append(errs, fmt.Errorf("front: rate-limit-burst (%d) must be at least 1 and at least max-batch-size (%d)", c.RateLimitBurst, c.MaxBatchSize))
		}
	}
	if c.RateLimit > 0 || c.MaxSubscriptionsPerClient > 0 { // both tell clients apart by it
		if err := checkRateLimitKey(c.RateLimitKey); err != nil {
			errs = append(errs, fmt.Errorf("front: rate-limit-key %w", err))
		}
	}
	if c.MaxSubscriptions < 0 {
		errs = append(errs, fmt.Errorf("front: max-subscriptions must be 0 (no bound) or positive, got %d", c.MaxSubscriptions))
	}
	if c.MaxSubscriptionsPerClient < 0 {
		errs = append(errs, fmt.Errorf("front: max-subscriptions-per-client must be 0 (no bound) or positive, got %d", c.MaxSubscriptionsPerClient))
	}
	if c.CompressionMinBytes < 0 {
		errs = append(errs, fmt.Errorf("front: compression-min-bytes must not be negative, got %d", c.CompressionMinBytes))
	}
	if c.WriteTimeout > 0 && c.RequestTimeout > 0 && c.WriteTimeout <= c.RequestTimeout {
		errs = append(errs, fmt.Errorf("front: write-timeout (%s) must exceed request-timeout (%s)", c.WriteTimeout, c.RequestTimeout))
	}
	return errors.Join(errs...)
}

// RegisterFlags binds every setting to a kebab-case flag on fs, with the current values of c
// as defaults; upper-snake-casing a flag's name gives its environment variable
// (-max-depth ↔ MAX_DEPTH). List settings take comma-separated values.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.Int64Var(&c.MaxBodyBytes, "max-body-bytes", c.MaxBodyBytes, "largest request body in bytes (413 BODY_TOO_LARGE)")
	fs.IntVar(&c.MaxURLBytes, "max-url-bytes", c.MaxURLBytes, "longest request target in bytes (414 URL_TOO_LONG)")
	fs.IntVar(&c.MaxHeaderBytes, "max-header-bytes", c.MaxHeaderBytes, "largest request line and headers in bytes (431 HEADERS_TOO_LARGE)")
	fs.IntVar(&c.MaxTokens, "max-tokens", c.MaxTokens, "most lexical tokens in a query (TOKEN_LIMIT_EXCEEDED)")
	fs.IntVar(&c.MaxDepth, "max-depth", c.MaxDepth, "deepest field nesting, introspection excluded (MAX_DEPTH_EXCEEDED)")
	fs.IntVar(&c.MaxAliases, "max-aliases", c.MaxAliases, "most aliased fields in an operation (MAX_ALIASES_EXCEEDED)")
	fs.IntVar(&c.MaxRootFields, "max-root-fields", c.MaxRootFields, "most root fields in an operation (MAX_ROOT_FIELDS_EXCEEDED)")
	fs.IntVar(&c.MaxFields, "max-fields", c.MaxFields, "most fields in an operation, fragments expanded (MAX_FIELDS_EXCEEDED)")
	fs.IntVar(&c.MaxDirectivesPerField, "max-directives-per-field", c.MaxDirectivesPerField, "most directives on one field or fragment (MAX_DIRECTIVES_EXCEEDED)")
	fs.IntVar(&c.MaxCost, "max-cost", c.MaxCost, "highest list-aware estimated cost of an operation (COST_LIMIT_EXCEEDED)")
	fs.IntVar(&c.DefaultListSize, "default-list-size", c.DefaultListSize, "list size assumed by the cost estimate when no first/last argument gives one")
	fs.IntVar(&c.MaxBatchSize, "max-batch-size", c.MaxBatchSize, "most operations in a batch (array) request; 0 turns batching off")
	fs.IntVar(&c.MaxVariablesBytes, "max-variables-bytes", c.MaxVariablesBytes, "largest variables object of an operation in bytes (VARIABLES_TOO_LARGE)")
	fs.IntVar(&c.MaxValidationErrors, "max-validation-errors", c.MaxValidationErrors, "most validation errors reported for one operation (1-100)")
	fs.BoolVar(&c.APQ, "apq", c.APQ, "accept automatic persisted queries (extensions.persistedQuery)")
	fs.IntVar(&c.APQCacheSize, "apq-cache-size", c.APQCacheSize, "most queries the persisted query store holds")
	fs.Int64Var(&c.APQCacheBytes, "apq-cache-bytes", c.APQCacheBytes, "most bytes of query text the persisted query store holds")
	fs.IntVar(&c.DocumentCacheSize, "document-cache-size", c.DocumentCacheSize, "most parsed and validated documents cached; 0 turns the cache off")
	fs.Int64Var(&c.DocumentCacheBytes, "document-cache-bytes", c.DocumentCacheBytes, "approximate memory bound of the document cache in bytes")
	fs.BoolVar(&c.Introspection, "introspection", c.Introspection, "allow __schema and __type queries")
	fs.BoolVar(&c.Playground, "playground", c.Playground, "serve GraphiQL at /")
	fs.StringVar(&c.PlaygroundDir, "playground-dir", c.PlaygroundDir, "serve GraphiQL's files from this directory instead of the embedded ones")
	fs.Var((*listFlag)(&c.CORSAllowedOrigins), "cors-allowed-origins", "comma-separated origins allowed for CORS; a port of * matches any port")
	fs.Var((*listFlag)(&c.CORSAllowedHeaders), "cors-allowed-headers", "comma-separated request headers allowed for CORS")
	fs.Var((*listFlag)(&c.PropagateHeaders), "propagate-headers", "comma-separated client request headers forwarded to the subgraphs (besides X-Request-Id, traceparent, tracestate and, on mutations, Idempotency-Key)")
	fs.BoolVar(&c.CORSAllowCredentials, "cors-allow-credentials", c.CORSAllowCredentials, "allow credentials on cross-origin requests")
	fs.DurationVar(&c.CORSMaxAge, "cors-max-age", c.CORSMaxAge, "how long browsers may cache a preflight answer")
	fs.BoolVar(&c.CSRFPrevention, "csrf-prevention", c.CSRFPrevention, "refuse POST requests a browser could send without a preflight")
	fs.Var((*listFlag)(&c.CSRFRequiredHeaders), "csrf-required-headers", "comma-separated headers that mark a request as preflighted")
	fs.DurationVar(&c.RequestTimeout, "request-timeout", c.RequestTimeout, "deadline for handling one request, execution included")
	fs.DurationVar(&c.ReadHeaderTimeout, "read-header-timeout", c.ReadHeaderTimeout, "deadline for reading request headers")
	fs.DurationVar(&c.ReadTimeout, "read-timeout", c.ReadTimeout, "deadline for reading a whole request")
	fs.DurationVar(&c.WriteTimeout, "write-timeout", c.WriteTimeout, "deadline for writing a response; must exceed request-timeout")
	fs.DurationVar(&c.IdleTimeout, "idle-timeout", c.IdleTimeout, "how long an idle keep-alive connection is kept")
	fs.BoolVar(&c.Compression, "compression", c.Compression, "compress responses with zstd or gzip when the client accepts it, and take gzip request bodies")
	fs.IntVar(&c.CompressionMinBytes, "compression-min-bytes", c.CompressionMinBytes, "smallest response that is compressed, in bytes")
	fs.IntVar(&c.MaxSubscriptions, "max-subscriptions", c.MaxSubscriptions, "subscriptions streamed at once (SUBSCRIPTION_LIMIT_EXCEEDED past it); 0: no bound")
	fs.IntVar(&c.MaxSubscriptionsPerClient, "max-subscriptions-per-client", c.MaxSubscriptionsPerClient, "subscriptions one client (token subject, else address) streams at once (SUBSCRIPTION_LIMIT_EXCEEDED past it); 0: no bound")
	fs.BoolVar(&c.ExposeQueryPlan, "expose-query-plan", c.ExposeQueryPlan, "answer X-Include-Query-Plan: true with the operation's plan in extensions.queryPlan (development)")
	fs.Float64Var(&c.RateLimit, "rate-limit", c.RateLimit, "operations per second each client may run on average (429 REQUEST_RATE_LIMITED); 0: off")
	fs.IntVar(&c.RateLimitBurst, "rate-limit-burst", c.RateLimitBurst, "operations a client may run at once; at least max-batch-size")
	fs.StringVar(&c.RateLimitKey, "rate-limit-key", c.RateLimitKey, "who a client is: remote-addr, subject (the token's) or header:NAME (set by a trusted proxy)")
	fs.IntVar(&c.RateLimitClients, "rate-limit-clients", c.RateLimitClients, "clients whose buckets are kept (LRU)")
	fs.StringVar(&c.PersistedDocuments, "persisted-documents", c.PersistedDocuments, "file of the clients' operations by id: an Apollo persisted query manifest or a JSON object of id to document")
	fs.StringVar(&c.PersistedDocumentsMode, "persisted-documents-mode", c.PersistedDocumentsMode, "what an operation sent as text gets with a list: allow (runs), safelist (runs only if listed) or require-id (refused)")
}

// HardMaxHeaderBytes is the header limit of the http.Server that HTTPServer builds. It is
// far above MaxHeaderBytes so that the front, not net/http, refuses large headers and URLs,
// with a GraphQL JSON error; only a request beyond this ceiling (which net/http reads with
// about 4 KiB of slack) gets net/http's own plain-text 431 and a closed connection.
const HardMaxHeaderBytes = 1 << 20

// HTTPServer returns an http.Server serving h with the configured timeouts and the header
// ceiling HardMaxHeaderBytes. The caller sets Addr (or calls Serve with its own listener) and
// shuts it down.
func (c Config) HTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: c.ReadHeaderTimeout,
		ReadTimeout:       c.ReadTimeout,
		WriteTimeout:      c.WriteTimeout,
		IdleTimeout:       c.IdleTimeout,
		MaxHeaderBytes:    HardMaxHeaderBytes,
	}
}

// listFlag is a flag.Value holding a comma-separated list; setting it replaces the default.
type listFlag []string

func (l *listFlag) String() string {
	if l == nil {
		return ""
	}
	return strings.Join(*l, ",")
}

func (l *listFlag) Set(s string) error {
	var out []string
	for part := range strings.SplitSeq(s, ",") {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, p)
		}
	}
	*l = out
	return nil
}

// checkOriginPattern reports whether o is `*`, an origin, or an origin with port `*`.
func checkOriginPattern(o string) error {
	if o == "*" {
		return nil
	}
	u, err := url.Parse(strings.Replace(o, ":*", ":0", 1))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("invalid origin %q: want scheme://host[:port] with an optional port of *", o)
	}
	return nil
}

func validHeaderName(h string) bool {
	if h == "" {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}
