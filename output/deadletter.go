package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/dlstore"
)

// DeadLetters prints stored events as a table, oldest first.
func DeadLetters(w io.Writer, items []dlstore.Summary, now time.Time) error {
	rows := make([][]string, 0, len(items))
	for _, s := range items {
		code := ""
		if s.Code != 0 {
			code = strconv.Itoa(s.Code)
		}
		rows = append(rows, []string{s.ID, s.EventID, s.Type, s.Source, code, s.Destination,
			strconv.Itoa(s.Deliveries), strconv.Itoa(s.Replays), Age(s.LastArrived, now), cut(s.Reason, 60)})
	}
	return Table(w, []string{"id", "event id", "type", "source", "code", "destination", "deliveries", "replays", "age", "reason"}, rows, false)
}

// DeadLetter prints one stored event: its summary, then the CloudEvent.
func DeadLetter(w io.Writer, e dlstore.Entry, now time.Time) error {
	fields := [][2]string{
		{"ID", e.ID}, {"Event ID", e.EventID}, {"Type", e.Type}, {"Source", e.Source},
		{"Destination", e.Destination}, {"Code", codeText(e.Code)}, {"Reason", e.Reason},
		{"Arrived", e.Arrived.Format(time.RFC3339) + " (" + Age(e.Arrived, now) + " ago)"},
		{"Last arrived", e.LastArrived.Format(time.RFC3339)},
		{"Deliveries", strconv.Itoa(e.Deliveries)}, {"Replays", strconv.Itoa(e.Replays)},
	}
	if r := e.LastReplay; r != nil {
		fields = append(fields, [2]string{"Last replay", replayText(*r)})
	}
	for _, f := range fields {
		if f[1] == "" {
			continue
		}
		if _, err := fmt.Fprintf(w, "%-13s %s\n", f[0]+":", f[1]); err != nil {
			return err
		}
	}
	var ev bytes.Buffer
	if err := json.Indent(&ev, e.Event, "  ", "  "); err != nil {
		ev.Reset()
		ev.Write(e.Event)
	}
	_, err := fmt.Fprintf(w, "Event:\n  %s\n", ev.String())
	return err
}

// DeadLetterStats prints a store's counts.
func DeadLetterStats(w io.Writer, s dlstore.Stats, now time.Time) error {
	fmt.Fprintf(w, "events:  %d\nbytes:   %d of %d (%d%%)\n", s.Count, s.Bytes, s.LimitBytes, percent(s.Bytes, s.LimitBytes))
	if s.Oldest != nil {
		fmt.Fprintf(w, "oldest:  %s (%s ago)\n", s.Oldest.Format(time.RFC3339), Age(*s.Oldest, now))
	}
	if s.Newest != nil {
		fmt.Fprintf(w, "newest:  %s (%s ago)\n", s.Newest.Format(time.RFC3339), Age(*s.Newest, now))
	}
	for _, a := range s.SetAside {
		fmt.Fprintf(w, "set aside (damaged, not in this store): %s\n", a)
	}
	if len(s.ByDestination) > 0 {
		if err := Table(w, []string{"destination", "events"}, counted(s.ByDestination), false); err != nil {
			return err
		}
	}
	if len(s.ByCode) > 0 {
		return Table(w, []string{"code", "events"}, counted(s.ByCode), false)
	}
	return nil
}

// ReplayLine prints one replayed event as the store reports it.
func ReplayLine(w io.Writer, r dlstore.ReplayResult) error {
	_, err := fmt.Fprintf(w, "%s %s: %s\n", r.ID, r.EventID, replayText(r))
	return err
}

func replayText(r dlstore.ReplayResult) string {
	var s string
	switch {
	case r.DryRun:
		s = "would be sent to " + r.Target
	case r.Delivered:
		s = fmt.Sprintf("delivered to %s (%d)", r.Target, r.Status)
	case r.Status != 0:
		s = fmt.Sprintf("failed at %s (%d)", r.Target, r.Status)
	default:
		s = "failed at " + r.Target
	}
	if r.Error != "" {
		s += ": " + r.Error
	}
	return s
}

func codeText(c int) string {
	if c == 0 {
		return ""
	}
	return strconv.Itoa(c)
}

func counted(m map[string]int) [][]string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] || m[keys[i]] == m[keys[j]] && keys[i] < keys[j] })
	rows := make([][]string, 0, len(keys))
	for _, k := range keys {
		rows = append(rows, []string{k, strconv.Itoa(m[k])})
	}
	return rows
}

func percent(a, b int64) int64 {
	if b <= 0 {
		return 0
	}
	return a * 100 / b
}

func cut(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}

// DeadLetterReason prints why a stored event's delivery failed, in one line.
func DeadLetterReason(w io.Writer, s dlstore.Summary) error {
	line := fmt.Sprintf("dead letter %s (event %s, type %s, from %s): delivery to %s failed", s.ID, s.EventID, s.Type, s.Source, orUnknown(s.Destination))
	if s.Code != 0 {
		line += fmt.Sprintf(" with %d", s.Code)
	}
	if s.Reason != "" {
		line += ": " + cut(s.Reason, 200)
	}
	_, err := fmt.Fprintf(w, "%s; %d deliveries, %d replays\n", line, s.Deliveries, s.Replays)
	return err
}

func orUnknown(s string) string {
	if s == "" {
		return "an unknown destination (no knativeerrordest)"
	}
	return s
}
