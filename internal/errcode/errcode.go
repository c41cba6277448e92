// Package errcode declares every extensions.code the graph gives its clients: those of
// the gateway's front (gateway/front), of its executor and authorization (gateway), and
// of the subgraphs (subgraphs/subgraph). It is the only place a code is written; a
// client may match on them, and docs/api.md's error table lists exactly these, each
// with the status and meaning its doc comment gives (checked by TestDocsTable).
//
// Each constant's doc comment starts with its HTTP status in parentheses:
//
//   - a number is the status the front answers with under either media type (an
//     HTTP-level failure, or a request that is not a well-formed GraphQL-over-HTTP
//     request);
//   - "200/400" is a GraphQL request error: a well-formed request refused before
//     execution, answered 200 under application/json and 400 under
//     application/graphql-response+json, as GraphQL over HTTP says;
//   - "200, in errors" is a field's error, in a response that may carry data.
//
// A subgraph answers the limits it enforces on its own (MaxDepthExceeded,
// MaxFieldsExceeded, CostLimitExceeded) with 200, as gqlgen answers a user error; its
// other refusals with the statuses given here.
//
// The gateway reads the list to decide what of a subgraph's error a client sees: an
// error coded with one of these keeps its message, any other is replaced by one naming
// the subgraph (gateway/run.go, -expose-subgraph-errors).
package errcode

