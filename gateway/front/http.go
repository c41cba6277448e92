package front

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/fedgraph/fedgraph/internal/errcode"
	"github.com/fedgraph/fedgraph/internal/jsonesc"
	"github.com/valyala/fastjson"
)

// rawRequest is one operation's parameters as the client sent them, still undecoded. A nil
// field was absent or null.
type rawRequest struct {
	query         json.RawMessage
	operationName json.RawMessage
	variables     json.RawMessage
	extensions    json.RawMessage
	documentID    json.RawMessage
	// queryText, operationNameText and documentIDText hold those parameters already
	// decoded when they were JSON strings; decodedVariables the variables when they were
	// an object.
	queryText, operationNameText, documentIDText *string
	decodedVariables                             map[string]any
	// invalid is set for a batch element that is not a JSON object.
	invalid bool
}

// cors applies the CORS rules and reports whether the request was a preflight (or another
// OPTIONS request) that has been answered.
func (h *handler) cors(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	allowed := origin != "" && h.origins.match(origin)
	if allowed {
		w.Header().Set("Access-Control-Allow-Origin", origin)
		if h.cfg.CORSAllowCredentials {
			w.Header().Set("Access-Control-Allow-Credentials", "true")
		}
	}
	if r.Method != http.MethodOptions {
		return false
	}
	if origin == "" || r.Header.Get("Access-Control-Request-Method") == "" {
		w.Header().Set("Allow", "GET, POST, OPTIONS")
		w.WriteHeader(http.StatusNoContent)
		return true
	}
	w.Header().Add("Vary", "Access-Control-Request-Method")
	w.Header().Add("Vary", "Access-Control-Request-Headers")
	if !allowed {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, "origin not allowed\n")
		return true
	}
	w.Header().Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
	if h.allowHdrs != "" {
		w.Header().Set("Access-Control-Allow-Headers", h.allowHdrs)
	}
	if h.cfg.CORSMaxAge > 0 {
		w.Header().Set("Access-Control-Max-Age", strconv.Itoa(int(h.cfg.CORSMaxAge.Seconds())))
	}
	w.WriteHeader(http.StatusNoContent)
	return true
}

// originMatcher matches origins against the configured patterns.
type originMatcher struct {
	any      bool
	exact    map[string]bool
	anyPorts map[string]bool // scheme://host of patterns whose port is *
}

func newOriginMatcher(patterns []string) originMatcher {
	m := originMatcher{exact: map[string]bool{}, anyPorts: map[string]bool{}}
	for _, p := range patterns {
		p = strings.ToLower(p)
		switch {
		case p == "*":
			m.any = true
		case strings.HasSuffix(p, ":*"):
			m.anyPorts[strings.TrimSuffix(p, ":*")] = true
		default:
			m.exact[p] = true
		}
	}
	return m
}

