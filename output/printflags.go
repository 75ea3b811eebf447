package output

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/printers"
)

// PrintFlags are kubectl's -o, --template, --allow-missing-template-keys and
// --show-managed-fields, with kubectl's formats and messages, over cli-runtime's
// printers. (cli-runtime's own PrintFlags live in a package that also holds its
// resource builder, which alone weighs more than the whole plugin.)
type PrintFlags struct {
	OutputFormat             *string
	TemplateArgument         *string
	AllowMissingTemplateKeys *bool
	ShowManagedFields        bool
	// Operation is what "<kind>/<name> OPERATION" lines say ("created").
	Operation string
	// TypeSetterPrinter, when set, fills in apiVersion and kind before printing.
	TypeSetterPrinter *printers.TypeSetterPrinter

	outputChanged func() bool
}

// NewPrintFlags returns the flags for an operation ("" for read commands).
func NewPrintFlags(operation string) *PrintFlags {
	format, template, allowMissing := "", "", true
	return &PrintFlags{OutputFormat: &format, TemplateArgument: &template, AllowMissingTemplateKeys: &allowMissing, Operation: operation}
}

var (
	templateFormats = []string{"go-template", "go-template-file", "template", "templatefile"}
	jsonpathFormats = []string{"jsonpath", "jsonpath-as-json", "jsonpath-file"}
)

// AllowedFormats lists what -o takes, in kubectl's order.
func (f *PrintFlags) AllowedFormats() []string {
	formats := append([]string{"json", "yaml", "name"}, templateFormats...)
	return append(formats, jsonpathFormats...)
}

// AddFlags registers the flags on cmd.
func (f *PrintFlags) AddFlags(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVarP(f.OutputFormat, "output", "o", *f.OutputFormat, fmt.Sprintf("Output format. One of: (%s).", strings.Join(f.AllowedFormats(), ", ")))
	fl.StringVar(f.TemplateArgument, "template", *f.TemplateArgument, "Template string or path to template file to use when -o=go-template, -o=go-template-file. The template format is golang templates [http://golang.org/pkg/text/template/#pkg-overview].")
	_ = cmd.MarkFlagFilename("template")
	fl.BoolVar(f.AllowMissingTemplateKeys, "allow-missing-template-keys", *f.AllowMissingTemplateKeys, "If true, ignore any errors in templates when a field or map key is missing in the template. Only applies to golang and jsonpath output formats.")
	fl.BoolVar(&f.ShowManagedFields, "show-managed-fields", f.ShowManagedFields, "If true, keep the managedFields when printing objects in JSON or YAML format.")
	f.outputChanged = func() bool { return cmd.Flag("output").Changed }
}

// Complete puts the operation into kubectl's success line, e.g. "%s (dry run)".
func (f *PrintFlags) Complete(successTemplate string) error {
	f.Operation = fmt.Sprintf(successTemplate, f.Operation)
	return nil
}

// NoPrinterError says -o names no format this command prints.
type NoPrinterError struct {
	Format  string
	Allowed []string
}

func (e NoPrinterError) Error() string {
	return fmt.Sprintf("unable to match a printer suitable for the output format %q, allowed formats are: %s", e.Format, strings.Join(e.Allowed, ","))
}

// ToPrinter returns the printer -o asks for.
func (f *PrintFlags) ToPrinter() (printers.ResourcePrinter, error) {
	raw := *f.OutputFormat
	// kubectl honours --template without -o as -o go-template.
	if *f.TemplateArgument != "" && (f.outputChanged == nil || !f.outputChanged()) {
		raw = "go-template"
	}
	p, err := f.printerFor(raw)
	if err != nil {
		return nil, err
	}
	if f.TypeSetterPrinter != nil {
		p = f.TypeSetterPrinter.ToPrinter(p)
	}
	return p, nil
}

func (f *PrintFlags) printerFor(raw string) (printers.ResourcePrinter, error) {
	switch format := strings.ToLower(raw); format {
	case "json", "yaml":
		var p printers.ResourcePrinter = &printers.JSONPrinter{}
		if format == "yaml" {
			p = &printers.YAMLPrinter{}
		}
		if !f.ShowManagedFields {
			p = &printers.OmitManagedFieldsPrinter{Delegate: p}
		}
		return p, nil
	case "", "name":
		return &printers.NamePrinter{Operation: f.Operation, ShortOutput: format == "name"}, nil
	}
	name, arg, _ := strings.Cut(raw, "=")
	name = strings.ToLower(name)
	if *f.TemplateArgument != "" {
		arg = *f.TemplateArgument
	}
	isTemplate, isJSONPath := contains(templateFormats, name), contains(jsonpathFormats, name)
	if !isTemplate && !isJSONPath {
		allowed := f.AllowedFormats()
		sort.Strings(allowed) // kubectl's message lists them sorted
		return nil, NoPrinterError{Format: raw, Allowed: allowed}
	}
	if arg == "" {
		return nil, fmt.Errorf("template format specified but no template given")
	}
	if strings.HasSuffix(name, "file") {
		data, err := os.ReadFile(arg)
		if err != nil {
			return nil, fmt.Errorf("error reading --template %s, %w", arg, err)
		}
		arg = string(data)
	}
	if isTemplate {
		p, err := printers.NewGoTemplatePrinter([]byte(arg))
		if err != nil {
			return nil, fmt.Errorf("error parsing template %s, %w", arg, err)
		}
		p.AllowMissingKeys(*f.AllowMissingTemplateKeys)
		return p, nil
	}
	p, err := printers.NewJSONPathPrinter(arg)
	if err != nil {
		return nil, fmt.Errorf("error parsing jsonpath %s, %w", arg, err)
	}
	p.AllowMissingKeys(*f.AllowMissingTemplateKeys)
	if name == "jsonpath-as-json" {
		p.EnableJSONOutput(true)
	}
	return p, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
