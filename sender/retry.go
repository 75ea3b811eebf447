package sender

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// Retrying (send --retries, issue 20): an event is sent again only when it
// cannot have been taken, or the target said to come back: a 503 or 429
// (after its Retry-After, when it gives one), or a connection that failed
// before an answer (refused, reset, closed). Any other answer is final; so
// is a timeout (the target may be taking the event: sending it again is the
// caller's choice).

// MaxRetryAfter caps how long one Retry-After is honoured.
const MaxRetryAfter = 30 * time.Second

// SetRetries makes the sender try an event up to n more times.
func (s *Sender) SetRetries(n int) { s.retries = n }

// retryBackoff is the wait before attempt n+1 when the target gave no
// Retry-After: 100 ms doubling, at most 3.2 s.
func retryBackoff(n int) time.Duration {
	return min(100*time.Millisecond<<min(n-1, 5), 3200*time.Millisecond)
}

// retryable says whether an attempt's outcome may be sent again, and how
// long to wait first (-1: the backoff).
func retryable(resp *http.Response, err error) (bool, time.Duration) {
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return false, 0
		}
		return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded), -1
	}
	if resp.StatusCode != http.StatusServiceUnavailable && resp.StatusCode != http.StatusTooManyRequests {
		return false, 0
	}
	return true, parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
}

// parseRetryAfter reads seconds or an HTTP date, at most MaxRetryAfter; -1
// when absent or invalid.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return min(time.Duration(n)*time.Second, MaxRetryAfter)
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(t.Sub(now), 0), MaxRetryAfter)
	}
	return -1
}

// postRetrying posts, and posts again as retryable allows, up to the
// sender's retries; it returns the last attempt's outcome and how many
// attempts were made.
func (s *Sender) postRetrying(ctx context.Context, header http.Header, body []byte) (*http.Response, int, error) {
	for attempt := 1; ; attempt++ {
		resp, err := s.post(ctx, header.Clone(), body)
		if attempt > s.retries {
			return resp, attempt, err
		}
		again, wait := retryable(resp, err)
		if !again {
			return resp, attempt, err
		}
		if resp != nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		}
		if wait < 0 {
			wait = retryBackoff(attempt)
		}
		if !waitUntil(ctx, time.Now().Add(wait)) {
			return nil, attempt, context.Cause(ctx)
		}
	}
}
