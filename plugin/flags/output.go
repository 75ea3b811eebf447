package flags

import (
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/printers"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/output"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
)

// Output is -o: every command registers, completes and checks it here, so
// that the same value means the same everywhere and is refused with the same
// words. What a command prints decides the formats it takes:
//   - API objects (ObjectOutput): kubectl's json, yaml, name, templates and
//     jsonpath, with --template, --allow-missing-template-keys and
//     --show-managed-fields; deletes (NameOutput) take name only, as kubectl's;
//   - other results (DataOutput): json and yaml;
//   - views of its own, on top: list's wide, status's tree and dot, tail's
//     table.
//
// The empty format is the command's human view.
type Output struct {
	Format string
	// Help is -o's usage text; the constructors give a default.
	Help string

	print   output.PrintFlags
	objects []string // object formats taken (output.ObjectFormats or a part)
	data    bool     // json and yaml of a value that is not an API object
	views   []string
	printer printers.ResourcePrinter
	given   func(name string) bool
}

// ObjectOutput is -o of a command that prints API objects, plus its own views.
func ObjectOutput(views ...string) *Output {
	return &Output{objects: output.ObjectFormats(), views: views, print: output.PrintFlags{AllowMissingTemplateKeys: true, ReadFile: os.ReadFile},
		Help: "Output format. One of: (" + strings.Join(append(append([]string{}, views...), output.ObjectFormats()...), ", ") + ")."}
}

// NameOutput is -o of a delete: only name, as kubectl delete takes it.
func NameOutput() *Output {
	return &Output{objects: []string{"name"}, Help: `Output mode. Use "-o name" for shorter output (resource/name).`}
}

// DataOutput is -o of a command whose result is not an API object: json,
// yaml and its own views.
func DataOutput(views ...string) *Output {
	return &Output{data: true, views: views, Help: "Output format: " + choice(append(append([]string{}, views...), "json", "yaml")) + "."}
}

// ViewOutput is -o of a command that has views only; def is the default.
func ViewOutput(def string, views ...string) *Output {
	return &Output{Format: def, views: views, Help: "Output format: " + choice(views) + "."}
}

// WithHelp replaces -o's usage text.
func (o *Output) WithHelp(help string) *Output {
	o.Help = help
	return o
}

// AddFlags registers -o (and with object formats, kubectl's companions) on cmd.
func (o *Output) AddFlags(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVarP(&o.Format, "output", "o", o.Format, o.Help)
	values := append([]string{}, o.views...)
	switch {
	case len(o.objects) > 1:
		fl.StringVar(&o.print.TemplateArgument, "template", "", "Template string or path to template file to use when -o=go-template, -o=go-template-file. The template format is golang templates [http://golang.org/pkg/text/template/#pkg-overview].")
		_ = cmd.MarkFlagFilename("template")
		fl.BoolVar(&o.print.AllowMissingTemplateKeys, "allow-missing-template-keys", o.print.AllowMissingTemplateKeys, "If true, ignore any errors in templates when a field or map key is missing in the template. Only applies to golang and jsonpath output formats.")
		fl.BoolVar(&o.print.ShowManagedFields, "show-managed-fields", false, "If true, keep the managedFields when printing objects in JSON or YAML format.")
		values = append(values, objectFormats...)
	case len(o.objects) == 1:
		values = append(values, o.objects...)
	case o.data:
		values = append(values, "json", "yaml")
	}
	complete(cmd, "output", values...)
	o.given = func(name string) bool { f := cmd.Flags().Lookup(name); return f != nil && f.Changed }
}

// Complete checks the format and makes the printer of an object format. It
// runs before any request, so a bad -o is a usage error naming --output.
func (o *Output) Complete() error {
	// kubectl honours --template without -o as -o go-template.
	if o.print.TemplateArgument != "" && o.given != nil && !o.given("output") {
		o.Format = "go-template"
	}
	if o.Format == "" || contains(o.views, o.Format) {
		return nil
	}
	switch {
	case o.data && (o.Format == "json" || o.Format == "yaml"):
		return nil
	case len(o.objects) > 0:
		if len(o.objects) == 1 && o.Format != o.objects[0] { // kubectl delete takes "name" as written only
			return invalid.Errorf("--output", "%w", output.NoPrinterError{Format: o.Format, Allowed: o.objects})
		}
		if o.Format == "wide" {
			return invalid.Errorf("--output", "%q is only for list commands; use json, yaml, name, jsonpath=... or go-template=...", o.Format)
		}
		o.print.OutputFormat = o.Format
		p, err := o.print.ToPrinter()
		if err != nil {
			return invalid.Errorf("--output", "%w", err)
		}
		o.printer = p
		return nil
	}
	return invalid.Errorf("--output", "%q: want %s", o.Format, choice(o.formats()))
}

func (o *Output) formats() []string {
	f := append([]string{}, o.views...)
	if o.data {
		f = append(f, "json", "yaml")
	}
	return f
}

// Human says whether the format is the command's human view (the default or
// one of its views) rather than a machine format.
func (o *Output) Human() bool { return o.Format == "" || contains(o.views, o.Format) }

// Printer is the machine printer of an object format, nil for a human view.
func (o *Output) Printer() printers.ResourcePrinter { return o.printer }

// Objects prints objs in the object format -o asks for.
func (o *Output) Objects(w io.Writer, objs ...runtime.Object) error {
	return output.Objects(w, o.printer, objs...)
}

// Data prints v in the data format -o asks for (json or yaml).
func (o *Output) Data(w io.Writer, v any) error { return output.Data(w, o.Format, v) }

// choice renders a, b or c.
func choice(values []string) string {
	if len(values) < 2 {
		return strings.Join(values, "")
	}
	return strings.Join(values[:len(values)-1], ", ") + " or " + values[len(values)-1]
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
