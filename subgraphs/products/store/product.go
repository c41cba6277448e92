package store

import "time"

// Product is a stored product. Pos is its position in creation order; Version is 1
// when it is created and one more after each update.
type Product struct {
	ID          string
	Name        string
	Description string
	Price       Money
	OwnerID     string
	CreatedAt   time.Time
	Pos         int64
	Version     int64
}
