package batch_test

import (
	"fmt"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/internal/cmdtest"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"
)

// batch runs each line as the command typed alone: 40 Triggers are created,
// one result line each in input order; a line that fails when it runs (the
// API refuses it) is reported and makes the exit code 1, the others still run.
// The refused line names a Trigger that exists before the batch: lines run
// concurrently, so one naming a Trigger another line creates would race it.
func TestBatchCreatesEachLineAsASingleCommandWould(t *testing.T) {
	f := cmdtest.NewFactory("shop", &knapi.Trigger{ObjectMeta: metav1.ObjectMeta{Name: "t0", Namespace: "shop"},
		Spec: knapi.TriggerSpec{Broker: "default"}})
	var in strings.Builder
	in.WriteString("# triggers\n\n")
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&in, "trigger create t%d --sink http://handler.example/ --filter type=t%d\n", i, i)
	}
	in.WriteString("trigger create t0 --sink http://handler.example/\n")
	r := cmdtest.Run(t.Context(), f, in.String(), "batch", "-f", "-", "--concurrency", "8")
	lines := strings.Split(strings.TrimSpace(r.Stdout), "\n")
	if len(lines) != 41 {
		t.Fatalf("want 41 result lines, got %d:\n%s", len(lines), r.Stdout)
	}
	for i, l := range lines[:40] {
		if want := fmt.Sprintf("%d ok: trigger.eventing.knative.dev/t%d created", i+3, i+1); l != want {
			t.Fatalf("line %d: got %q, want %q", i, l, want)
		}
	}
	if lines[40] != `43 error: trigger "t0" already exists in namespace "shop": triggers.eventing.knative.dev "t0" already exists` || r.Code != 1 {
		t.Fatalf("the bad line: %q, exit %d", lines[40], r.Code)
	}
	l, err := f.EventingClient().Triggers("shop").List(t.Context(), metav1.ListOptions{})
	if err != nil || len(l.Items) != 41 {
		t.Fatalf("want 41 Triggers, got %d (%v)", len(l.Items), err)
	}
	for _, tr := range l.Items {
		if tr.Name == "t0" {
			continue
		}
		if tr.Spec.Filter == nil || tr.Spec.Filter.Attributes["type"] != tr.Name {
			t.Fatalf("trigger %s has filter %+v", tr.Name, tr.Spec.Filter)
		}
	}
}

// Every line is parsed before any runs: one that cannot be parsed, or that
// names a command that cannot run in a batch, stops it with nothing created.
func TestBatchParsesEveryLineFirst(t *testing.T) {
	f := cmdtest.NewFactory("shop")
	if r := cmdtest.Run(t.Context(), f, "# nothing here\n\n", "batch", "-f", "-"); r.Code != 2 || !strings.Contains(r.Stderr, "--filename: - holds no commands") {
		t.Fatalf("an empty batch: exit %d, stderr %q", r.Code, r.Stderr)
	}
	for _, bad := range []string{`trigger create "open`, "tail -n shop", "batch -f x"} {
		f := cmdtest.NewFactory("shop")
		r := cmdtest.Run(t.Context(), f, "trigger create t1 --sink http://x.example/\n"+bad+"\n", "batch", "-f", "-")
		if r.Code != 2 || !strings.Contains(r.Stderr, "--filename: line 2") {
			t.Fatalf("%q: exit %d, stderr %q", bad, r.Code, r.Stderr)
		}
		if l, _ := f.EventingClient().Triggers("shop").List(t.Context(), metav1.ListOptions{}); len(l.Items) != 0 {
			t.Fatalf("%q: a refused batch created %d Triggers", bad, len(l.Items))
		}
	}
}

// Every line is checked, as its client dry run would be, before any runs: a
// line with a usage error stops the batch with nothing created (the other
// lines were good), each failing line named on stderr.
func TestBatchChecksEveryLineBeforeRunningAny(t *testing.T) {
	f := cmdtest.NewFactory("shop")
	in := "trigger create t1 --sink http://x.example/\n" +
		"trigger create t2 --sink http://x.example/ --filter type=a\n" +
		"# a comment\n" +
		"trigger create bad --sink nowhere:x\n" +
		"broker create b --no-such-flag\n" +
		"trigger create t3 --sink http://x.example/\n"
	r := cmdtest.Run(t.Context(), f, in, "batch", "-f", "-")
	want := "4 error: --sink: \"nowhere:x\": unknown sink type \"nowhere\"; use KIND:APIVERSION:NAME for other kinds\n" +
		"5 error: unknown flag: --no-such-flag (see 'kubectl kymamesh broker create -h')\n" +
		"error: --filename: 2 of 5 lines failed their checks; none was run\n"
	if r.Code != 2 || r.Stdout != "" || r.Stderr != want {
		t.Fatalf("exit %d, stdout %q, stderr %q; want exit 2, no stdout, stderr %q", r.Code, r.Stdout, r.Stderr, want)
	}
	if l, _ := f.EventingClient().Triggers("shop").List(t.Context(), metav1.ListOptions{}); len(l.Items) != 0 {
		t.Fatalf("a batch with a bad line created %d Triggers", len(l.Items))
	}
}
