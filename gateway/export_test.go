package gateway

import (
	"context"

	"github.com/fedgraph/fedgraph/gateway/front"
)

// RunForBench runs op once, then returns a func that writes its answer again from the
// same result, for the JSON writer's benchmark, and one that releases the result.
func (g *Gateway) RunForBench(ctx context.Context, op *front.Operation) (write func() []byte, release func(), err error) {
	gr := g.graph.Load()
	def := op.Document.Operations.ForName(op.OperationName)
	e := g.plans.operation(gr, op.Query, op.Document, def)
	v := e.op.variant(op.Variables, nil)
	p, err := g.plans.plan(e, &v, func() (*plan, error) { return gr.compile(e.op, &v) })
	if err != nil {
		return nil, nil, err
	}
	r := p.run(ctx, op, g, g.maxBatch)
	return func() []byte {
		w := &writer{r: r, g: gr, doc: e.op.doc}
		return w.write()
	}, r.release, nil
}

// PlanForBench finds op's plan as Execute does, in the plan cache, or with cold set
// compiles it again.
func (g *Gateway) PlanForBench(op *front.Operation, cold bool) error {
	gr := g.graph.Load()
	def := op.Document.Operations.ForName(op.OperationName)
	e := g.plans.operation(gr, op.Query, op.Document, def)
	v := e.op.variant(op.Variables, nil)
	compile := func() (*plan, error) { return gr.compile(e.op, &v) }
	if cold {
		_, err := compile()
		return err
	}
	_, err := g.plans.plan(e, &v, compile)
	return err
}

// SharedWaiting returns the client requests waiting now on a query execution in
// flight, their own or an identical one's (Config.Dedup); 0 with Dedup off.
func (g *Gateway) SharedWaiting() int {
	if g.operations == nil {
		return 0
	}
	return g.operations.group.Waiting()
}

// FetchesWaiting returns the requests to the subgraph called name waiting now on
// shareable requests in flight (Config.Dedup).
func (g *Gateway) FetchesWaiting(name string) int {
	for _, c := range g.subgraphs {
		if c.Name() == name {
			return c.Waiting()
		}
	}
	return 0
}
