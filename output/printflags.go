package output

import (
	"fmt"
	"sort"
	"strings"

	"k8s.io/cli-runtime/pkg/printers"
)

// PrintFlags are the values of kubectl's -o, --template,
// --allow-missing-template-keys and --show-managed-fields, turned into
// cli-runtime's printers with kubectl's formats and messages. The flags
// themselves are registered by plugin/flags; this package only prints.
// (cli-runtime's own PrintFlags live in a package that also holds its resource
// builder, which alone weighs more than the whole plugin.)
type PrintFlags struct {
	OutputFormat             string
	TemplateArgument         string
	AllowMissingTemplateKeys bool
	ShowManagedFields        bool
	// ReadFile reads a -o ...-file=PATH template; the caller decides how.
	ReadFile func(path string) ([]byte, error)
}

var (
	templateFormats = []string{"go-template", "go-template-file", "template", "templatefile"}
	jsonpathFormats = []string{"jsonpath", "jsonpath-as-json", "jsonpath-file"}
)

// ObjectFormats lists the -o values for API objects, in kubectl's order.
func ObjectFormats() []string {
	formats := append([]string{"json", "yaml", "name"}, templateFormats...)
	return append(formats, jsonpathFormats...)
}

// IsObjectFormat says whether format (as -o holds it, "jsonpath=..." too)
// is one of ObjectFormats.
func IsObjectFormat(format string) bool {
	name, _, _ := strings.Cut(strings.ToLower(format), "=")
	return contains(ObjectFormats(), name)
}

// NoPrinterError says -o names no format this command prints.
type NoPrinterError struct {
	Format  string
	Allowed []string
}

func (e NoPrinterError) Error() string {
	return fmt.Sprintf("unable to match a printer suitable for the output format %q, allowed formats are: %s", e.Format, strings.Join(e.Allowed, ","))
}

// ToPrinter returns the printer of a machine format (json, yaml, name, a
// template or jsonpath).
func (f PrintFlags) ToPrinter() (printers.ResourcePrinter, error) {
	raw := f.OutputFormat
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
	case "name":
		return &printers.NamePrinter{ShortOutput: true}, nil
	}
	name, arg, _ := strings.Cut(raw, "=")
	name = strings.ToLower(name)
	if f.TemplateArgument != "" {
		arg = f.TemplateArgument
	}
	isTemplate, isJSONPath := contains(templateFormats, name), contains(jsonpathFormats, name)
	if !isTemplate && !isJSONPath {
		allowed := ObjectFormats()
		sort.Strings(allowed) // kubectl's message lists them sorted
		return nil, NoPrinterError{Format: raw, Allowed: allowed}
	}
	if arg == "" {
		return nil, fmt.Errorf("template format specified but no template given")
	}
	if strings.HasSuffix(name, "file") {
		if f.ReadFile == nil {
			return nil, fmt.Errorf("error reading --template %s: no files here", arg)
		}
		data, err := f.ReadFile(arg)
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
		p.AllowMissingKeys(f.AllowMissingTemplateKeys)
		return p, nil
	}
	p, err := printers.NewJSONPathPrinter(arg)
	if err != nil {
		return nil, fmt.Errorf("error parsing jsonpath %s, %w", arg, err)
	}
	p.AllowMissingKeys(f.AllowMissingTemplateKeys)
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
