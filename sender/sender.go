package sender

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
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
}

// Sender posts events to one target over one keep-alive connection pool.
type Sender struct {
	target Target
	mode   string
	client *http.Client
}

// New returns a Sender whose pool keeps up to concurrency connections to the
// target; the transport honours HTTP(S)_PROXY from the environment.
func New(target Target, mode string, concurrency int, timeout time.Duration) *Sender {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = max(100, concurrency)
	t.MaxIdleConnsPerHost = max(2, concurrency)
	t.DisableCompression = true
	return &Sender{target: target, mode: mode, client: &http.Client{Transport: t, Timeout: timeout}}
}

// Result is the outcome of one send; -o json prints it.
type Result struct {
	ID         string       `json:"id"`
	Target     string       `json:"target"`
	StatusCode int          `json:"statusCode,omitempty"`
	ACK        bool         `json:"ack"`
	Error      string       `json:"error,omitempty"`
	Reply      *event.Event `json:"reply,omitempty"`
}

// Send posts ev and reads the reply event, if the target sent one back.
func (s *Sender) Send(ctx context.Context, ev *event.Event) Result {
	res := Result{ID: ev.ID(), Target: s.target.Name}
	header, body, err := Encode(ctx, ev, s.mode)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	resp, err := s.post(ctx, header, body)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	defer resp.Body.Close()
	res.StatusCode = resp.StatusCode
	res.ACK = resp.StatusCode >= 200 && resp.StatusCode < 300
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
