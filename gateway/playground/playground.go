// Package playground serves GraphiQL with no internet access: the page, its scripts and its
// stylesheet all come from the gateway. The GraphiQL, React and ReactDOM bundles are not
// committed; `make web` (npm ci and npm run build in tools/playground, an npm package of
// GraphiQL and React alone) copies them into dist/, and they are embedded at build time.
// Without them the page answers 503 and says how to build them, and everything else still
// compiles and runs.
package playground

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed all:dist
var dist embed.FS

// Files are the names, in the assets directory, of the files the page loads, in load order.
// tools/playground/build.mjs writes exactly these.
func Files() []string {
	return []string{"react.production.min.js", "react-dom.production.min.js", "graphiql.min.js", "graphiql.min.css"}
}

// BuildCommand is what builds the assets, for messages.
const BuildCommand = "npm ci --prefix tools/playground && npm run --prefix tools/playground build (make web)"

// Assets returns the files embedded at build time (the dist directory). It is never nil;
// Available reports whether it holds the files.
func Assets() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		// fs.Sub fails only on an invalid name; "dist" is valid.
		panic(err)
	}
	return sub
}

// Available reports whether assets holds every file the page needs.
func Available(assets fs.FS) bool {
	if assets == nil {
		return false
	}
	for _, name := range Files() {
		if st, err := fs.Stat(assets, name); err != nil || st.IsDir() || st.Size() == 0 {
			return false
		}
	}
	return true
}

// initScript starts GraphiQL; it is a file of its own because the page's Content-Security-
// Policy allows no inline script.
const initScript = `(function () {
  var el = document.getElementById('graphiql');
  var fetcher = GraphiQL.createFetcher({ url: el.dataset.endpoint });
  var props = {
    fetcher: fetcher,
    defaultEditorToolsVisibility: true,
    shouldPersistHeaders: false
  };
  if (el.dataset.defaultHeaders) {
    props.defaultHeaders = el.dataset.defaultHeaders;
    props.defaultEditorToolsVisibility = 'headers';
  }
  ReactDOM.createRoot(el).render(React.createElement(GraphiQL, props));
})();
`

// contentSecurityPolicy lets the page load only what the gateway serves. GraphiQL's editor
// and its fonts need inline styles and data: URLs.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

const pageHTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>GraphiQL · fedgraph</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{{.Base}}graphiql.min.css">
<style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
<div id="graphiql" data-endpoint="{{.Endpoint}}"{{with .Headers}} data-default-headers="{{.}}"{{end}}>Loading GraphiQL…</div>
<script src="{{.Base}}react.production.min.js"></script>
<script src="{{.Base}}react-dom.production.min.js"></script>
<script src="{{.Base}}graphiql.min.js"></script>
<script src="{{.Base}}init.js"></script>
</body>
</html>
`

const missingHTML = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>GraphiQL is not built</title></head>
<body>
<h1>GraphiQL is not built</h1>
<p>The playground's files (GraphiQL, React) are not part of the repository. Build them with</p>
<pre>{{.Command}}</pre>
<p>and rebuild the gateway, or start it with <code>-playground-dir gateway/playground/dist</code>.
The GraphQL endpoint is <code>{{.Endpoint}}</code> and works without them.</p>
</body>
</html>
`

// handler serves the page and its files.
type handler struct {
	assets    fs.FS
	base      string
	available bool
	page      []byte
	missing   []byte
}

// New returns a handler that serves the GraphiQL page, talking to endpoint, for any path not
// under base, and the page's files (assets, see Files) under base, which must start and end
// with a slash. headers, when not empty, is the JSON object GraphiQL's headers editor
// starts with (development tokens; never set it in production, since every visitor of
// the page gets it). With a nil assets or one lacking files, the page is a 503 that says
// how to build them.
func New(assets fs.FS, endpoint, base, headers string) http.Handler {
	data := struct{ Endpoint, Base, Command, Headers string }{endpoint, base, BuildCommand, headers}
	var page, missing bytes.Buffer
	// Both templates are constant and their data are strings: they cannot fail.
	_ = template.Must(template.New("page").Parse(pageHTML)).Execute(&page, data)
	_ = template.Must(template.New("missing").Parse(missingHTML)).Execute(&missing, data)
	return &handler{
		assets:    assets,
		base:      base,
		available: Available(assets),
		page:      page.Bytes(),
		missing:   missing.Bytes(),
	}
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "no-referrer")
	if name, ok := strings.CutPrefix(r.URL.Path, h.base); ok {
		h.serveFile(w, r, name)
		return
	}
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Cache-Control", "no-cache")
	if !h.available {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write(h.missing)
		return
	}
	hdr.Set("Content-Security-Policy", contentSecurityPolicy)
	hdr.Set("X-Frame-Options", "DENY")
	_, _ = w.Write(h.page)
}

func (h *handler) serveFile(w http.ResponseWriter, r *http.Request, name string) {
	if name == "init.js" {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write([]byte(initScript))
		return
	}
	known := false
	for _, f := range Files() {
		known = known || f == name
	}
	if !known || !h.available {
		http.NotFound(w, r)
		return
	}
	switch path.Ext(name) {
	case ".js":
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	case ".css":
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	http.ServeFileFS(w, r, h.assets, name)
}
