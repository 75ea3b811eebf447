package deadletter

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/adapter/deadletter/dlapi"
)

// The database's buckets: the entries whole, their summaries (what list and
// stats read, so that 100,000 of them are scanned without decoding events),
// the key each event is known by (source and id: the same event dead-lettered
// twice is one entry), and the store's counters.
var (
	bucketEntries   = []byte("entries")
	bucketSummaries = []byte("summaries")
	bucketKeys      = []byte("keys")
	bucketMeta      = []byte("meta")
	metaBytes       = []byte("bytes")
)

// DBFile is the database's name in the data folder.
const DBFile = "deadletters.db"

// The API's types are dlapi's (shared with the plugin's client).
type (
	Entry   = dlapi.Entry
	Summary = dlapi.Summary
)

// Store is the dead letters on disk, a bbolt database: each write is
// committed (fsync) before it returns.
type Store struct {
	db    *bolt.DB
	limit int64 // bytes of entries the store takes at most; 0: no limit

	mu    sync.Mutex // guards bytes, as written by committed transactions
	bytes int64
}

// ErrFull is Put's answer when the store holds its limit.
var ErrFull = errors.New("the dead-letter store is full")

// ErrNotFound is the answer about an id the store does not hold.
var ErrNotFound = errors.New("no such dead letter")

// DamagedError says the database file could not be read; it was moved to SetAside.
type DamagedError struct {
	Path, SetAside string
	Err            error
}

func (e *DamagedError) Error() string {
	return fmt.Sprintf("the dead-letter database %s is damaged (%v); it was moved to %s, and the next start begins an empty store beside it",
		e.Path, e.Err, e.SetAside)
}

func (e *DamagedError) Unwrap() error { return e.Err }

// Open opens (or creates) the store in dir. A file that is not a readable
// bbolt database is moved aside (to deadletters.db.damaged-TIME) and Open
// returns a *DamagedError: it never starts an empty store in its place.
func Open(dir string, limit int64) (*Store, error) {
	path := filepath.Join(dir, DBFile)
	db, err := openChecked(path)
	if err != nil {
		if errors.Is(err, errLocked) || errors.Is(err, os.ErrPermission) {
			return nil, err
		}
		if _, statErr := os.Stat(path); statErr != nil {
			return nil, err // nothing to set aside: the folder is the problem
		}
		aside := path + ".damaged-" + time.Now().UTC().Format("20060102T150405Z")
		if mvErr := os.Rename(path, aside); mvErr != nil {
			return nil, fmt.Errorf("the dead-letter database %s is damaged (%w) and could not be moved aside: %w", path, err, mvErr)
		}
		return nil, &DamagedError{Path: path, SetAside: aside, Err: err}
	}
	s := &Store{db: db, limit: limit}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketEntries, bucketSummaries, bucketKeys, bucketMeta} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		if v := tx.Bucket(bucketMeta).Get(metaBytes); len(v) == 8 {
			s.bytes = int64(binary.BigEndian.Uint64(v))
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	return s, nil
}

var errLocked = errors.New("the dead-letter database is held by another process")

// openChecked opens path and checks every page of it: bbolt checks only its
// meta pages on open, and would panic on a damaged page found later.
func openChecked(path string) (db *bolt.DB, err error) {
	defer func() {
		if r := recover(); r != nil {
			if db != nil {
				_ = db.Close()
			}
			db, err = nil, fmt.Errorf("reading it failed: %v", r)
		}
	}()
	db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: 10 * time.Second})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("%w: %s", errLocked, path)
	}
	if err != nil {
		return nil, err
	}
	db.MaxBatchDelay = 2 * time.Millisecond
	err = db.View(func(tx *bolt.Tx) error {
		var problems []string
		for e := range tx.Check() {
			if len(problems) < 3 {
				problems = append(problems, e.Error())
			}
		}
		if len(problems) > 0 {
			return errors.New(strings.Join(problems, "; "))
		}
		// The entries must decode, else list and replay would fail on them later.
		return forEachBucket(tx, bucketSummaries, func(k, v []byte) error {
			var s Summary
			if err := json.Unmarshal(v, &s); err != nil {
				return fmt.Errorf("entry %d: %w", binary.BigEndian.Uint64(k), err)
			}
			return nil
		})
	})
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	return db, nil
}

