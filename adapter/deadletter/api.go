package deadletter

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	cesql "github.com/cloudevents/sdk-go/sql/v2"
	"github.com/cloudevents/sdk-go/v2/event"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/adapter/deadletter/dlapi"
)

// api serves list, show, stats, replay and purge (docs/deadletter.md).
type api struct {
	cfg    Config
	store  *Store
	log    *slog.Logger
	client *http.Client
	now    func() time.Time
	// replaying: one replay at a time, so that two never send the same event.
	replaying sync.Mutex
}

// Page sizes of list.
const (
	defaultPage = 100
	maxPage     = 1000
	// maxSelectBody bounds a replay or purge request (ids and an expression).
	maxSelectBody = 1 << 20
)

func (a *api) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/events", a.list)
	mux.HandleFunc("GET /v1/events/{id}", a.show)
	mux.HandleFunc("GET /v1/stats", a.stats)
	mux.HandleFunc("POST /v1/replay", a.replay)
	mux.HandleFunc("POST /v1/purge", a.purge)
	return mux
}

// ListPage is dlapi's (shared with the plugin's client).
type ListPage = dlapi.ListPage

func (a *api) filter(r *http.Request) (Filter, string) {
	q := r.URL.Query()
	var f Filter
	for _, v := range []struct {
		name string
		dst  *time.Time
	}{{"since", &f.Since}, {"before", &f.Before}} {
		if s := q.Get(v.name); s != "" {
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				return f, v.name + ": " + strconv.Quote(s) + " is not an RFC 3339 time"
			}
			*v.dst = t
		}
	}
	f.Destination = q.Get("destination")
	if s := q.Get("code"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 100 || n > 599 {
			return f, "code: " + strconv.Quote(s) + " is not an HTTP status code"
		}
		f.Code = n
	}
	if s := q.Get("after"); s != "" {
		n, ok := ParseID(s)
		if !ok {
			return f, "after: " + strconv.Quote(s) + " is not a dead letter's id"
		}
		f.After = n
	}
	return f, ""
}

func (a *api) list(w http.ResponseWriter, r *http.Request) {
	f, problem := a.filter(r)
	if problem != "" {
		writeError(w, http.StatusBadRequest, problem)
		return
	}
	limit := defaultPage
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxPage {
			writeError(w, http.StatusBadRequest, "limit: "+strconv.Quote(s)+" is not a number from 1 to "+strconv.Itoa(maxPage))
			return
		}
		limit = n
	}
	page := ListPage{Items: []Summary{}}
	more := false
	err := a.store.Scan(f, func(s Summary) bool {
		if len(page.Items) == limit {
			more = true
			return false
		}
		page.Items = append(page.Items, s)
		return true
	})
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	if more {
		page.Next = page.Items[len(page.Items)-1].ID
	}
	writeJSON(w, http.StatusOK, page)
}

func (a *api) show(w http.ResponseWriter, r *http.Request) {
	e, err := a.store.Get(r.PathValue("id"))
	if errors.Is(err, ErrNotFound) {
		writeError(w, http.StatusNotFound, "no dead letter "+strconv.Quote(r.PathValue("id")))
		return
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, e)
}

// Stats is dlapi's (shared with the plugin's client).
type Stats = dlapi.Stats

func (a *api) stats(w http.ResponseWriter, _ *http.Request) {
	st := Stats{ByDestination: map[string]int{}, ByCode: map[string]int{}}
	st.Bytes, st.LimitBytes = a.store.Bytes()
	err := a.store.Scan(Filter{}, func(s Summary) bool {
		st.Count++
		st.ByDestination[s.Destination]++
		st.ByCode[strconv.Itoa(s.Code)]++
		t := s.LastArrived
		if st.Oldest == nil || t.Before(*st.Oldest) {
			st.Oldest = &t
		}
		if st.Newest == nil || t.After(*st.Newest) {
			st.Newest = &t
		}
		return true
	})
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	st.SetAside = SetAside(a.cfg.DataDir)
	writeJSON(w, http.StatusOK, st)
}

// SetAside lists the damaged database files moved aside in dir.
func SetAside(dir string) []string {
	m, _ := filepath.Glob(filepath.Join(dir, DBFile+".damaged-*"))
	for i := range m {
		m[i] = filepath.Base(m[i])
	}
	sort.Strings(m)
	return m
}

