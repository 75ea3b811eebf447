package adapter

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// quietLog writes at most one line per key and interval: a sink that fails
// every event must not make the adapter write a line per event (a load of
// 27,000 failures once wrote 27,000 lines). The next line says how many were
// left out; the metrics count every one.
type quietLog struct {
	log   *slog.Logger
	every time.Duration

	mu   sync.Mutex
	last map[string]time.Time
	left map[string]int
}

func newQuietLog(log *slog.Logger, every time.Duration) *quietLog {
	return &quietLog{log: log, every: every, last: map[string]time.Time{}, left: map[string]int{}}
}

func (q *quietLog) log1(level slog.Level, key, msg string, args ...any) {
	now := time.Now()
	q.mu.Lock()
	if now.Sub(q.last[key]) < q.every {
		q.left[key]++
		q.mu.Unlock()
		return
	}
	q.last[key] = now
	left := q.left[key]
	q.left[key] = 0
	q.mu.Unlock()
	if left > 0 {
		args = append(args, "alikeLeftOut", left)
	}
	q.log.Log(context.Background(), level, msg, args...)
}