func (m originMatcher) match(origin string) bool {
	if m.any {
		return true
	}
	origin = strings.ToLower(origin)
	if m.exact[origin] {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.User != nil {
		return false
	}
	if p := u.Port(); p != "" {
		if _, err := strconv.ParseUint(p, 10, 16); err != nil {
			return false
		}
	}
	host := u.Hostname()
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return m.anyPorts[u.Scheme+"://"+host]
}

// negotiate picks the response media type from the Accept header values: the acceptable type
// with the higher q-value; on a tie, application/graphql-response+json when the client named
// it and application/json otherwise (so */* and a missing Accept get application/json, as the
// spec asks of servers until its watershed).
func negotiate(values []string) (string, bool) {
	header := strings.TrimSpace(strings.Join(values, ","))
	switch header { // what nearly every client sends, without parsing it
	case "", mediaJSON:
		return mediaJSON, true
	case mediaGraphQLResponse:
		return mediaGraphQLResponse, true
	}
	type match struct {
		q           float64
		specificity int // 3 exact, 2 type/*, 1 */*, 0 none
	}
	var gr, js match
	for part := range strings.SplitSeq(header, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if s, ok := params["q"]; ok {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil || v < 0 || v > 1 {
				continue
			}
			q = v
		}
		consider := func(m *match, target string) {
			spec := 0
			switch mt {
			case target:
				spec = 3
			case "application/*":
				spec = 2
			case "*/*":
				spec = 1
			}
			if spec > m.specificity {
				*m = match{q: q, specificity: spec}
			}
		}
		consider(&gr, mediaGraphQLResponse)
		consider(&js, mediaJSON)
	}
	switch {
	case gr.specificity == 0 && js.specificity == 0, gr.q <= 0 && js.q <= 0:
		return "", false
	case gr.q > js.q:
		return mediaGraphQLResponse, true
	case js.q > gr.q:
		return mediaJSON, true
	case gr.specificity == 3 && js.specificity < 3:
		return mediaGraphQLResponse, true
	case gr.specificity == 3 && js.specificity == 3:
		return mediaGraphQLResponse, true
	default:
		return mediaJSON, true
	}
}

// decodeGET reads the operation from the URL's query string.
func (h *handler) decodeGET(r *http.Request) ([]rawRequest, *failure) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, newFailure(http.StatusBadRequest, errcode.BadRequest, "The query string is malformed.")
	}
	for _, vs := range q {
		for _, v := range vs {
			if !utf8.ValidString(v) {
				return nil, newFailure(http.StatusBadRequest, errcode.BadRequest, "The query string is not valid utf-8.")
			}
		}
	}
	var req rawRequest
	if v, ok := first(q, "query"); ok {
		b, _ := json.Marshal(v)
		req.query = b
	}
	if v, ok := first(q, "operationName"); ok && v != "" {
		b, _ := json.Marshal(v)
		req.operationName = b
	}
	if v, ok := first(q, "documentId"); ok {
		req.documentID, req.documentIDText = json.RawMessage(`""`), &v
	}
	for _, p := range []struct {
		name string
		dst  *json.RawMessage
	}{{"variables", &req.variables}, {"extensions", &req.extensions}} {
		v, ok := first(q, p.name)
		if !ok || v == "" {
			continue
		}
		if p.name == "variables" && len(v) > h.cfg.MaxVariablesBytes {
			return nil, variablesTooLarge(h.cfg.MaxVariablesBytes)
		}
		if !json.Valid([]byte(v)) {
			return nil, newFailure(http.StatusBadRequest, errcode.InvalidJSON,
				fmt.Sprintf("The %s parameter is not valid JSON.", p.name))
		}
		*p.dst = json.RawMessage(v)
	}
	return []rawRequest{req}, nil
}

func first(q url.Values, key string) (string, bool) {
	vs, ok := q[key]
	if !ok || len(vs) == 0 {
		return "", false
	}
	return vs[0], true
}

