package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/fedgraph/fedgraph/internal/corpus"
	"github.com/fedgraph/fedgraph/internal/graphqltest"
	"github.com/fedgraph/fedgraph/internal/redistest"
)

// TestCorpus runs the corpus (internal/corpus) through our gateway and checks every
// answer, data and errors byte for byte, against testdata/corpus.golden (`go test
// ./gateway -run Corpus -update` rewrites it, to be reviewed). Each query also goes to
// plain nautilus over the same subgraphs: where the case says nautilus is right, its
// data must be ours byte for byte, and where it does not, nautilus must indeed differ.
func TestCorpus(t *testing.T) {
	cases := corpus.Cases()
	if len(cases) < 40 {
		t.Fatalf("the corpus has %d queries, want at least 40", len(cases))
	}
	g := startGraph(t, redistest.Miniredis)
	ids := corpus.Seed(t, g.url)
	baseline := plainNautilus(t, g)
	var golden bytes.Buffer
	want := readGolden(t)
	for _, c := range cases {
		vars := ids.Variables(c)
		body := ids.Mask(rawPost(t, g.url, c.Query, vars))
		fmt.Fprintf(&golden, "### %s\n%s\n", c.Name, body)
		t.Run(c.Name, func(t *testing.T) {
			if w, ok := want[c.Name]; !*update && (!ok || w != string(body)) {
				t.Errorf("answer:\n got %s\nwant %s", body, w)
			}
			if c.CrashesNautilus {
				return
			}
			var ours struct{ Data json.RawMessage }
			json.Unmarshal(body, &ours)
			var theirs struct{ Data json.RawMessage }
			json.Unmarshal(ids.Mask(rawPost(t, baseline, c.Query, vars)), &theirs)
			same := bytes.Equal(ours.Data, theirs.Data)
			switch {
			case c.Nautilus && !same:
				t.Errorf("marked as answered right by nautilus, but its data differs:\nnautilus %s\n    ours %s", theirs.Data, ours.Data)
			case !c.Nautilus && same:
				t.Errorf("nautilus answers this one exactly as we do: mark it")
			}
		})
	}
	if *update {
		if err := os.WriteFile("testdata/corpus.golden", golden.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCorpusFederated runs the corpus through the gateway in federation mode, planned by
// its own planner from the graph's supergraph: every answer, data and errors, must be
// the stitched graph's (testdata/corpus.golden) byte for byte, key order included.
func TestCorpusFederated(t *testing.T) {
	g := startGraph(t, redistest.Miniredis, withFederation(t))
	ids := corpus.Seed(t, g.url)
	want := readGolden(t)
	differ := 0
	for _, c := range corpus.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			body := ids.Mask(rawPost(t, g.url, c.Query, ids.Variables(c)))
			w := want[c.Name]
			switch {
			case c.Federation == "" && w != string(body):
				t.Errorf("answer:\n got %s\nwant %s", body, w)
			case c.Federation != "" && w == string(body):
				t.Errorf("declared to differ from stitch mode (%s), but the answers are the same: drop the declaration", c.Federation)
			case c.Federation != "":
				differ++
				t.Logf("differs from stitch mode, as declared (%s):\n  federation %s\n      stitch %s", c.Federation, body, w)
			}
		})
	}
	t.Logf("%d of %d answers are stitch mode's byte for byte; %d differ as declared", len(corpus.Cases())-differ, len(corpus.Cases()), differ)
}

func readGolden(t *testing.T) map[string]string {
	b, err := os.ReadFile("testdata/corpus.golden")
	if err != nil {
		if *update {
			return nil
		}
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, section := range strings.Split(string(b), "### ")[1:] {
		name, body, _ := strings.Cut(section, "\n")
		out[name] = strings.TrimSuffix(body, "\n")
	}
	return out
}

// rawPost sends a query and returns the response body as it came.
func rawPost(t *testing.T, url, query string, vars map[string]any) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := graphqltest.PostContext(ctx, url, graphqltest.Request{Query: query, Variables: vars})
	if err != nil {
		t.Fatalf("post: %v", err)
	}
	return bytes.TrimSpace([]byte(r.Raw))
}
