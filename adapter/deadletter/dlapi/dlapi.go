// Package dlapi holds the dead-letter store's API types (docs/deadletter.md,
// "The API"): the store (adapter/deadletter) answers with them and the
// plugin's client (wiring/dlstore) reads them. It imports no database, so
// the plugin's binary carries none.
package dlapi

import (
	"encoding/json"
	"time"
)

// Entry is one stored dead letter: the event whole, as a structured
// CloudEvent, and what the store knows about it.
type Entry struct {
	Summary
	// Event is the event as a structured-mode CloudEvent (JSON), its
	// extensions included (Knative's knativeerrordest, knativeerrorcode and
	// knativeerrordata among them).
	Event json.RawMessage `json:"event"`
}

// Summary is what list shows of an entry.
type Summary struct {
	ID          string    `json:"id"` // the store's id, a number in arrival order
	EventID     string    `json:"eventId"`
	Source      string    `json:"source"`
	Type        string    `json:"type"`
	Arrived     time.Time `json:"arrived"`
	LastArrived time.Time `json:"lastArrived"`
	// Destination and Code are Knative's knativeerrordest and
	// knativeerrorcode: where the delivery failed, and the last answer.
	Destination string `json:"destination,omitempty"`
	Code        int    `json:"code,omitempty"`
	// Reason is knativeerrordata decoded, when it is text (the subscriber's
	// answer body, cut to 256 bytes).
	Reason string `json:"reason,omitempty"`
	// Deliveries counts how often the event arrived here (Knative delivers
	// at least once: an event may come again).
	Deliveries int `json:"deliveries"`
	// Replays counts the replays sent of it; LastReplay says how the last one went.
	Replays    int           `json:"replays"`
	LastReplay *ReplayResult `json:"lastReplay,omitempty"`
	Size       int           `json:"size"` // bytes the entry takes in the store
}

// ListPage is list's answer.
type ListPage struct {
	Items []Summary `json:"items"`
	// Next is the id to pass as after= for the next page; empty at the end.
	Next string `json:"next,omitempty"`
}

// Stats is stats' answer.
type Stats struct {
	Count         int            `json:"count"`
	Bytes         int64          `json:"bytes"`
	LimitBytes    int64          `json:"limitBytes"`
	Oldest        *time.Time     `json:"oldest,omitempty"`
	Newest        *time.Time     `json:"newest,omitempty"`
	ByDestination map[string]int `json:"byDestination"`
	ByCode        map[string]int `json:"byCode"`
	// SetAside are database files found damaged at a start and moved aside.
	SetAside []string `json:"setAside,omitempty"`
}

// Selection says which entries a replay or purge takes: ids, all, or those
// a CESQL expression is true for, among those the filters select.
type Selection struct {
	IDs         []string `json:"ids,omitempty"`
	All         bool     `json:"all,omitempty"`
	CESQL       string   `json:"cesql,omitempty"`
	Since       string   `json:"since,omitempty"`
	Before      string   `json:"before,omitempty"`
	Destination string   `json:"destination,omitempty"`
	Code        int      `json:"code,omitempty"`
}

// PurgeResult is purge's answer.
type PurgeResult struct {
	Deleted []string `json:"deleted"`
}

// ReplayRequest is what POST /v1/replay takes: a selection, where to send
// (empty or "original": each event's knativeerrordest; else an http(s)
// URL, such as a Broker's address), at most Rate events a second (0: as
// fast as the targets answer), and DryRun to only say what would be sent.
type ReplayRequest struct {
	Selection
	To     string  `json:"to,omitempty"`
	Rate   float64 `json:"rate,omitempty"`
	DryRun bool    `json:"dryRun,omitempty"`
	// Token, when set, is presented as a bearer token on every replay
	// instead of the pod's OIDC token file: the CLI makes it by a
	// TokenRequest for the store's ServiceAccount with the target's audience
	// (a Broker's, with Knative's OIDC authentication on). Never logged.
	Token string `json:"token,omitempty"`
}

// ReplayResult is one event's replay, one line of the answer's stream.
type ReplayResult struct {
	ID        string    `json:"id"`
	EventID   string    `json:"eventId"`
	Target    string    `json:"target,omitempty"`
	At        time.Time `json:"at"`
	Status    int       `json:"status,omitempty"` // the target's answer
	Delivered bool      `json:"delivered"`        // a 2xx: the entry is deleted
	Error     string    `json:"error,omitempty"`
	DryRun    bool      `json:"dryRun,omitempty"`
}

// ReplayDone is the stream's last line.
type ReplayDone struct {
	Done      bool `json:"done"`
	Delivered int  `json:"delivered"`
	Failed    int  `json:"failed"`
	// Stopped: the replay ended early (the client went away or the store stopped).
	Stopped bool `json:"stopped,omitempty"`
}
