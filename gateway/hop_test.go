package gateway_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
)

// hop stands between the gateway and one subgraph in the test graph: it counts the
// GraphQL requests the subgraph gets, logs them in order, and can replace the
// subgraph's behaviour with a fault. Everything still crosses real HTTP.
type hop struct {
	name     string
	next     http.Handler
	log      *requestLog
	requests atomic.Int64
	fault    atomic.Pointer[fault]
	// down makes the subgraph refuse everything, its SDL and pings too, as a stopped
	// process does (the connection is closed at once).
	down atomic.Bool
	// sdl, when set, is served as the subgraph's SDL: a schema change.
	sdl atomic.Pointer[string]
}

// fault answers a GraphQL request instead of the subgraph. body is the request body.
type fault func(w http.ResponseWriter, r *http.Request, body []byte)

// requestLog records which subgraph got each GraphQL request, in arrival order, and
// the request's headers.
type requestLog struct {
	mu      sync.Mutex
	names   []string
	headers []http.Header
}

func (l *requestLog) add(name string, h http.Header) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.names = append(l.names, name)
	l.headers = append(l.headers, h.Clone())
}

// takeHeaders returns the headers logged since the last take, with their subgraphs.
func (l *requestLog) takeHeaders() ([]string, []http.Header) {
	l.mu.Lock()
	defer l.mu.Unlock()
	names, hs := l.names, l.headers
	l.names, l.headers = nil, nil
	return names, hs
}

// take returns the names logged since the last take.
func (l *requestLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.names
	l.names, l.headers = nil, nil
	return out
}

func (h *hop) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.down.Load() {
		hangUp(w, r, nil)
		return
	}
	if sdl := h.sdl.Load(); sdl != nil && r.URL.Path == "/schema.graphql" {
		io.WriteString(w, *sdl)
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/graphql" {
		h.next.ServeHTTP(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	if !h.isPing(body) {
		h.requests.Add(1)
		h.log.add(h.name, r.Header)
	}
	if f := h.fault.Load(); f != nil {
		(*f)(w, r, body)
		return
	}
	h.next.ServeHTTP(w, withBody(r, body))
}

// isPing reports the gateway's readiness probe, which tests do not count.
func (h *hop) isPing(body []byte) bool {
	return bytes.Equal(body, []byte(`{"query":"{ __typename }"}`))
}

func withBody(r *http.Request, body []byte) *http.Request {
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	return r
}

// inject makes the subgraph behind h answer with f until the returned func is called.
func (h *hop) inject(f fault) (restore func()) {
	h.fault.Store(&f)
	return func() { h.fault.Store(nil) }
}

// failFirst is a fault that hangs up on the first n requests, then lets them through.
func failFirst(n int64, next http.Handler) fault {
	var seen atomic.Int64
	return func(w http.ResponseWriter, r *http.Request, body []byte) {
		if seen.Add(1) <= n {
			hangUp(w, r, body)
			return
		}
		next.ServeHTTP(w, withBody(r, body))
	}
}

// Faults a subgraph can show.
var (
	// hangUp closes the connection without answering, as a crashed process does.
	hangUp fault = func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	}
	// freeze never answers; the gateway's subgraph timeout must end the request.
	freeze fault = func(_ http.ResponseWriter, r *http.Request, _ []byte) {
		<-r.Context().Done()
	}
)

// answer is a fault that answers with a fixed status, content type and body.
func answer(status int, contentType, body string) fault {
	return func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// errorPerLookup is a fault that answers every aliased lookup of a batched request with
// null and the same error, as a subgraph whose store is down does.
func errorPerLookup(message, code string) fault {
	return func(w http.ResponseWriter, _ *http.Request, body []byte) {
		var req struct {
			Variables map[string]any `json:"variables"`
		}
		json.Unmarshal(body, &req)
		data := map[string]any{}
		var errs []map[string]any
		for name := range req.Variables {
			if strings.HasPrefix(name, "_f") {
				data[name] = nil
				errs = append(errs, map[string]any{"message": message, "path": []string{name},
					"extensions": map[string]any{"code": code}})
			}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"data": data, "errors": errs})
	}
}
