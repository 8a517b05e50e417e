package websocket

import "sync/atomic"

// A Budget is a number of bytes that many connections share for the
// messages they hold: a message is read only if its bytes fit. Each
// connection's MaxMessage bounds one message; the budget bounds their sum,
// so that many clients each sending a large message cannot take the server
// past its memory. The zero Budget holds nothing; a nil *Budget has no limit.
type Budget struct {
	limit int64
	used  atomic.Int64
}

// NewBudget returns a budget of limit bytes.
func NewBudget(limit int64) *Budget { return &Budget{limit: limit} }

// Used reports how many bytes are held now.
func (b *Budget) Used() int64 { return b.used.Load() }

// take reserves n bytes, or reports false if they do not fit.
func (b *Budget) take(n int64) bool {
	if b == nil {
		return true
	}
	if b.used.Add(n) > b.limit {
		b.used.Add(-n)
		return false
	}
	return true
}

// give returns n bytes taken before.
func (b *Budget) give(n int64) {
	if b != nil && n != 0 {
		b.used.Add(-n)
	}
}
