package output

import (
	"bytes"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"knative.dev/pkg/apis"
)

func TestTableIsKubectlStyle(t *testing.T) {
	var b bytes.Buffer
	if err := Table(&b, []string{"name", "ready"}, [][]string{{"a-long-name", "True"}, {"b", ""}}, false); err != nil {
		t.Fatal(err)
	}
	want := "NAME          READY\na-long-name   True\nb\n"
	if b.String() != want {
		t.Fatalf("want %q, got %q", want, b.String())
	}
	b.Reset()
	_ = Table(&b, []string{"name"}, [][]string{{"x"}}, true)
	if b.String() != "x\n" {
		t.Fatalf("--no-headers: got %q", b.String())
	}
}

func TestDescribePutsReadyFirst(t *testing.T) {
	now := time.Now()
	conds := apis.Conditions{
		{Type: "Addressable", Status: corev1.ConditionTrue},
		{Type: apis.ConditionReady, Status: corev1.ConditionFalse, Reason: "NotFound", Message: "channel missing"},
	}
	var b bytes.Buffer
	if err := Describe(&b, []Field{{Name: "Name", Value: "b"}, {Name: "Dead letter sink"}}, conds, now); err != nil {
		t.Fatal(err)
	}
	want := "Name:              b\n" +
		"Dead letter sink:  <none>\n" +
		"Conditions:\n" +
		"  TYPE          STATUS   REASON     MESSAGE           AGE\n" +
		"  Ready         False    NotFound   channel missing   <unknown>\n" +
		"  Addressable   True                                  <unknown>\n"
	if b.String() != want {
		t.Fatalf("want\n%s\ngot\n%s", want, b.String())
	}
}
