package output

import (
	"fmt"
	"io"
	"strings"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// mark is a Ready state at a glance.
func mark(h wiring.Health) string {
	switch h.Ready {
	case "True":
		return "ok"
	case "False":
		if h.Reason != "" {
			return "NOT READY (" + h.Reason + ")"
		}
		return "NOT READY"
	}
	return "unknown"
}

// MeshTree writes the mesh as a tree, application to subscriber, then the
// broken links with their fixes.
func MeshTree(w io.Writer, st wiring.MeshStatus) error {
	var b strings.Builder
	line := func(prefix, text string) { b.WriteString(prefix + text + "\n") }
	if len(st.Apps) > 0 {
		line("", "Applications:")
	}
	for _, a := range st.Apps {
		line("", fmt.Sprintf("%s/%s  adapter %s", a.Namespace, a.Name, mark(a.Adapter)))
		sink := a.Sink
		if sink == "" {
			sink = "<none>"
		}
		line("└── ", fmt.Sprintf("channel %s  %s  K_SINK %s", a.Name, mark(a.Channel), sink))
		for i, s := range a.Subscriptions {
			branch := "├── "
			if i == len(a.Subscriptions)-1 {
				branch = "└── "
			}
			line("    "+branch, fmt.Sprintf("subscription %s  %s  -> %s", s.Name, mark(s.Health), s.To))
		}
	}
	if len(st.Namespaces) > 0 {
		line("", "Namespaces:")
	}
	for _, ns := range st.Namespaces {
		line("", ns.Name)
		for i, br := range ns.Brokers {
			branch, indent := "├── ", "│   "
			if i == len(ns.Brokers)-1 {
				branch, indent = "└── ", "    "
			}
			line(branch, fmt.Sprintf("broker %s  %s", br.Name, mark(br.Health)))
			for j, t := range br.Triggers {
				tb := "├── "
				if j == len(br.Triggers)-1 {
					tb = "└── "
				}
				filter := t.Filter
				if filter == "" {
					filter = "all events"
				}
				sub := t.Subscriber
				if sub == "" {
					sub = "<unresolved>"
				}
				line(indent+tb, fmt.Sprintf("trigger %s  %s  [%s] -> %s", t.Name, mark(t.Health), filter, sub))
			}
		}
	}
	if len(st.Apps) == 0 && len(st.Namespaces) == 0 {
		line("", "No applications or brokers found.")
	}
	if len(st.Problems) == 0 {
		line("", "No broken links.")
	} else {
		line("", fmt.Sprintf("Broken links (%d):", len(st.Problems)))
		for _, p := range st.Problems {
			line("  x ", p.Object+": "+p.What)
			line("    ", "fix: "+p.Fix)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Checks writes doctor's report: a line per check, its fix under it.
func Checks(w io.Writer, checks []wiring.Check) error {
	var b strings.Builder
	for _, c := range checks {
		fmt.Fprintf(&b, "%-4s  %s: %s\n", c.Result, c.Name, c.Detail)
		if c.Fix != "" && c.Result != wiring.Pass {
			fmt.Fprintf(&b, "      fix: %s\n", c.Fix)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
