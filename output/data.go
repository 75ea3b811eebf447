package output

import (
	"encoding/json"
	"io"

	"sigs.k8s.io/yaml"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/invalid"
)

// DataFormats are the -o values for what is not an API object (a send
// result, a load summary, a version, a source's status).
var DataFormats = []string{"json", "yaml"}

// CheckDataFormat refuses a -o that Data cannot print ("" is the human
// view), as a usage error naming --output.
func CheckDataFormat(format string) error {
	switch format {
	case "", "json", "yaml":
		return nil
	}
	return invalid.Errorf("--output", "%q: want json or yaml", format)
}

// Data prints v as -o asks: JSON on one line (one value a line, for scripts
// that read line by line) or YAML.
func Data(w io.Writer, format string, v any) error {
	switch format {
	case "json":
		return json.NewEncoder(w).Encode(v)
	case "yaml":
		b, err := yaml.Marshal(v)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	}
	return CheckDataFormat(format)
}

// IndentedTable is Table with every line indented, for a table inside a
// describe view.
func IndentedTable(w io.Writer, indent string, headers []string, rows [][]string) error {
	return table(w, indent, headers, rows, false)
}
