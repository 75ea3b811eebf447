package sender

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/cloudevents/sdk-go/v2/binding"
	"github.com/cloudevents/sdk-go/v2/event"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
)

// Target is where events go: the URL to dial and, when that is a local
// port-forward, the Host the in-cluster receiver routes on.
type Target struct {
	URL  string
	Host string // empty: the URL's host
	Name string // what the user asked for, for reports
	// Acks are the statuses that acknowledge an event; empty: any 2xx (a
	// Broker's 202, a URL's 2xx). For the adapter, AdapterAcks.
	Acks []int
	// Token, if set, is presented as "Authorization: Bearer" with each event.
	Token Token
	// TLS verifies an https target; nil: the system's roots.
	TLS *tls.Config
}

// AdapterAcks is what kymamesh-adapter answers once its sink took an event
// (docs/adapter.md, "What it answers"): only 202. Any other 2xx did not come
// from the adapter's event path (a proxy in front, a probe endpoint), so it
// says nothing about the event.
var AdapterAcks = []int{http.StatusAccepted}

// Sender posts events to one target over one keep-alive connection pool.
type Sender struct {
	target  Target
	mode    string
	client  *http.Client
	retries int // SetRetries (retry.go)
}

// New returns a Sender whose pool keeps up to concurrency connections to the
// target; the transport honours HTTP(S)_PROXY from the environment.
func New(target Target, mode string, concurrency int, timeout time.Duration) *Sender {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = max(100, concurrency)
	t.MaxIdleConnsPerHost = max(2, concurrency)
	t.DisableCompression = true
	if target.TLS != nil {
		t.TLSClientConfig = target.TLS
	}
	// No redirect is followed: a 301/302 would turn the event into a GET that
	// any endpoint may answer 200, and a 3xx is no acknowledgement anyway.
	noRedirects := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Sender{target: target, mode: mode, client: &http.Client{Transport: t, Timeout: timeout, CheckRedirect: noRedirects}}
}

// acked says whether the target's answer acknowledges the event.
func (s *Sender) acked(code int) bool {
	if len(s.target.Acks) == 0 {
		return code >= 200 && code < 300
	}
	return slices.Contains(s.target.Acks, code)
}

// Result is the outcome of one send; -o json prints it.
type Result struct {
	ID         string       `json:"id"`
	Target     string       `json:"target"`
	StatusCode int          `json:"statusCode,omitempty"`
	ACK        bool         `json:"ack"`
	Error      string       `json:"error,omitempty"`
	Reply      *event.Event `json:"reply,omitempty"`
	Attempts   int          `json:"attempts,omitempty"` // with retries
}

// Send posts ev and reads the reply event, if the target sent one back.
func (s *Sender) Send(ctx context.Context, ev *event.Event) Result {
	res := Result{ID: ev.ID(), Target: s.target.Name}
	header, body, err := Encode(ctx, ev, s.mode)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	resp, attempts, err := s.postRetrying(ctx, header, body)
	if s.retries > 0 {
		res.Attempts = attempts
	}
	if err != nil {
		res.Error = err.Error()
		return res
	}
	defer resp.Body.Close()
	res.StatusCode = resp.StatusCode
	res.ACK = s.acked(resp.StatusCode)
	msg := cehttp.NewMessageFromHttpResponse(resp)
	if msg.ReadEncoding() != binding.EncodingUnknown {
		if reply, err := binding.ToEvent(ctx, msg); err == nil {
			res.Reply = reply
		}
	} else if !res.ACK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		res.Error = fmt.Sprintf("HTTP %d %s", resp.StatusCode, bytes.TrimSpace(b))
	}
	return res
}

func (s *Sender) post(ctx context.Context, header http.Header, body []byte) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.target.URL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header = header
	if s.target.Token != nil {
		if tok := s.target.Token(); tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
	}
	if s.target.Host != "" {
		req.Host = s.target.Host
	}
	resp, err := s.client.Do(req)
	if err != nil {
		var ue interface{ Unwrap() error }
		if errors.As(err, &ue) && ue.Unwrap() != nil {
			err = ue.Unwrap()
		}
		return nil, fmt.Errorf("sending to %s: %w", s.target.Name, err)
	}
	return resp, nil
}
