package output

import (
	"fmt"
	"io"
	"time"

	"knative.dev/pkg/apis"
)

// Field is one line of a describe view; an empty Value is printed as "<none>".
type Field struct {
	Name, Value string
}

// Describe writes fields as aligned "Name: value" lines followed by the object's
// conditions, Ready first, as a table.
func Describe(w io.Writer, fields []Field, conds apis.Conditions, now time.Time) error {
	width := 0
	for _, f := range fields {
		width = max(width, len(f.Name)+1)
	}
	for _, f := range fields {
		v := f.Value
		if v == "" {
			v = "<none>"
		}
		if _, err := fmt.Fprintf(w, "%-*s  %s\n", width, f.Name+":", v); err != nil {
			return err
		}
	}
	if len(conds) == 0 {
		_, err := fmt.Fprintln(w, "Conditions:  <none>")
		return err
	}
	if _, err := fmt.Fprintln(w, "Conditions:"); err != nil {
		return err
	}
	return table(w, "  ", []string{"type", "status", "reason", "message", "age"}, ConditionRows(conds, now), false)
}

// NotReadyConditions writes the conditions of an object a wait gave up on,
// without their age: what matters there is why it is not Ready.
func NotReadyConditions(w io.Writer, conds apis.Conditions) error {
	if len(conds) == 0 {
		return nil
	}
	if _, err := fmt.Fprintln(w, "Conditions:"); err != nil {
		return err
	}
	rows := ConditionRows(conds, time.Time{})
	for i := range rows {
		rows[i] = rows[i][:4]
	}
	return Table(w, []string{"type", "status", "reason", "message"}, rows, false)
}

// ConditionRows renders conditions as table rows, Ready first.
func ConditionRows(conds apis.Conditions, now time.Time) [][]string {
	rows := make([][]string, 0, len(conds))
	for _, c := range conds {
		row := []string{string(c.Type), string(c.Status), c.Reason, c.Message, Age(c.LastTransitionTime.Inner.Time, now)}
		if c.Type == apis.ConditionReady {
			rows = append([][]string{row}, rows...)
			continue
		}
		rows = append(rows, row)
	}
	return rows
}