func forEachBucket(tx *bolt.Tx, name []byte, fn func(k, v []byte) error) error {
	b := tx.Bucket(name)
	if b == nil {
		return nil
	}
	return b.ForEach(fn)
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Bytes is what the entries take, and the limit.
func (s *Store) Bytes() (used, limit int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bytes, s.limit
}

func key(seq uint64) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], seq)
	return k[:]
}

// ParseID reads a store id.
func ParseID(id string) (uint64, bool) {
	n, err := strconv.ParseUint(id, 10, 64)
	return n, err == nil && n > 0
}

// eventKey is how an event is known: CloudEvents says source and id
// identify it.
func eventKey(source, id string) []byte { return []byte(source + "\x00" + id) }

// Put stores an entry for the event and returns once it is committed to
// disk. An event already held (same source and id) is the same entry: its
// event and reason are replaced and its deliveries counted. ErrFull when it
// would take the store past its limit.
func (s *Store) Put(sum Summary, event []byte, now time.Time) (Summary, error) {
	var out Summary
	var delta int64
	err := s.db.Batch(func(tx *bolt.Tx) error {
		delta = 0
		entries, sums, keys := tx.Bucket(bucketEntries), tx.Bucket(bucketSummaries), tx.Bucket(bucketKeys)
		e := Entry{Summary: sum, Event: event}
		e.Arrived, e.LastArrived, e.Deliveries = now, now, 1
		ek := eventKey(sum.Source, sum.EventID)
		var k []byte
		if old := keys.Get(ek); old != nil {
			var prev Summary
			if err := json.Unmarshal(sums.Get(old), &prev); err == nil {
				e.ID, e.Arrived, e.Deliveries = prev.ID, prev.Arrived, prev.Deliveries+1
				e.Replays, e.LastReplay = prev.Replays, prev.LastReplay
				delta -= int64(prev.Size)
				k = append([]byte(nil), old...)
			}
		}
		if k == nil {
			seq, err := entries.NextSequence()
			if err != nil {
				return err
			}
			k, e.ID = key(seq), strconv.FormatUint(seq, 10)
		}
		rec, summary, err := encodeEntry(&e)
		if err != nil {
			return err
		}
		delta += int64(e.Size)
		if s.limit > 0 && delta > 0 && txBytes(tx)+delta > s.limit {
			return ErrFull
		}
		if err := entries.Put(k, rec); err != nil {
			return err
		}
		if err := sums.Put(k, summary); err != nil {
			return err
		}
		if err := keys.Put(ek, k); err != nil {
			return err
		}
		out = e.Summary
		return s.addBytes(tx, delta)
	})
	if err != nil {
		return Summary{}, err
	}
	return out, nil
}

// txBytes is the entries' bytes as the transaction sees them (other events
// of the same batch included).
func txBytes(tx *bolt.Tx) int64 {
	if v := tx.Bucket(bucketMeta).Get(metaBytes); len(v) == 8 {
		return int64(binary.BigEndian.Uint64(v))
	}
	return 0
}

// addBytes counts delta in the transaction; the committed count follows in
// s.bytes once it is on disk.
func (s *Store) addBytes(tx *bolt.Tx, delta int64) error {
	meta := tx.Bucket(bucketMeta)
	cur := max(txBytes(tx)+delta, 0)
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(cur))
	if err := meta.Put(metaBytes, b[:]); err != nil {
		return err
	}
	tx.OnCommit(func() {
		s.mu.Lock()
		s.bytes = cur
		s.mu.Unlock()
	})
	return nil
}

// encodeEntry returns the entry's record and its summary's, and sets its
// Size: what the store counts for it (its bytes, roughly, as first encoded).
func encodeEntry(e *Entry) (rec, summary []byte, err error) {
	e.Size = 0
	for _, final := range []bool{false, true} { // the size is part of what it measures
		if summary, err = json.Marshal(e.Summary); err != nil {
			return nil, nil, err
		}
		if rec, err = json.Marshal(e); err != nil {
			return nil, nil, err
		}
		if !final {
			e.Size = len(rec) + len(summary) + 64 // keys and page overhead, roughly
		}
	}
	return rec, summary, nil
}

