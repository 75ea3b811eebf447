package output

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cloudevents/sdk-go/v2/event"
)

// EventStream prints events as tail receives them: a table line each, the
// header before the first (as kubectl get --watch prints), or with JSON the
// structured CloudEvent itself, one per line.
type EventStream struct {
	w      io.Writer
	json   bool
	header bool
}

// NewEventStream prints to w: format is "table" or "json".
func NewEventStream(w io.Writer, format string) *EventStream {
	return &EventStream{w: w, json: format == "json"}
}

// Column widths; wider values keep their whole text and push the line on,
// which keeps every line one event.
const streamFormat = "%-12s  %-24s  %-20s  %-12s  %-24s  %s\n"

// Print writes one event; line is its JSON form as received.
func (s *EventStream) Print(ev *event.Event, line []byte, received time.Time) error {
	if s.json {
		_, err := s.w.Write(append(trimNewline(line), '\n'))
		return err
	}
	if !s.header {
		s.header = true
		if _, err := fmt.Fprintf(s.w, streamFormat, "RECEIVED", "TYPE", "SOURCE", "SUBJECT", "ID", "DATA"); err != nil {
			return err
		}
	}
	subject := ev.Subject()
	if subject == "" {
		subject = "-"
	}
	_, err := fmt.Fprintf(s.w, streamFormat, received.Format("15:04:05.000"), ev.Type(), ev.Source(), subject, ev.ID(), dataPreview(ev.Data()))
	return err
}

// dataPreview is the data on one line, cut at 60 characters.
func dataPreview(data []byte) string {
	if !utf8.Valid(data) {
		return fmt.Sprintf("(%d bytes)", len(data))
	}
	s := strings.Join(strings.Fields(string(data)), " ")
	if s == "" {
		return "-"
	}
	if r := []rune(s); len(r) > 60 {
		return string(r[:59]) + "…"
	}
	return s
}

func trimNewline(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}