// Codes of requests refused as a whole, by the gateway's front or a subgraph. The
// PERSISTED_QUERY_ codes are those of Apollo's automatic persisted queries protocol:
// clients match NOT_FOUND and NOT_SUPPORTED (or their messages, PersistedQueryNotFound
// and PersistedQueryNotSupported) to decide whether to retry with the query text;
// HASH_MISMATCH is Apollo Router's name.
const (
	// BadRequest (400) refuses a request that is not a well-formed GraphQL-over-HTTP
	// request: parameters of the wrong type, no query, an empty batch, a body that
	// could not be read or does not decompress, documentId beside a query. A WebSocket
	// upgrade from an origin not allowed gets it with 403.
	BadRequest = "BAD_REQUEST"
	// InvalidJSON (400) refuses a body that is not JSON, or not UTF-8.
	InvalidJSON = "INVALID_JSON"
	// MethodNotAllowed (405) refuses a method other than GET and POST, and a mutation
	// or subscription sent with GET; the Allow header says what would do.
	MethodNotAllowed = "METHOD_NOT_ALLOWED"
	// NotAcceptable (406) refuses an Accept header that takes no media type the
	// front answers with.
	NotAcceptable = "NOT_ACCEPTABLE"
	// UnsupportedMediaType (415) refuses a POST body whose Content-Type is not
	// application/json.
	UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE"
	// UnsupportedContentEncoding (415) refuses a body compressed other than with gzip,
	// or compressed at all with -compression=false.
	UnsupportedContentEncoding = "UNSUPPORTED_CONTENT_ENCODING"
	// CSRFPrevented (400) refuses a POST a browser could send cross-site without a
	// preflight: a simple content type and none of -csrf-required-headers.
	CSRFPrevented = "CSRF_PREVENTED"
	// BodyTooLarge (413) refuses a body past -max-body-bytes, counted after
	// decompression (a subgraph: past its own -max-body-bytes).
	BodyTooLarge = "BODY_TOO_LARGE"
	// URLTooLong (414) refuses a URL past -max-url-bytes.
	URLTooLong = "URL_TOO_LONG"
	// HeadersTooLarge (431) refuses a request line and headers past -max-header-bytes.
	HeadersTooLarge = "HEADERS_TOO_LARGE"
	// TokenLimitExceeded (200/400) refuses a document of more than -max-tokens
	// tokens; the parser stops there.
	TokenLimitExceeded = "TOKEN_LIMIT_EXCEEDED"
	// MaxDepthExceeded (200/400) refuses an operation nested deeper than -max-depth,
	// fragments expanded, or three nested introspection list fields.
	MaxDepthExceeded = "MAX_DEPTH_EXCEEDED"
	// MaxAliasesExceeded (200/400) refuses more than -max-aliases aliases.
	MaxAliasesExceeded = "MAX_ALIASES_EXCEEDED"
	// MaxRootFieldsExceeded (200/400) refuses more than -max-root-fields root fields.
	MaxRootFieldsExceeded = "MAX_ROOT_FIELDS_EXCEEDED"
	// MaxFieldsExceeded (200/400) refuses more than -max-fields fields, fragments
	// expanded.
	MaxFieldsExceeded = "MAX_FIELDS_EXCEEDED"
	// MaxDirectivesExceeded (200/400) refuses a field with more than
	// -max-directives-per-field directives.
	MaxDirectivesExceeded = "MAX_DIRECTIVES_EXCEEDED"
	// CostLimitExceeded (200/400) refuses an operation whose cost passes -max-cost, or
	// that is too complex to plan; a subgraph's, one past its -max-complexity or
	// -max-representations.
	CostLimitExceeded = "COST_LIMIT_EXCEEDED"
	// BatchLimitExceeded (400) refuses a batch of more than -max-batch-size operations.
	BatchLimitExceeded = "BATCH_LIMIT_EXCEEDED"
	// BatchingDisabled (400) refuses a batch when -max-batch-size is 0.
	BatchingDisabled = "BATCHING_DISABLED"
	// VariablesTooLarge (200/400) refuses variables past -max-variables-bytes.
	VariablesTooLarge = "VARIABLES_TOO_LARGE"
	// ParseFailed (200/400) refuses a document that does not parse.
	ParseFailed = "GRAPHQL_PARSE_FAILED"
	// ValidationFailed (200/400) refuses a document that does not fit the schema.
	ValidationFailed = "GRAPHQL_VALIDATION_FAILED"
	// OperationResolutionFailure (200/400) refuses a document with no operation, or
	// none by the operationName given, or several and no operationName.
	OperationResolutionFailure = "OPERATION_RESOLUTION_FAILURE"
	// IntrospectionDisabled (200/400) refuses __schema and __type with
	// -introspection=false.
	IntrospectionDisabled = "INTROSPECTION_DISABLED"
	// SubscriptionsNotSupported (200/400) refuses a subscription the transport cannot
	// stream (a POST that accepts neither text/event-stream nor multipart), or one
	// the executor does not serve.
	SubscriptionsNotSupported = "SUBSCRIPTIONS_NOT_SUPPORTED"
	// SubscriptionLimitExceeded (200/400) refuses a subscription past
	// -max-subscriptions, the gateway's or one client's; a subgraph's bound gives it
	// as the subscription's error.
	SubscriptionLimitExceeded = "SUBSCRIPTION_LIMIT_EXCEEDED"
	// PersistedQueryNotSupported (200/400) answers any persisted query hash with
	// -apq=false; the client sends the query text instead.
	PersistedQueryNotSupported = "PERSISTED_QUERY_NOT_SUPPORTED"
	// PersistedQueryNotFound (200/400) answers a hash or documentId the gateway does
	// not know; with a hash, the client resends it with the query text.
	PersistedQueryNotFound = "PERSISTED_QUERY_NOT_FOUND"
	// PersistedQueryHashMismatch (400) refuses a hash that is not the query's SHA-256;
	// nothing is stored.
	PersistedQueryHashMismatch = "PERSISTED_QUERY_HASH_MISMATCH"
	// PersistedQueryVersionNotSupported (400) refuses a persistedQuery extension of a
	// version other than 1.
	PersistedQueryVersionNotSupported = "PERSISTED_QUERY_VERSION_NOT_SUPPORTED"
	// PersistedQueryInvalid (400) refuses a persistedQuery extension that is not an
	// object, has no numeric version, or a hash that is not 64 lowercase hex digits.
	PersistedQueryInvalid = "PERSISTED_QUERY_INVALID"
	// PersistedQueryNotInList (200/400) refuses, with -persisted-documents-mode
	// safelist, text that is no listed document's.
	PersistedQueryNotInList = "PERSISTED_QUERY_NOT_IN_LIST"
	// PersistedQueryIDRequired (200/400) refuses, with -persisted-documents-mode
	// require-id, any operation sent as text.
	PersistedQueryIDRequired = "PERSISTED_QUERY_ID_REQUIRED"
	// RequestTimeout (504) is a request not answered within -request-timeout (a
	// subgraph: its -request-timeout), execution included.
	RequestTimeout = "REQUEST_TIMEOUT"
	// RequestRateLimited (429) refuses a request past its client's -rate-limit bucket,
	// with Retry-After; nothing of it runs.
	RequestRateLimited = "REQUEST_RATE_LIMITED"
)