// Get returns an entry.
func (s *Store) Get(id string) (Entry, error) {
	seq, ok := ParseID(id)
	if !ok {
		return Entry{}, ErrNotFound
	}
	var e Entry
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketEntries).Get(key(seq))
		if v == nil {
			return ErrNotFound
		}
		return json.Unmarshal(v, &e)
	})
	return e, err
}

// Filter selects summaries for list, stats, replay and purge.
type Filter struct {
	Since       time.Time // arrived (last) at or after
	Before      time.Time // arrived (last) before
	Destination string    // knativeerrordest, exactly
	Code        int
	After       uint64 // ids after this one (paging)
}

func (f Filter) match(s *Summary) bool {
	return (f.Since.IsZero() || !s.LastArrived.Before(f.Since)) && (f.Before.IsZero() || s.LastArrived.Before(f.Before)) &&
		(f.Destination == "" || s.Destination == f.Destination) && (f.Code == 0 || s.Code == f.Code)
}

// Scan calls fn for each matching summary in id order until fn returns false.
func (s *Store) Scan(f Filter, fn func(Summary) bool) error {
	return s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketSummaries).Cursor()
		k, v := c.First()
		if f.After > 0 {
			k, v = c.Seek(key(f.After + 1))
		}
		for ; k != nil; k, v = c.Next() {
			var sum Summary
			if err := json.Unmarshal(v, &sum); err != nil {
				return fmt.Errorf("entry %d: %w", binary.BigEndian.Uint64(k), err)
			}
			if f.match(&sum) && !fn(sum) {
				return nil
			}
		}
		return nil
	})
}

// Delete removes entries; it returns the ids it did not hold.
func (s *Store) Delete(ids []string) (missing []string, err error) {
	err = s.db.Update(func(tx *bolt.Tx) error {
		missing = missing[:0]
		var delta int64
		for _, id := range ids {
			seq, ok := ParseID(id)
			if !ok {
				missing = append(missing, id)
				continue
			}
			n, err := deleteEntry(tx, key(seq))
			if err != nil {
				return err
			}
			if n == 0 {
				missing = append(missing, id)
			}
			delta -= n
		}
		return s.addBytes(tx, delta)
	})
	return missing, err
}

// deleteEntry removes one entry and returns the bytes it took (0: none held).
func deleteEntry(tx *bolt.Tx, k []byte) (int64, error) {
	sums := tx.Bucket(bucketSummaries)
	v := sums.Get(k)
	if v == nil {
		return 0, nil
	}
	var sum Summary
	if err := json.Unmarshal(v, &sum); err != nil {
		return 0, err
	}
	for _, del := range []func() error{
		func() error { return tx.Bucket(bucketEntries).Delete(k) },
		func() error { return sums.Delete(k) },
		func() error { return tx.Bucket(bucketKeys).Delete(eventKey(sum.Source, sum.EventID)) },
	} {
		if err := del(); err != nil {
			return 0, err
		}
	}
	return int64(max(sum.Size, 1)), nil
}

// Replayed records a replay's outcome: a delivered entry is deleted, a
// failed one keeps its count of replays and the last result.
func (s *Store) Replayed(id string, res ReplayResult) error {
	seq, ok := ParseID(id)
	if !ok {
		return ErrNotFound
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		k := key(seq)
		if res.Delivered {
			n, err := deleteEntry(tx, k)
			if err != nil {
				return err
			}
			return s.addBytes(tx, -n)
		}
		v := tx.Bucket(bucketEntries).Get(k)
		if v == nil {
			return nil // purged meanwhile
		}
		var e Entry
		if err := json.Unmarshal(v, &e); err != nil {
			return err
		}
		old := e.Size
		e.Replays++
		r := res
		e.LastReplay = &r
		rec, summary, err := encodeEntry(&e)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketEntries).Put(k, rec); err != nil {
			return err
		}
		if err := tx.Bucket(bucketSummaries).Put(k, summary); err != nil {
			return err
		}
		return s.addBytes(tx, int64(e.Size-old))
	})
}

// isNoSpace says whether err is the volume being full.
func isNoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}
