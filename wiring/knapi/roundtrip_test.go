package knapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
	"time"

	fuzz "github.com/google/gofuzz"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	eventingv1 "knative.dev/eventing/pkg/apis/eventing/v1"
	eventingv1alpha1 "knative.dev/eventing/pkg/apis/eventing/v1alpha1"
	messagingv1 "knative.dev/eventing/pkg/apis/messaging/v1"
	"knative.dev/pkg/apis"
	"sigs.k8s.io/yaml"
)

// pair is one of our types beside the upstream type it mirrors.
type pair struct {
	file           string
	ours, upstream func() any
}

var pairs = []pair{
	{"broker.yaml", func() any { return &Broker{} }, func() any { return &eventingv1.Broker{} }},
	{"trigger.yaml", func() any { return &Trigger{} }, func() any { return &eventingv1.Trigger{} }},
	{"channel.yaml", func() any { return &Channel{} }, func() any { return &messagingv1.Channel{} }},
	{"subscription.yaml", func() any { return &Subscription{} }, func() any { return &messagingv1.Subscription{} }},
	{"eventpolicy.yaml", func() any { return &EventPolicy{} }, func() any { return &eventingv1alpha1.EventPolicy{} }},
}

// strict decodes data into v refusing fields v does not have: a field the
// upstream type has and ours lacks fails here instead of vanishing.
func strict(t *testing.T, data []byte, v any) {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		t.Fatalf("decode into %T: %v\n%s", v, err, data)
	}
}

func marshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal %T: %v", v, err)
	}
	return b
}

// roundTrip sends upstream JSON through our type (by JSON, by the unstructured
// converter the clients use, and by a deep copy) and back into the upstream
// type, and says whether anything changed on the way.
func roundTrip(t *testing.T, p pair, upstreamJSON []byte) {
	t.Helper()
	ours := p.ours()
	strict(t, upstreamJSON, ours)
	viaJSON := marshal(t, ours)

	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(ours)
	if err != nil {
		t.Fatalf("to unstructured: %v", err)
	}
	fromU := p.ours()
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u, fromU); err != nil {
		t.Fatalf("from unstructured: %v", err)
	}
	copied := ours.(runtime.Object).DeepCopyObject()
	if !reflect.DeepEqual(copied, ours) {
		t.Errorf("%s: DeepCopyObject differs from its original", p.file)
	}
	if path := shared(reflect.ValueOf(ours), reflect.ValueOf(copied), ""); path != "" {
		t.Errorf("%s: the deep copy shares %s with its original", p.file, path)
	}
	for name, data := range map[string][]byte{"json": viaJSON, "unstructured": marshal(t, fromU), "deepcopy": marshal(t, copied)} {
		back := p.upstream()
		strict(t, data, back)
		if got := marshal(t, back); !bytes.Equal(got, upstreamJSON) {
			t.Errorf("%s via %s lost or changed something:\n upstream %s\n back     %s", p.file, name, upstreamJSON, got)
		}
	}
}

func TestGoldenObjectsRoundTripThroughUpstreamTypes(t *testing.T) {
	for _, p := range pairs {
		t.Run(p.file, func(t *testing.T) {
			y, err := os.ReadFile(filepath.Join("testdata", p.file))
			if err != nil {
				t.Fatal(err)
			}
			j, err := yaml.YAMLToJSON(y)
			if err != nil {
				t.Fatal(err)
			}
			up := p.upstream()
			strict(t, j, up) // the golden file is itself a valid upstream object
			upJSON := marshal(t, up)
			if len(upJSON) < len(j)*8/10 {
				t.Fatalf("upstream type dropped much of the golden file: %s", upJSON)
			}
			roundTrip(t, p, upJSON)
		})
	}
}

