// Command corpus writes Knative Eventing's own objects, of the release this
// module requires, as JSON for wiring/knapi's round-trip test: the plugin's
// go.mod pins the oldest supported release (its upstream types are what
// roundtrip_test.go compares with), so the newer release's types live in this
// module and reach the plugin's test as data. Each file, KIND.json, holds the
// golden object (wiring/knapi/testdata/KIND.yaml, decoded strictly through the
// upstream type: it is valid for this release too) and random objects with
// every field the upstream type has.
//
// Usage: go run . [-n 200] [-seed N] OUT_DIR   (the Makefile's knapi-upstream target)
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
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

var kinds = []struct {
	name     string
	upstream func() any
}{
	{"broker", func() any { return &eventingv1.Broker{} }},
	{"trigger", func() any { return &eventingv1.Trigger{} }},
	{"channel", func() any { return &messagingv1.Channel{} }},
	{"subscription", func() any { return &messagingv1.Subscription{} }},
	{"eventpolicy", func() any { return &eventingv1alpha1.EventPolicy{} }},
}

func main() {
	n := flag.Int("n", 200, "random objects per kind")
	seed := flag.Int64("seed", time.Now().UnixNano(), "the random objects' seed")
	golden := flag.String("golden", "../../../wiring/knapi/testdata", "the golden YAML files")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: go run . [-n N] [-seed N] OUT_DIR")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *golden, *n, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "corpus:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "corpus: %d kinds, %d random objects each, seed %d, in %s\n", len(kinds), *n, *seed, flag.Arg(0))
}

func run(out, golden string, n int, seed int64) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	f := fuzz.NewWithSeed(seed).NilChance(0.2).NumElements(0, 3).MaxDepth(8).Funcs(
		func(u *apis.URL, c fuzz.Continue) {
			*u = apis.URL{Scheme: "http", Host: fmt.Sprintf("h%d.example", c.Intn(1000)), Path: "/p"}
		},
		func(tm *metav1.Time, c fuzz.Continue) { *tm = metav1.Unix(c.Int63n(1<<32), 0) },
		func(r *runtime.RawExtension, c fuzz.Continue) {
			r.Raw, _ = json.Marshal(map[string]string{c.RandString(): c.RandString()})
		},
		func(fv *metav1.FieldsV1, c fuzz.Continue) { fv.Raw = []byte(`{"f:spec":{}}`) },
	)
	for _, k := range kinds {
		y, err := os.ReadFile(filepath.Join(golden, k.name+".yaml"))
		if err != nil {
			return err
		}
		j, err := yaml.YAMLToJSON(y)
		if err != nil {
			return err
		}
		g := k.upstream()
		d := json.NewDecoder(bytes.NewReader(j))
		d.DisallowUnknownFields()
		if err := d.Decode(g); err != nil {
			return fmt.Errorf("the golden %s is not a valid object of this release: %w", k.name, err)
		}
		objs := []any{g}
		for range n {
			o := k.upstream()
			f.Fuzz(o)
			objs = append(objs, o)
		}
		b, err := json.Marshal(objs)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, k.name+".json"), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
