package output

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// -o as kubectl takes it: the formats, --template with and without -o, files,
// and kubectl's messages for what it cannot print.
func TestPrintFlagsAsKubectl(t *testing.T) {
	obj := &corev1.ConfigMap{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: "cm", ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "m"}}}, Data: map[string]string{"k": "v"}}
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
		{[]string{"-o", "xml"}, "", `unable to match a printer suitable for the output format "xml", allowed formats are: go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,yaml`},
		{[]string{"-o", "jsonpath"}, "", "template format specified but no template given"},
		{[]string{"-o", "go-template={{.a"}, "", "error parsing template {{.a"},
	} {
		f := NewPrintFlags("created")
		cmd := &cobra.Command{}
		f.AddFlags(cmd)
		if err := cmd.ParseFlags(c.args); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		p, err := f.ToPrinter()
		if err == nil {
			err = p.PrintObj(obj.DeepCopy(), &out)
		}
		if (err == nil) != (c.err == "") || (err != nil && !bytes.Contains([]byte(err.Error()), []byte(c.err))) || out.String() != c.want {
			t.Errorf("%v: got %q, %v; want %q, %q", c.args, out.String(), err, c.want, c.err)
		}
	}
}
