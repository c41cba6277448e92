package subgraph

import (
	"context"
	"errors"
	"testing"

	"github.com/99designs/gqlgen/graphql"
)

// TestResolveRootInOrder checks that a root field resolved in order gets what gqlgen's
// concurrent resolution gives it: its value through the root middleware, a panic as a
// null with an error when recovered, and the object's invalid count raised by a null
// in a non-null field only.
func TestResolveRootInOrder(t *testing.T) {
	tests := []struct {
		name                 string
		nonNull              bool
		resolve              func(context.Context) graphql.Marshaler
		want                 graphql.Marshaler
		wantInvalid, wantErr int
	}{
		{"a value", true, func(context.Context) graphql.Marshaler { return graphql.MarshalInt(7) }, nil, 0, 0},
		{"null, nullable", false, func(context.Context) graphql.Marshaler { return graphql.Null }, graphql.Null, 0, 0},
		{"required null, nullable", false, func(context.Context) graphql.Marshaler { return graphql.RequiredNull }, graphql.RequiredNull, 1, 0},
		{"null, non-null", true, func(context.Context) graphql.Marshaler { return graphql.Null }, graphql.Null, 1, 0},
		{"a panic, nullable", false, func(context.Context) graphql.Marshaler { panic("boom") }, graphql.Null, 0, 1},
		{"a panic, non-null", true, func(context.Context) graphql.Marshaler { panic("boom") }, graphql.Null, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := graphql.WithResponseContext(context.Background(), graphql.DefaultErrorPresenter,
				func(context.Context, any) error { return errors.New("internal system error") })
			var viaMiddleware bool
			oc := &graphql.OperationContext{
				RootResolverMiddleware: func(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
					viaMiddleware = true
					return next(ctx)
				},
				RecoverFunc: func(context.Context, any) error { return errors.New("internal system error") },
			}
			out := graphql.NewFieldSet([]graphql.CollectedField{{}})
			ResolveRootInOrder(ctx, oc, out, 0, true, tt.nonNull, tt.resolve)
			if tt.want != nil && out.Values[0] != tt.want {
				t.Errorf("value %v, want %v", out.Values[0], tt.want)
			}
			if tt.want == nil && (out.Values[0] == graphql.Null || out.Values[0] == nil) {
				t.Errorf("value %v, want the resolver's", out.Values[0])
			}
			if int(out.Invalids) != tt.wantInvalid || !viaMiddleware {
				t.Errorf("invalids %d, through the middleware %v; want %d, true", out.Invalids, viaMiddleware, tt.wantInvalid)
			}
			if n := len(graphql.GetErrors(ctx)); n != tt.wantErr {
				t.Errorf("%d errors, want %d", n, tt.wantErr)
			}
		})
	}
}
