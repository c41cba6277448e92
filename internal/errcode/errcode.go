// Package errcode lists the extensions.code values the graph documents for its clients:
// those of the gateway's front (gateway/front/response.go), of its executor and
// authorization (gateway/run.go, gateway/authz.go), and of the subgraphs
// (subgraphs/subgraph/errors.go, auth.go). A client may match on them; the README's
// error tables describe each.
//
// The gateway reads the list to decide what of a subgraph's error a client sees: an
// error coded with one of these keeps its message, any other is replaced by one naming
// the subgraph (gateway/run.go, -expose-subgraph-errors). The packages above still
// declare their own constants; they are to move here.
package errcode

// Codes of requests refused as a whole, by the gateway's front or a subgraph.
const (
	BadRequest                        = "BAD_REQUEST"
	InvalidJSON                       = "INVALID_JSON"
	MethodNotAllowed                  = "METHOD_NOT_ALLOWED"
	NotAcceptable                     = "NOT_ACCEPTABLE"
	UnsupportedMediaType              = "UNSUPPORTED_MEDIA_TYPE"
	UnsupportedContentEncoding        = "UNSUPPORTED_CONTENT_ENCODING"
	CSRFPrevented                     = "CSRF_PREVENTED"
	BodyTooLarge                      = "BODY_TOO_LARGE"
	URLTooLong                        = "URL_TOO_LONG"
	HeadersTooLarge                   = "HEADERS_TOO_LARGE"
	TokenLimitExceeded                = "TOKEN_LIMIT_EXCEEDED"
	MaxDepthExceeded                  = "MAX_DEPTH_EXCEEDED"
	MaxAliasesExceeded                = "MAX_ALIASES_EXCEEDED"
	MaxRootFieldsExceeded             = "MAX_ROOT_FIELDS_EXCEEDED"
	MaxFieldsExceeded                 = "MAX_FIELDS_EXCEEDED"
	MaxDirectivesExceeded             = "MAX_DIRECTIVES_EXCEEDED"
	CostLimitExceeded                 = "COST_LIMIT_EXCEEDED"
	BatchLimitExceeded                = "BATCH_LIMIT_EXCEEDED"
	BatchingDisabled                  = "BATCHING_DISABLED"
	VariablesTooLarge                 = "VARIABLES_TOO_LARGE"
	ParseFailed                       = "GRAPHQL_PARSE_FAILED"
	ValidationFailed                  = "GRAPHQL_VALIDATION_FAILED"
	OperationResolutionFailure        = "OPERATION_RESOLUTION_FAILURE"
	IntrospectionDisabled             = "INTROSPECTION_DISABLED"
	SubscriptionsNotSupported         = "SUBSCRIPTIONS_NOT_SUPPORTED"
	SubscriptionLimitExceeded         = "SUBSCRIPTION_LIMIT_EXCEEDED"
	PersistedQueryNotSupported        = "PERSISTED_QUERY_NOT_SUPPORTED"
	PersistedQueryNotFound            = "PERSISTED_QUERY_NOT_FOUND"
	PersistedQueryHashMismatch        = "PERSISTED_QUERY_HASH_MISMATCH"
	PersistedQueryVersionNotSupported = "PERSISTED_QUERY_VERSION_NOT_SUPPORTED"
	PersistedQueryInvalid             = "PERSISTED_QUERY_INVALID"
	PersistedQueryNotInList           = "PERSISTED_QUERY_NOT_IN_LIST"
	PersistedQueryIDRequired          = "PERSISTED_QUERY_ID_REQUIRED"
	RequestTimeout                    = "REQUEST_TIMEOUT"
	RequestRateLimited                = "REQUEST_RATE_LIMITED"
)

// Codes of a field's error.
const (
	BadUserInput = "BAD_USER_INPUT"
	NotFound     = "NOT_FOUND"
	// Conflict refuses an update whose expectedVersion is not the stored version.
	Conflict = "CONFLICT"
	// IdempotencyKeyReused refuses a create whose idempotency key was used with
	// different input.
	IdempotencyKeyReused = "IDEMPOTENCY_KEY_REUSED"
	Unauthenticated      = "UNAUTHENTICATED"
	Forbidden            = "FORBIDDEN"
	// UnauthorizedField is a field the caller's token may not see (@authenticated,
	// @requiresScopes), removed by the gateway before planning.
	UnauthorizedField = "UNAUTHORIZED_FIELD_OR_TYPE"
	// ServiceUnavailable is a subgraph's dependency that did not answer: its Redis, or
	// another subgraph it asks.
	ServiceUnavailable = "SERVICE_UNAVAILABLE"
	// SubgraphUnavailable is a subgraph the gateway got no GraphQL answer from.
	SubgraphUnavailable = "SUBGRAPH_UNAVAILABLE"
	// SubgraphResponseTooLarge is a subgraph answer longer than the gateway reads
	// (-max-subgraph-response-bytes).
	SubgraphResponseTooLarge = "SUBGRAPH_RESPONSE_TOO_LARGE"
	// ResponseTooLarge is a subgraph's answer past its -max-response-bytes: the
	// request's work stopped, and its data is null.
	ResponseTooLarge = "RESPONSE_TOO_LARGE"
	// InternalServerError is anything else. Its message says nothing of the cause
	// (that goes to the log); the gateway gives it to a subgraph error whose message it
	// does not pass on.
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
