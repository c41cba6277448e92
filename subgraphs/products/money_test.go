package products

import (
	"testing"

	"github.com/99designs/gqlgen/client"

	"github.com/fedgraph/fedgraph/internal/redistest"
	"github.com/fedgraph/fedgraph/subgraphs/relay"
	"github.com/fedgraph/fedgraph/subgraphs/subgraph"
)

// TestMoney writes and reads prices in memory, with gqlgen's client on the subgraph's
// handler: Money is an object whose fields a client selects one by one, its amount an
// exact decimal string with as many decimals as its currency has.
func TestMoney(t *testing.T) {
	r := redistest.New(t)
	owner := relay.NewID("User")
	h, err := New(config(r.Client, r.Prefix, &fakeOwners{users: map[string]bool{owner: true}}))
	if err != nil {
		t.Fatal(err)
	}
	c := client.New(h, client.Path(subgraph.GraphQLPath))
	for _, tt := range []struct {
		amount, currency, want string
	}{
		{"12.34", "USD", "12.34"},
		{"5", "USD", "5.00"},
		{"0.5", "EUR", "0.50"},
		{"1200", "JPY", "1200"},
		{"1.234", "KWD", "1.234"},
		{"0.0001", "CLF", "0.0001"},
		{"007", "GBP", "7.00"},
	} {
		var created struct {
			CreateProduct struct {
				ID    string
				Price struct{ Amount, CurrencyCode string }
			}
		}
		if err := c.Post(`mutation($o: ID!, $p: MoneyInput!) { createProduct(input: {name: "Lamp", ownerId: $o, price: $p}) { id price { amount currencyCode } } }`, &created,
			client.Var("o", owner), client.Var("p", map[string]any{"amount": tt.amount, "currencyCode": tt.currency})); err != nil {
			t.Fatalf("create at %s %s: %v", tt.amount, tt.currency, err)
		}
		if p := created.CreateProduct.Price; p.Amount != tt.want || p.CurrencyCode != tt.currency {
			t.Errorf("price %s %s reads back %+v, want %s %s", tt.amount, tt.currency, p, tt.want, tt.currency)
		}
		var amountOnly struct {
			Product struct{ Price map[string]any }
		}
		if err := c.Post(`query($id: ID!) { product(id: $id) { price { amount } } }`, &amountOnly, client.Var("id", created.CreateProduct.ID)); err != nil {
			t.Fatal(err)
		}
		if p := amountOnly.Product.Price; len(p) != 1 || p["amount"] != tt.want {
			t.Errorf("price { amount } = %v, want the amount %s alone", p, tt.want)
		}
	}

	// __typename and introspection say what a client's codegen sees: an object of a
	// string scalar and an enum.
	var types struct {
		Money struct {
			Kind   string
			Fields []struct {
				Name string
				Type struct{ OfType struct{ Kind, Name string } }
			}
		}
	}
	if err := c.Post(`{ money: __type(name: "Money") { kind fields { name type { ofType { kind name } } } } }`, &types); err != nil {
		t.Fatal(err)
	}
	f := types.Money.Fields
	if types.Money.Kind != "OBJECT" || len(f) != 2 || f[0].Name != "amount" || f[0].Type.OfType.Kind != "SCALAR" || f[0].Type.OfType.Name != "Decimal" ||
		f[1].Name != "currencyCode" || f[1].Type.OfType.Kind != "ENUM" || f[1].Type.OfType.Name != "CurrencyCode" {
		t.Errorf("Money introspects as %+v", types.Money)
	}
}