// decodePOST checks CSRF and the content type, reads the body within its limit and splits it
// into operations.
func (h *handler) decodePOST(w http.ResponseWriter, r *http.Request) ([]rawRequest, bool, *failure) {
	ct := r.Header.Get("Content-Type")
	mt, params, err := mediaJSON, map[string]string(nil), error(nil)
	if ct != mediaJSON { // the common case needs no parsing
		mt, params, err = mime.ParseMediaType(ct)
	}
	if ct == "" {
		mt, err = "", nil
	}
	if h.cfg.CSRFPrevention && err == nil && isSimple(mt) && !h.hasPreflightHeader(r) {
		return nil, false, newFailure(http.StatusBadRequest, errcode.CSRFPrevented,
			"This request has been blocked as a potential Cross-Site Request Forgery (CSRF): send it with Content-Type: application/json, or with a non-empty "+
				strings.Join(h.csrfHdrs, " or ")+" header.")
	}
	if err != nil || mt != mediaJSON {
		return nil, false, newFailure(http.StatusUnsupportedMediaType, errcode.UnsupportedMediaType,
			"Content-Type must be application/json.")
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8") {
		return nil, false, newFailure(http.StatusUnsupportedMediaType, errcode.UnsupportedMediaType,
			"The request body must be encoded as utf-8.")
	}
	if f := h.checkContentEncoding(w, r); f != nil {
		return nil, false, f
	}
	tooLarge := func() *failure {
		return newFailure(http.StatusRequestEntityTooLarge, errcode.BodyTooLarge,
			fmt.Sprintf("The request body is larger than %d bytes.", h.cfg.MaxBodyBytes))
	}
	if r.ContentLength > h.cfg.MaxBodyBytes {
		return nil, false, tooLarge()
	}
	body, err := readBody(w, r, h.cfg.MaxBodyBytes)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, false, tooLarge()
		}
		h.logger.DebugContext(r.Context(), "front: read body", "error", err)
		return nil, false, newFailure(http.StatusBadRequest, errcode.BadRequest, "The request body could not be read.")
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, false, newFailure(http.StatusBadRequest, errcode.BadRequest, "The request body is empty.")
	}
	if !utf8.Valid(body) {
		return nil, false, newFailure(http.StatusBadRequest, errcode.InvalidJSON, "The request body is not valid utf-8.")
	}
	if !json.Valid(body) {
		return nil, false, newFailure(http.StatusBadRequest, errcode.InvalidJSON, "The request body is not valid JSON.")
	}
	// One meaning for a string at every hop: fastjson keeps a lone surrogate escape
	// (\ud800) as text, where encoding/json (the subgraphs', and this front's for GET)
	// reads U+FFFD. Rewritten in place, before anything reads the body, every string of
	// the request (query, variables, names, extensions, document ids) means what
	// encoding/json reads.
	jsonesc.ReplaceLoneSurrogates(body)
	switch body[0] {
	case '{':
		req, ok := h.decodeObject(body, h.cfg.MaxVariablesBytes)
		if !ok {
			return nil, false, newFailure(http.StatusBadRequest, errcode.InvalidJSON, "The request body is not valid JSON.")
		}
		return []rawRequest{req}, false, nil
	case '[':
		// A batch is this front's extension: a JSON array is not a GraphQL-over-HTTP request,
		// so a batch refused as a whole gets 400 under either media type.
		if h.cfg.MaxBatchSize == 0 {
			return nil, false, newFailure(http.StatusBadRequest, errcode.BatchingDisabled, "Batched requests are not supported.")
		}
		var elems []json.RawMessage
		if err := json.Unmarshal(body, &elems); err != nil {
			return nil, false, newFailure(http.StatusBadRequest, errcode.InvalidJSON, "The request body is not valid JSON.")
		}
		if len(elems) == 0 {
			return nil, false, newFailure(http.StatusBadRequest, errcode.BadRequest, "The batch is empty.")
		}
		if len(elems) > h.cfg.MaxBatchSize {
			return nil, false, newFailure(http.StatusBadRequest, errcode.BatchLimitExceeded,
				fmt.Sprintf("A batch may hold at most %d operations.", h.cfg.MaxBatchSize))
		}
		reqs := make([]rawRequest, len(elems))
		for i, e := range elems {
			req, ok := h.decodeObject(e, h.cfg.MaxVariablesBytes)
			if !ok {
				req = rawRequest{invalid: true}
			}
			reqs[i] = req
		}
		return reqs, true, nil
	default:
		return nil, false, newFailure(http.StatusBadRequest, errcode.BadRequest, "The request body must be a JSON object or array.")
	}
}

// checkContentEncoding refuses a body in a content coding the front cannot read, with 415
// and the codings it can read in Accept-Encoding (RFC 9110, 15.5.16). With compression on,
// a gzip body has been decoded and its Content-Encoding removed before the front sees it
// (gzhttp), so any coding left here is one it does not take.
func (h *handler) checkContentEncoding(w http.ResponseWriter, r *http.Request) *failure {
	for _, v := range r.Header.Values("Content-Encoding") {
		for _, coding := range strings.Split(v, ",") {
			if c := strings.TrimSpace(coding); c == "" || strings.EqualFold(c, "identity") {
				continue
			}
			accept, msg := "identity", "The request body must not be compressed."
			if h.cfg.Compression {
				accept, msg = "gzip", "The request body must be uncompressed or gzip (Content-Encoding: gzip)."
			}
			w.Header().Set("Accept-Encoding", accept)
			return newFailure(http.StatusUnsupportedMediaType, errcode.UnsupportedContentEncoding, msg)
		}
	}
	return nil
}

