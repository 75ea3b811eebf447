// Package dlstore is the A/B of the embedded databases the dead-letter store
// could use (docs/benchmarks.md, "Dead-letter store: bbolt or SQLite"): the
// same records, the same durability (a commit per event, fsync), in one run.
// Its own module, so that the main module carries only the one chosen.
package dlstore

import (
	"bytes"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	_ "modernc.org/sqlite"
)

type rec struct {
	ID      string          `json:"id"`
	Arrived time.Time       `json:"arrived"`
	Dest    string          `json:"destination"`
	Code    int             `json:"code"`
	Event   json.RawMessage `json:"event"`
}

func record(i int) []byte {
	ev := fmt.Sprintf(`{"specversion":"1.0","id":"ev-%d","source":"shop","type":"order.created","knativeerrordest":"http://h.shop.svc.cluster.local","knativeerrorcode":"500","knativeerrordata":"c2VydmVyIGVycm9y","data":{"order":%d,"pad":"%s"}}`, i, i, bytes.Repeat([]byte("x"), 1000))
	b, _ := json.Marshal(rec{ID: fmt.Sprint(i), Arrived: time.Now(), Dest: "http://h.shop.svc.cluster.local", Code: 500 + i%2, Event: json.RawMessage(ev)})
	return b
}

type store interface {
	put(i int, b []byte) error
	scan(fn func(b []byte)) error
	close()
}

type boltStore struct{ db *bolt.DB }

func openBolt(dir string) store {
	db, err := bolt.Open(filepath.Join(dir, "dl.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		panic(err)
	}
	db.MaxBatchDelay = time.Millisecond
	_ = db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucketIfNotExists([]byte("ev")); return err })
	return &boltStore{db}
}
func (s *boltStore) put(i int, b []byte) error {
	return s.db.Batch(func(tx *bolt.Tx) error {
		var k [8]byte
		binary.BigEndian.PutUint64(k[:], uint64(i))
		return tx.Bucket([]byte("ev")).Put(k[:], b)
	})
}
func (s *boltStore) scan(fn func([]byte)) error {
	return s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("ev")).ForEach(func(_, v []byte) error { fn(v); return nil })
	})
}
func (s *boltStore) close() { s.db.Close() }

type sqlStore struct {
	db  *sql.DB
	ins *sql.Stmt
}

func openSQLite(dir string) store {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "dl.sqlite")+"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(5000)")
	if err != nil {
		panic(err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS ev (seq INTEGER PRIMARY KEY, rec BLOB NOT NULL)`); err != nil {
		panic(err)
	}
	ins, err := db.Prepare(`INSERT INTO ev(seq, rec) VALUES (?, ?)`)
	if err != nil {
		panic(err)
	}
	return &sqlStore{db, ins}
}
func (s *sqlStore) put(i int, b []byte) error { _, err := s.ins.Exec(i, b); return err }
func (s *sqlStore) scan(fn func([]byte)) error {
	rows, err := s.db.Query(`SELECT rec FROM ev ORDER BY seq`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return err
		}
		fn(b)
	}
	return rows.Err()
}
func (s *sqlStore) close() { s.db.Close() }

var backends = []struct {
	name string
	open func(string) store
}{{"bbolt", openBolt}, {"sqlite", openSQLite}}

// Durable intake: each put returns once committed (fsync), from 1 and 16 writers.
func BenchmarkIntake(b *testing.B) {
	for _, be := range backends {
		for _, writers := range []int{1, 16} {
			b.Run(fmt.Sprintf("%s/writers=%d", be.name, writers), func(b *testing.B) {
				s := be.open(b.TempDir())
				defer s.close()
				recs := make([][]byte, 64)
				for i := range recs {
					recs[i] = record(i)
				}
				var n atomic.Int64
				var wg sync.WaitGroup
				b.ResetTimer()
				for w := 0; w < writers; w++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for {
							i := int(n.Add(1))
							if i > b.N {
								return
							}
							if err := s.put(i, recs[i%64]); err != nil {
								b.Error(err)
								return
							}
						}
					}()
				}
				wg.Wait()
			})
		}
	}
}

// A filtered list over 100,000 stored events (every record decoded, as the store's list does).
func BenchmarkList100k(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			s := be.open(b.TempDir())
			defer s.close()
			r := record(1)
			fill(b, s, r)
			b.ResetTimer()
			for range b.N {
				n := 0
				if err := s.scan(func(v []byte) {
					var x struct {
						Code int `json:"code"`
					}
					_ = json.Unmarshal(v, &x)
					if x.Code == 500 {
						n++
					}
				}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func fill(b *testing.B, s store, r []byte) {
	switch s := s.(type) {
	case *boltStore:
		for start := 0; start < 100000; start += 10000 {
			_ = s.db.Update(func(tx *bolt.Tx) error {
				for i := start; i < start+10000; i++ {
					var k [8]byte
					binary.BigEndian.PutUint64(k[:], uint64(i))
					if err := tx.Bucket([]byte("ev")).Put(k[:], r); err != nil {
						return err
					}
				}
				return nil
			})
		}
	case *sqlStore:
		tx, _ := s.db.Begin()
		for i := 0; i < 100000; i++ {
			if _, err := tx.Exec(`INSERT INTO ev(seq, rec) VALUES (?, ?)`, i, r); err != nil {
				b.Fatal(err)
			}
		}
		_ = tx.Commit()
	}
}
