package adapter

import (
	"bufio"
	"bytes"
	"context"
	"net/http"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// outEvent is an event on its way to the sink, in binary mode: the headers it
// arrived with (only the forwardable ones travel on), the source that replaces
// Ce-Source, and the body.
type outEvent struct {
	header http.Header
	source string
	body   []byte
	auth   string // Authorization for the sink (the OIDC token), or ""
}

// forwardable says which headers of an event travel to the sink: its
// attributes and extensions, its content type and the trace context.
// Ce-Source is not among them; the adapter writes its own. Nor is the
// caller's Authorization: the sink gets the adapter's own (OIDC), if any.
func forwardable(key string) bool {
	return strings.HasPrefix(key, "Ce-") && key != "Ce-Source" ||
		key == "Content-Type" || key == "Traceparent" || key == "Tracestate"
}

// badHeader names the first forwardable header whose value cannot go on the
// wire as it is (a control character), or returns "". The CloudEvents
// validation lets such attribute values through; sent, they would make the
// request fail as if the sink were down.
func (e *outEvent) badHeader() string {
	for k, vs := range e.header {
		if !forwardable(k) {
			continue
		}
		for _, v := range vs {
			if !httpguts.ValidHeaderFieldValue(v) {
				return k
			}
		}
	}
	return ""
}

// writeHeader writes the event's header lines, Ce-Source last.
func (e *outEvent) writeHeader(w *bufio.Writer) {
	for k, vs := range e.header {
		if !forwardable(k) {
			continue
		}
		for _, v := range vs {
			w.WriteString(k)
			w.WriteString(": ")
			w.WriteString(v)
			w.WriteString("\r\n")
		}
	}
	w.WriteString("Ce-Source: ")
	w.WriteString(e.source)
	w.WriteString("\r\n")
	if e.auth != "" {
		w.WriteString("Authorization: ")
		w.WriteString(e.auth)
		w.WriteString("\r\n")
	}
}

// request builds the same POST for the net/http client (sinks the pool does
// not serve, such as https). The body is copied: the client may still be
// reading it after Do returned (a sink that answers early), while the
// handler's buffer goes back to its pool.
func (e *outEvent) request(ctx context.Context, sink string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sink, bytes.NewReader(bytes.Clone(e.body)))
	if err != nil {
		return nil, err
	}
	for k, vs := range e.header {
		if forwardable(k) {
			req.Header[k] = vs
		}
	}
	req.Header.Set("Ce-Source", e.source)
	if e.auth != "" {
		req.Header.Set("Authorization", e.auth)
	}
	return req, nil
}
