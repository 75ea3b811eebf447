package adapter

import "sync/atomic"

// memBudget is memory that requests take before they hold it and give back
// when done, so that no client behaviour (a Content-Length of a megabyte on
// every connection, a body trickled in) can take the adapter past it.
type memBudget struct {
	limit int64
	used  atomic.Int64
}

// take reserves n bytes, or reports that the budget cannot spare them.
func (b *memBudget) take(n int64) bool {
	if b.used.Add(n) > b.limit {
		b.used.Add(-n)
		return false
	}
	return true
}

func (b *memBudget) give(n int64) { b.used.Add(-n) }