// Selection is dlapi's (shared with the plugin's client).
type Selection = dlapi.Selection

// selectionError is a selection refused before anything was done.
type selectionError struct {
	code    int
	msg     string
	missing []string
}

// resolve turns a selection into entry ids, in id order.
func (a *api) resolve(sel Selection) ([]string, *selectionError) {
	n := 0
	if len(sel.IDs) > 0 {
		n++
	}
	if sel.All {
		n++
	}
	if sel.CESQL != "" {
		n++
	}
	if n != 1 {
		return nil, &selectionError{code: http.StatusBadRequest, msg: "give exactly one of ids, all and cesql"}
	}
	f := Filter{Destination: sel.Destination, Code: sel.Code}
	for _, v := range []struct {
		name, s string
		dst     *time.Time
	}{{"since", sel.Since, &f.Since}, {"before", sel.Before, &f.Before}} {
		if v.s == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, v.s)
		if err != nil {
			return nil, &selectionError{code: http.StatusBadRequest, msg: v.name + ": " + strconv.Quote(v.s) + " is not an RFC 3339 time"}
		}
		*v.dst = t
	}
	if len(sel.IDs) > 0 {
		var ids, missing []string
		seen := map[string]bool{}
		for _, id := range sel.IDs {
			if seen[id] {
				continue
			}
			seen[id] = true
			if _, err := a.store.Get(id); errors.Is(err, ErrNotFound) {
				missing = append(missing, id)
			} else if err != nil {
				return nil, &selectionError{code: http.StatusInternalServerError, msg: err.Error()}
			}
			ids = append(ids, id)
		}
		if len(missing) > 0 {
			return nil, &selectionError{code: http.StatusNotFound, msg: "no dead letter " + strings.Join(missing, ", "), missing: missing}
		}
		return ids, nil
	}
	var expr cesql.Expression
	if sel.CESQL != "" {
		var err error
		if expr, err = parseCESQL(sel.CESQL); err != nil {
			return nil, &selectionError{code: http.StatusBadRequest, msg: "cesql: " + err.Error()}
		}
	}
	var ids []string
	var scanErr error
	err := a.store.Scan(f, func(s Summary) bool {
		if expr != nil {
			ok, err := a.matches(expr, s.ID)
			if err != nil {
				scanErr = err
				return false
			}
			if !ok {
				return true
			}
		}
		ids = append(ids, s.ID)
		return true
	})
	if err == nil {
		err = scanErr
	}
	if err != nil {
		return nil, &selectionError{code: http.StatusInternalServerError, msg: err.Error()}
	}
	return ids, nil
}

// matches evaluates expr on the stored event; an evaluation error (a type
// mismatch, a missing attribute) is a no, as Knative's filter takes it.
func (a *api) matches(expr cesql.Expression, id string) (bool, error) {
	e, err := a.store.Get(id)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	var ev event.Event
	if err := json.Unmarshal(e.Event, &ev); err != nil {
		return false, err
	}
	v, err := expr.Evaluate(ev)
	if err != nil {
		return false, nil //nolint:nilerr // as Knative's CESQL filter: an error does not match
	}
	b, ok := v.(bool)
	return ok && b, nil
}

func readSelection(w http.ResponseWriter, r *http.Request, dst any) bool {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxSelectBody))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "the request is larger than "+strconv.Itoa(maxSelectBody)+" bytes")
		return false
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		writeError(w, http.StatusBadRequest, "the request is not what the API takes: "+err.Error())
		return false
	}
	return true
}

// PurgeResult is dlapi's (shared with the plugin's client).
type PurgeResult = dlapi.PurgeResult

func (a *api) purge(w http.ResponseWriter, r *http.Request) {
	var sel Selection
	if !readSelection(w, r, &sel) {
		return
	}
	ids, serr := a.resolve(sel)
	if serr != nil {
		writeJSON(w, serr.code, struct {
			Error   string   `json:"error"`
			Missing []string `json:"missing,omitempty"`
		}{serr.msg, serr.missing})
		return
	}
	missing, err := a.store.Delete(ids)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	gone := map[string]bool{}
	for _, m := range missing {
		gone[m] = true
	}
	res := PurgeResult{Deleted: []string{}}
	for _, id := range ids {
		if !gone[id] {
			res.Deleted = append(res.Deleted, id)
		}
	}
	writeJSON(w, http.StatusOK, res)
}
