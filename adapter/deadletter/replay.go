package deadletter

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/cloudevents/sdk-go/v2/binding"
	"github.com/cloudevents/sdk-go/v2/event"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/adapter/deadletter/dlapi"
)

// The API's types are dlapi's (shared with the plugin's client).
type (
	ReplayRequest = dlapi.ReplayRequest
	ReplayResult  = dlapi.ReplayResult
	ReplayDone    = dlapi.ReplayDone
)

// replay sends the selected events, one at a time, and streams a line per
// event (application/x-ndjson), then a ReplayDone line. An event leaves the
// store only once its target answered 2xx.
func (a *api) replay(w http.ResponseWriter, r *http.Request) {
	var req ReplayRequest
	if !readSelection(w, r, &req) {
		return
	}
	if req.Rate < 0 {
		writeError(w, http.StatusBadRequest, "rate: must not be negative")
		return
	}
	to := strings.TrimSpace(req.To)
	if to != "" && to != "original" {
		if u, err := url.Parse(to); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			writeError(w, http.StatusBadRequest, "to: "+strconv.Quote(to)+" is not original or an http(s) URL")
			return
		}
	}
	if !a.replaying.TryLock() {
		writeError(w, http.StatusConflict, "another replay is running; wait for it to finish")
		return
	}
	defer a.replaying.Unlock()
	ids, serr := a.resolve(req.Selection)
	if serr != nil {
		writeJSON(w, serr.code, struct {
			Error   string   `json:"error"`
			Missing []string `json:"missing,omitempty"`
		}{serr.msg, serr.missing})
		return
	}
	ctl := http.NewResponseController(w)
	_ = ctl.SetWriteDeadline(time.Time{}) // a replay at a low rate takes as long as it takes
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)
	var done ReplayDone
	var gap time.Duration
	if req.Rate > 0 {
		gap = time.Duration(float64(time.Second) / req.Rate)
	}
	next := time.Now()
	for _, id := range ids {
		if r.Context().Err() != nil {
			done.Stopped = true
			break
		}
		if wait := time.Until(next); wait > 0 {
			select {
			case <-r.Context().Done():
			case <-time.After(wait):
			}
			if r.Context().Err() != nil {
				done.Stopped = true
				break
			}
		}
		next = time.Now().Add(gap)
		res, ok := a.replayOne(r.Context(), id, to, req.Token, req.DryRun)
		if !ok {
			continue // purged meanwhile
		}
		if res.Delivered || res.DryRun && res.Error == "" {
			done.Delivered++
		} else {
			done.Failed++
		}
		if enc.Encode(res) != nil {
			done.Stopped = true
			break
		}
		_ = ctl.Flush()
	}
	done.Done = true
	_ = enc.Encode(done)
}

// replayOne sends one entry's event and records the outcome; false when
// the entry is no longer there.
func (a *api) replayOne(ctx context.Context, id, to, token string, dryRun bool) (ReplayResult, bool) {
	e, err := a.store.Get(id)
	if errors.Is(err, ErrNotFound) {
		return ReplayResult{}, false
	}
	res := ReplayResult{ID: id, EventID: e.EventID, At: a.now().UTC(), DryRun: dryRun}
	if err != nil {
		res.Error = err.Error()
		return res, true
	}
	res.Target = to
	if to == "" || to == "original" {
		res.Target = e.Destination
		if res.Target == "" {
			res.Error = "the event has no " + ExtErrorDest + " to send it back to; replay it to a Broker (--to broker)"
		}
	}
	var ev event.Event
	if res.Error == "" {
		if err := json.Unmarshal(e.Event, &ev); err != nil {
			res.Error = "the stored event does not read back: " + err.Error()
		}
	}
	if res.Error != "" || dryRun {
		if res.Error != "" && !dryRun {
			_ = a.store.Replayed(id, res)
		}
		return res, true
	}
	// The event as it was, its id kept, without the reason of its last
	// failure, and with the count of replays.
	for _, k := range []string{ExtErrorDest, ExtErrorCode, ExtErrorData} {
		ev.SetExtension(k, nil)
	}
	ev.SetExtension(ExtReplays, int32(min(e.Replays+1, 1<<31-1)))
	res.Status, res.Error = a.send(ctx, res.Target, token, &ev)
	res.Delivered = res.Status >= 200 && res.Status < 300
	if err := a.store.Replayed(id, res); err != nil {
		if res.Delivered {
			res.Error = "delivered, but not removed from the store (a later replay sends it again): " + err.Error()
		} else {
			res.Error += "; recording the failure: " + err.Error()
		}
	}
	a.log.Info("replayed", "id", id, "eventId", res.EventID, "target", redact(res.Target), "status", res.Status, "delivered", res.Delivered)
	return res, true
}

// send posts the event in binary mode, following no redirect, and returns
// the status or why there was none.
func (a *api) send(ctx context.Context, target, token string, ev *event.Event) (int, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, nil)
	if err != nil {
		return 0, err.Error()
	}
	if err := cehttp.WriteRequest(ctx, binding.ToMessage(ev), req); err != nil {
		return 0, "encoding the event: " + err.Error()
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	} else if tok, err := os.ReadFile(a.cfg.OIDCTokenFile); err == nil && len(strings.TrimSpace(string(tok))) > 0 {
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(tok)))
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	msg := ""
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
		msg = strings.TrimSpace(strconv.Itoa(resp.StatusCode) + " " + http.StatusText(resp.StatusCode) + ": " + string(b))
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, msg
}

// redact hides a URL's user information and query, for logs.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}
