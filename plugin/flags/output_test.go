package flags

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/output"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
)

// -o as kubectl takes it on a command that changes an object: the formats,
// --template with and without -o, files, and kubectl's messages for what it
// cannot print, each a usage error naming --output.
func TestObjectOutputAsKubectl(t *testing.T) {
	obj := func() *corev1.ConfigMap {
		return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cm", ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "m"}}}, Data: map[string]string{"k": "v"}}
	}
	tmpl := filepath.Join(t.TempDir(), "t.tmpl")
	if err := os.WriteFile(tmpl, []byte(`{{.metadata.name}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args      []string
		want, err string
	}{
		{nil, "configmap/cm created\n", ""},
		{[]string{"-o", "name"}, "configmap/cm\n", ""},
		{[]string{"-o", "jsonpath={.data.k}"}, "v", ""},
		{[]string{"-o", "jsonpath-as-json={.data.k}"}, "[\n    \"v\"\n]\n", ""},
		{[]string{"-o", "go-template={{.data.k}}"}, "v", ""},
		{[]string{"--template", "{{.metadata.name}}"}, "cm", ""},
		{[]string{"-o", "go-template-file=" + tmpl}, "cm", ""},
		{[]string{"-o", "yaml"}, "apiVersion: v1\ndata:\n  k: v\nkind: ConfigMap\nmetadata:\n  creationTimestamp: null\n  name: cm\n", ""},
		{[]string{"-o", "yaml", "--show-managed-fields"}, "apiVersion: v1\ndata:\n  k: v\nkind: ConfigMap\nmetadata:\n  creationTimestamp: null\n  managedFields:\n  - manager: m\n  name: cm\n", ""},
		{[]string{"-o", "jsonpath={.missing}", "--allow-missing-template-keys=false"}, "", "missing is not found"},
		{[]string{"-o", "xml"}, "", `--output: unable to match a printer suitable for the output format "xml", allowed formats are: go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,yaml`},
		{[]string{"-o", "wide"}, "", `--output: "wide" is only for list commands; use json, yaml, name, jsonpath=... or go-template=...`},
		{[]string{"-o", "jsonpath"}, "", "--output: template format specified but no template given"},
		{[]string{"-o", "go-template={{.a"}, "", "--output: error parsing template {{.a"},
		{[]string{"-o", "go-template-file=" + tmpl + ".missing"}, "", "--output: error reading --template " + tmpl + ".missing"},
	} {
		o := ObjectOutput()
		cmd := &cobra.Command{}
		o.AddFlags(cmd)
		if err := cmd.ParseFlags(c.args); err != nil {
			t.Fatal(err)
		}
		var out, errOut bytes.Buffer
		err := o.Complete()
		if err != nil && !errors.Is(err, invalid.Err) && c.err != "" && strings.HasPrefix(c.err, "--output") {
			t.Errorf("%v: %v is not a usage error", c.args, err)
		}
		if err == nil {
			err = output.Changes(&out, &errOut, o.Printer(), "", []wiring.Change{{Object: obj(), Op: "created"}})
		}
		if (err == nil) != (c.err == "") || (err != nil && !strings.Contains(err.Error(), c.err)) || out.String() != c.want {
			t.Errorf("%v: got %q, %v; want %q, %q", c.args, out.String(), err, c.want, c.err)
		}
	}
}

// Each kind of -o takes its own formats and refuses the rest in one line.
func TestOutputKinds(t *testing.T) {
	for _, c := range []struct {
		o    *Output
		args []string
		err  string
	}{
		{NameOutput(), []string{"-o", "name"}, ""},
		{NameOutput(), []string{"-o", "json"}, `--output: unable to match a printer suitable for the output format "json", allowed formats are: name`},
		{NameOutput(), []string{"-o", "NAME"}, `--output: unable to match a printer suitable for the output format "NAME", allowed formats are: name`},
		{NameOutput(), []string{"-o", "wide"}, `--output: unable to match a printer suitable for the output format "wide", allowed formats are: name`},
		{DataOutput(), []string{"-o", "yaml"}, ""},
		{DataOutput(), []string{"-o", "name"}, `--output: "name": want json or yaml`},
		{DataOutput("tree", "dot"), []string{"-o", "dot"}, ""},
		{DataOutput("tree", "dot"), []string{"-o", "xml"}, `--output: "xml": want tree, dot, json or yaml`},
		{ViewOutput("table", "table", "json"), nil, ""},
		{ViewOutput("table", "table", "json"), []string{"-o", "yaml"}, `--output: "yaml": want table or json`},
		{ObjectOutput("wide"), []string{"-o", "wide"}, ""},
	} {
		cmd := &cobra.Command{}
		c.o.AddFlags(cmd)
		if err := cmd.ParseFlags(c.args); err != nil {
			t.Fatal(err)
		}
		err := c.o.Complete()
		if (err == nil) != (c.err == "") || (err != nil && err.Error() != c.err) {
			t.Errorf("%v: got %v, want %q", c.args, err, c.err)
		}
	}
}

// Several changed objects print as one v1 List, so -o json stays one
// document; a kept object is a warning on stderr, not part of it.
func TestChangesAsOneList(t *testing.T) {
	o := ObjectOutput()
	cmd := &cobra.Command{}
	o.AddFlags(cmd)
	_ = cmd.ParseFlags([]string{"-o", "json"})
	if err := o.Complete(); err != nil {
		t.Fatal(err)
	}
	cm := func(n string) runtime.Object { return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: n}} }
	var out, errOut bytes.Buffer
	err := output.Changes(&out, &errOut, o.Printer(), "(dry run)", []wiring.Change{{Object: cm("a"), Op: "created"},
		{Object: cm("b"), Op: wiring.OpKept, Reason: "in use"}, {Object: cm("c"), Op: "deleted"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "{\n    \"kind\": \"List\",") || strings.Count(out.String(), `"kind": "ConfigMap"`) != 2 ||
		!strings.Contains(out.String(), `"name": "a"`) || !strings.Contains(out.String(), `"name": "c"`) {
		t.Errorf("want one List of a and c, got %s", out.String())
	}
	if errOut.String() != "warning: configmap/b kept (dry run): in use\n" {
		t.Errorf("stderr: %q", errOut.String())
	}
}