// Codes of a field's error, and of the refusals that are also field errors.
const (
	// BadUserInput (200, in errors) is invalid input: an argument the resolver
	// refuses, a malformed or foreign-type id, first outside 1..100, a cursor the
	// server did not issue for the list. A variable the front cannot coerce gets it as
	// a request error (200/400).
	BadUserInput = "BAD_USER_INPUT"
	// NotFound (200, in errors) is an update or delete of an id that names nothing.
	NotFound = "NOT_FOUND"
	// Conflict (200, in errors) refuses an update whose expectedVersion is not the
	// stored version.
	Conflict = "CONFLICT"
	// IdempotencyKeyReused (200, in errors) refuses a create whose idempotency key was
	// used with different input.
	IdempotencyKeyReused = "IDEMPOTENCY_KEY_REUSED"
	// Unauthenticated (200, in errors) is a field that needs a signed-in caller and
	// has none. A bearer token that is not valid gets it with 401, from the front or
	// a subgraph.
	Unauthenticated = "UNAUTHENTICATED"
	// Forbidden (200, in errors) is a field the caller's token does not allow: not the
	// caller's, and no admin scope.
	Forbidden = "FORBIDDEN"
	// UnauthorizedField (200, in errors) is a field the caller's token may not see
	// (@authenticated, @requiresScopes), removed by the gateway before planning.
	UnauthorizedField = "UNAUTHORIZED_FIELD_OR_TYPE"
	// ServiceUnavailable (200, in errors) is a subgraph's dependency that did not
	// answer: its Redis, or another subgraph it asks. Retrying later may succeed.
	ServiceUnavailable = "SERVICE_UNAVAILABLE"
	// SubgraphUnavailable (200, in errors) is a subgraph the gateway got no GraphQL
	// answer from (unreachable, timed out, garbled, or its breaker open); the error
	// names the subgraph, never its address. Before any subgraph has answered, the
	// gateway answers every request with it and 503.
	SubgraphUnavailable = "SUBGRAPH_UNAVAILABLE"
	// SubgraphResponseTooLarge (200, in errors) is a subgraph answer longer than the
	// gateway reads (-max-subgraph-response-bytes); the error names the subgraph.
	SubgraphResponseTooLarge = "SUBGRAPH_RESPONSE_TOO_LARGE"
	// ResponseTooLarge (200, in errors) is a subgraph's answer past its
	// -max-response-bytes: the request's work stopped, and its data is null.
	ResponseTooLarge = "RESPONSE_TOO_LARGE"
	// InternalServerError (200, in errors) is anything else. Its message says nothing
	// of the cause (that goes to the log); the gateway gives it to a subgraph error
	// whose message it does not pass on. A request whose handling panicked, or whose
	// executor returned no result, gets it from the front with 500.
	InternalServerError = "INTERNAL_SERVER_ERROR"
)

// Known reports whether code is one the graph documents for its clients: one of the
// codes above.
func Known(code string) bool {
	switch code {
	case BadRequest, InvalidJSON, MethodNotAllowed, NotAcceptable, UnsupportedMediaType,
		UnsupportedContentEncoding, CSRFPrevented, BodyTooLarge, URLTooLong, HeadersTooLarge,
		TokenLimitExceeded, MaxDepthExceeded, MaxAliasesExceeded, MaxRootFieldsExceeded,
		MaxFieldsExceeded, MaxDirectivesExceeded, CostLimitExceeded, BatchLimitExceeded,
		BatchingDisabled, VariablesTooLarge, ParseFailed, ValidationFailed,
		OperationResolutionFailure, IntrospectionDisabled, SubscriptionsNotSupported,
		SubscriptionLimitExceeded, PersistedQueryNotSupported, PersistedQueryNotFound,
		PersistedQueryHashMismatch, PersistedQueryVersionNotSupported, PersistedQueryInvalid,
		PersistedQueryNotInList, PersistedQueryIDRequired, RequestTimeout, RequestRateLimited,
		BadUserInput, NotFound, Conflict, IdempotencyKeyReused, Unauthenticated, Forbidden,
		UnauthorizedField, ServiceUnavailable, SubgraphUnavailable, SubgraphResponseTooLarge,
		ResponseTooLarge, InternalServerError:
		return true
	}
	return false
}
