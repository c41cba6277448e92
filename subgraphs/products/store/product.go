package store

import "time"

// Product is a stored product. Pos is its position in creation order.
type Product struct {
	ID          string
	Name        string
	Description string
	Price       Money
	OwnerID     string
	CreatedAt   time.Time
	Pos         int64
}
