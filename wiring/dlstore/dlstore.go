// Package dlstore is the plugin's client of the dead-letter store's API
// (docs/deadletter.md, "The API"), over a base URL: the local end of a
// port-forward to the store's pod. Its types are the store's own
// (adapter/deadletter/dlapi), without the store and its database.
package dlstore

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/adapter/deadletter/dlapi"
)

// The store's API types, shared with the store (adapter/deadletter/dlapi,
// which imports no database: the plugin's binary carries none).
type (
	Summary       = dlapi.Summary
	Entry         = dlapi.Entry
	Stats         = dlapi.Stats
	Selection     = dlapi.Selection
	ReplayRequest = dlapi.ReplayRequest
	ReplayResult  = dlapi.ReplayResult
	ReplayDone    = dlapi.ReplayDone
)

// Filter narrows a list (List turns it into the query).
type Filter struct {
	Since       string `json:"since,omitempty"`  // RFC 3339
	Before      string `json:"before,omitempty"` // RFC 3339
	Destination string `json:"destination,omitempty"`
	Code        int    `json:"code,omitempty"`
}

// Client talks to one store.
type Client struct {
	Base string // http://127.0.0.1:PORT
	HTTP *http.Client
}

// New returns a client of the store at base.
func New(base string) *Client {
	return &Client{Base: strings.TrimSuffix(base, "/"), HTTP: &http.Client{Transport: &http.Transport{Proxy: nil}}}
}

// APIError is the store's refusal: its message, and the ids it does not hold.
type APIError struct {
	Status  int
	Message string
	Missing []string
}

func (e *APIError) Error() string {
	if len(e.Missing) > 0 {
		return fmt.Sprintf("the store holds no event %s", strings.Join(e.Missing, ", "))
	}
	return fmt.Sprintf("the store answered %d: %s", e.Status, e.Message)
}

// NotFound says whether err is the store's 404 (an unknown id).
func NotFound(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.Status == http.StatusNotFound
}

func (c *Client) do(ctx context.Context, method, path string, body any) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("reaching the dead-letter store: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		defer resp.Body.Close()
		var e struct {
			Error   string   `json:"error"`
			Missing []string `json:"missing"`
		}
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		if json.Unmarshal(b, &e) != nil || e.Error == "" {
			e.Error = strings.TrimSpace(string(b))
		}
		return nil, &APIError{Status: resp.StatusCode, Message: e.Error, Missing: e.Missing}
	}
	return resp, nil
}

func (c *Client) getJSON(ctx context.Context, path string, v any) error {
	resp, err := c.do(ctx, http.MethodGet, path, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("reading the dead-letter store's answer: %w", err)
	}
	return nil
}

// List returns every stored event that f selects, page by page, in id order;
// at most limit (0: all).
func (c *Client) List(ctx context.Context, f Filter, limit int) ([]Summary, error) {
	out := []Summary{}
	after := ""
	for {
		q := url.Values{"limit": {"1000"}}
		for k, v := range map[string]string{"since": f.Since, "before": f.Before, "destination": f.Destination, "after": after} {
			if v != "" {
				q.Set(k, v)
			}
		}
		if f.Code != 0 {
			q.Set("code", strconv.Itoa(f.Code))
		}
		var page struct {
			Items []Summary `json:"items"`
			Next  string    `json:"next"`
		}
		if err := c.getJSON(ctx, "/v1/events?"+q.Encode(), &page); err != nil {
			return nil, err
		}
		out = append(out, page.Items...)
		if limit > 0 && len(out) >= limit {
			return out[:limit], nil
		}
		if page.Next == "" || len(page.Items) == 0 {
			return out, nil
		}
		after = page.Next
	}
}

// Show returns one stored event whole.
func (c *Client) Show(ctx context.Context, id string) (Entry, error) {
	var e Entry
	err := c.getJSON(ctx, "/v1/events/"+url.PathEscape(id), &e)
	return e, err
}

// Stats returns the store's counts.
func (c *Client) Stats(ctx context.Context) (Stats, error) {
	var s Stats
	err := c.getJSON(ctx, "/v1/stats", &s)
	return s, err
}

// Replay asks for a replay and calls each with every event's result as the
// store sends it; it returns the store's closing line.
func (c *Client) Replay(ctx context.Context, r ReplayRequest, each func(ReplayResult) error) (ReplayDone, error) {
	resp, err := c.do(ctx, http.MethodPost, "/v1/replay", r)
	if err != nil {
		return ReplayDone{}, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var done ReplayDone
		if json.Unmarshal(line, &done) == nil && done.Done {
			return done, nil
		}
		var res ReplayResult
		if err := json.Unmarshal(line, &res); err != nil {
			return ReplayDone{}, fmt.Errorf("reading the replay's stream: %w", err)
		}
		if err := each(res); err != nil {
			return ReplayDone{}, err
		}
	}
	if err := sc.Err(); err != nil {
		return ReplayDone{}, fmt.Errorf("the replay's stream broke off: %w", err)
	}
	return ReplayDone{}, errors.New("the replay's stream ended before its last line: the store may have stopped; 'deadletter list' shows what is left")
}

// Purge deletes the selected events and returns their ids.
func (c *Client) Purge(ctx context.Context, s Selection) ([]string, error) {
	resp, err := c.do(ctx, http.MethodPost, "/v1/purge", s)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var r struct {
		Deleted []string `json:"deleted"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return nil, fmt.Errorf("reading the dead-letter store's answer: %w", err)
	}
	if r.Deleted == nil {
		r.Deleted = []string{}
	}
	return r.Deleted, nil
}

// CloudEvent reads the stored event without Knative's knativeerror*
// extensions, which describe the failed delivery, not the event.
func CloudEvent(e Entry) (cloudevents.Event, error) {
	var ev cloudevents.Event
	if err := ev.UnmarshalJSON(e.Event); err != nil {
		return ev, fmt.Errorf("dead letter %s is not a CloudEvent: %w", e.ID, err)
	}
	for _, k := range []string{"knativeerrordest", "knativeerrorcode", "knativeerrordata"} {
		delete(ev.Extensions(), k)
	}
	return ev, nil
}