// Random upstream objects (every field, nested filters, nil and empty) make
// the same trip: a field added upstream and missed here fails the test.
func TestFuzzedObjectsRoundTripThroughUpstreamTypes(t *testing.T) {
	// KNAPI_FUZZ_SEED replays a run (its seed is logged).
	seed := time.Now().UnixNano()
	if v := os.Getenv("KNAPI_FUZZ_SEED"); v != "" {
		var err error
		if seed, err = strconv.ParseInt(v, 10, 64); err != nil {
			t.Fatalf("KNAPI_FUZZ_SEED: %v", err)
		}
	}
	t.Logf("seed %d (KNAPI_FUZZ_SEED=%d replays it)", seed, seed)
	f := fuzz.NewWithSeed(seed).NilChance(0.2).NumElements(0, 3).MaxDepth(8).Funcs(
		func(u *apis.URL, c fuzz.Continue) {
			*u = apis.URL{Scheme: "http", Host: fmt.Sprintf("h%d.example", c.Intn(1000)), Path: "/p"}
		},
		func(tm *metav1.Time, c fuzz.Continue) {
			*tm = metav1.Unix(c.Int63n(1<<32), 0)
		},
		func(r *runtime.RawExtension, c fuzz.Continue) {
			r.Raw = marshal(t, map[string]string{c.RandString(): c.RandString()})
		},
		func(fv *metav1.FieldsV1, c fuzz.Continue) { fv.Raw = []byte(`{"f:spec":{}}`) },
	)
	for _, p := range pairs {
		for i := 0; i < 200; i++ {
			up := p.upstream()
			f.Fuzz(up)
			roundTrip(t, p, marshal(t, up))
		}
	}
}

// timeType holds a *time.Location that every copy shares, as metav1.Time's own
// DeepCopy does.
var timeType = reflect.TypeOf(time.Time{})

// shared walks an original and its deep copy side by side and returns the path
// of the first pointer, map or slice they have in common ("" for none): equal
// values alone would not catch a copy that is shallow somewhere.
func shared(a, b reflect.Value, path string) string {
	switch a.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice:
		if a.IsNil() || b.IsNil() {
			return ""
		}
		if (a.Kind() != reflect.Slice || a.Cap() > 0) && a.Pointer() == b.Pointer() {
			return path
		}
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return ""
		}
		return shared(a.Elem(), b.Elem(), path)
	case reflect.Slice, reflect.Array:
		for i := 0; i < a.Len() && i < b.Len(); i++ {
			if p := shared(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i)); p != "" {
				return p
			}
		}
	case reflect.Map:
		for _, k := range a.MapKeys() {
			if v := b.MapIndex(k); v.IsValid() {
				if p := shared(a.MapIndex(k), v, fmt.Sprintf("%s[%v]", path, k)); p != "" {
					return p
				}
			}
		}
	case reflect.Struct:
		if a.Type() == timeType {
			return ""
		}
		for i := 0; i < a.NumField(); i++ {
			if p := shared(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name); p != "" {
				return p
			}
		}
	}
	return ""
}

// The walk finds a copy that is shallow anywhere, not just at the top.
func TestSharedFindsShallowCopies(t *testing.T) {
	orig := &Trigger{Spec: TriggerSpec{Filters: []SubscriptionsAPIFilter{{Not: &SubscriptionsAPIFilter{Exact: map[string]string{"type": "x"}}}}}}
	c := orig.DeepCopy()
	if p := shared(reflect.ValueOf(orig), reflect.ValueOf(c), ""); p != "" {
		t.Fatalf("a deep copy shares %s", p)
	}
	c.Spec.Filters[0].Not.Exact = orig.Spec.Filters[0].Not.Exact
	if p := shared(reflect.ValueOf(orig), reflect.ValueOf(c), ""); p != ".Spec.Filters[0].Not.Exact" {
		t.Fatalf("a shallow copy is reported at %q", p)
	}
}

// List copies copy every item and share no item memory with the original.
func TestListDeepCopy(t *testing.T) {
	l := &TriggerList{Items: []Trigger{{Spec: TriggerSpec{Broker: "a", Filter: &TriggerFilter{Attributes: TriggerFilterAttributes{"type": "x"}}}}}}
	c := l.DeepCopyObject().(*TriggerList)
	c.Items[0].Spec.Filter.Attributes["type"] = "changed"
	if l.Items[0].Spec.Filter.Attributes["type"] != "x" || len(c.Items) != 1 {
		t.Fatalf("the copy shares memory with the original: %+v", l.Items[0].Spec.Filter)
	}
}
