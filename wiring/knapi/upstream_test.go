package knapi

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// Knative's newer releases reach this test as data: test/knapi/<version>/
// writes their own objects as JSON (the golden files decoded through their
// types, and random objects with every field), because this module's go.mod
// holds the oldest supported release's types. Each object goes through the
// plugin's type as built here, which must take every field and give back the
// same JSON. `make knapi-upstream` writes the corpus and runs this (CI does);
// without KNAPI_UPSTREAM_CORPUS it is skipped.
func TestNewerUpstreamObjectsRoundTrip(t *testing.T) {
	dir := os.Getenv("KNAPI_UPSTREAM_CORPUS")
	if dir == "" {
		t.Skip("KNAPI_UPSTREAM_CORPUS is not set (make knapi-upstream sets it)")
	}
	for _, p := range pairs {
		name := p.file[:len(p.file)-len(filepath.Ext(p.file))] + ".json"
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			var objs []json.RawMessage
			if err := json.Unmarshal(data, &objs); err != nil {
				t.Fatal(err)
			}
			if len(objs) < 2 {
				t.Fatalf("%s holds %d objects", name, len(objs))
			}
			for i, raw := range objs {
				ours := p.ours()
				d := json.NewDecoder(bytes.NewReader(raw))
				d.DisallowUnknownFields()
				if err := d.Decode(ours); err != nil {
					t.Fatalf("object %d: a field of the newer release that %T lacks: %v\n%s", i, ours, err, raw)
				}
				var want, got any
				if err := json.Unmarshal(raw, &want); err != nil {
					t.Fatal(err)
				}
				if err := json.Unmarshal(marshal(t, ours), &got); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(dropNulls(want), dropNulls(got)) {
					t.Fatalf("object %d: %T changed it:\n upstream %s\n ours     %s", i, ours, raw, marshal(t, ours))
				}
			}
		})
	}
}

// dropNulls removes the keys whose value is null: a field absent and a field
// null are the same object (newer apimachinery leaves a zero
// metadata.creationTimestamp out where this module's writes null).
func dropNulls(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if e == nil {
				delete(v, k)
				continue
			}
			v[k] = dropNulls(e)
		}
	case []any:
		for i, e := range v {
			v[i] = dropNulls(e)
		}
	}
	return v
}