// isSimple reports whether a browser may send a POST with this media type cross-site without
// a preflight (a missing Content-Type included).
func isSimple(mt string) bool {
	switch mt {
	case "", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data":
		return true
	}
	return false
}

func (h *handler) hasPreflightHeader(r *http.Request) bool {
	for _, name := range h.csrfHdrs {
		if r.Header.Get(name) != "" {
			return true
		}
	}
	return false
}

// readBody reads the body through http.MaxBytesReader, so that a body over limit costs at
// most limit+1 bytes whatever its declared length.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	rd := http.MaxBytesReader(w, r.Body, limit)
	defer rd.Close()
	size := r.ContentLength
	if size < 0 || size > limit {
		size = 512
	}
	buf := bytes.NewBuffer(make([]byte, 0, size+1))
	_, err := buf.ReadFrom(rd)
	return buf.Bytes(), err
}

// decodeObject splits a JSON object into the request parameters, matching keys exactly (the
// encoding/json struct decoder would match them case-insensitively; for a key given twice,
// the last counts). body is valid JSON. It parses once: a query and operation name that are
// strings, and variables that are an object, come out decoded (variables' numbers as
// json.Number, as coercion expects); anything else stays raw for params to refuse.
func (h *handler) decodeObject(body []byte, maxVariables int) (rawRequest, bool) {
	if len(body) == 0 || body[0] != '{' {
		return rawRequest{}, false
	}
	p := h.bodyParsers.Get()
	defer h.bodyParsers.Put(p)
	v, err := p.ParseBytes(body)
	if err != nil {
		return rawRequest{}, false
	}
	o, err := v.Object()
	if err != nil {
		return rawRequest{}, false
	}
	var req rawRequest
	o.Visit(func(key []byte, v *fastjson.Value) {
		null := v.Type() == fastjson.TypeNull // null is absent, and a later null wins
		switch string(key) {
		case "query":
			req.query, req.queryText = rawOrString(v, null)
		case "operationName":
			req.operationName, req.operationNameText = rawOrString(v, null)
		case "documentId":
			req.documentID, req.documentIDText = rawOrString(v, null)
		case "variables":
			req.variables, req.decodedVariables = nil, nil
			if !null {
				req.variables = v.MarshalTo(nil)
			}
			if v.Type() == fastjson.TypeObject && len(req.variables) <= maxVariables {
				req.decodedVariables, _ = goValue(v).(map[string]any)
			}
		case "extensions":
			req.extensions = nil
			if !null {
				req.extensions = v.MarshalTo(nil)
			}
		}
	})
	return req, true
}

// name is the request's operationName when it was sent as a JSON string, for metrics.
func (req rawRequest) name() string {
	if req.operationNameText != nil {
		return *req.operationNameText
	}
	return ""
}

// rawOrString returns a JSON string's text as decoded, any other value raw, and nothing
// for null.
func rawOrString(v *fastjson.Value, null bool) (json.RawMessage, *string) {
	if null {
		return nil, nil
	}
	if v.Type() == fastjson.TypeString {
		s := string(v.GetStringBytes())
		return json.RawMessage(`""`), &s
	}
	return v.MarshalTo(nil), nil
}

// goValue converts a parsed JSON value to the Go values encoding/json's UseNumber
// decoding gives: map[string]any, []any, string, json.Number, bool, nil.
func goValue(v *fastjson.Value) any {
	switch v.Type() {
	case fastjson.TypeObject:
		o, _ := v.Object()
		m := make(map[string]any, o.Len())
		o.Visit(func(k []byte, x *fastjson.Value) { m[string(k)] = goValue(x) })
		return m
	case fastjson.TypeArray:
		items, _ := v.Array()
		out := make([]any, len(items))
		for i, x := range items {
			out[i] = goValue(x)
		}
		return out
	case fastjson.TypeString:
		return string(v.GetStringBytes())
	case fastjson.TypeNumber:
		return json.Number(v.MarshalTo(nil))
	case fastjson.TypeTrue:
		return true
	case fastjson.TypeFalse:
		return false
	}
	return nil
}
