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
		scale := ""
		if a.Scaled() && a.Replicas != nil {
			scale = fmt.Sprintf("  replicas %d/%d ready", a.Replicas.Ready, a.Replicas.Desired)
		}
		if a.Autoscaler != "" {
			scale += "  autoscaler: " + a.Autoscaler
		}
		line("", fmt.Sprintf("%s/%s  adapter %s%s%s", a.Namespace, a.Name, mark(a.Adapter), scale, tokensNote(a.Credentials)))
		if a.Exposure != nil {
			line("├── ", "exposed "+a.Exposure.String())
		}
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
			persistence := ""
			if p := br.Persistence.String(); p != "" {
				persistence = "  " + p
			}
			if br.DeadLetterSink != "" {
				persistence += "  dead letters -> " + br.DeadLetterSink
				if br.DeadLetterStore != nil {
					persistence += " (the store: " + br.DeadLetterStore.String() + ")"
				}
			}
			line(branch, fmt.Sprintf("broker %s  %s%s", br.Name, mark(br.Health), persistence))
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
	for _, u := range st.Unread {
		line("", "Not shown: "+u)
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

// MeshDot writes the mesh as a Graphviz digraph: application → channel →
// broker → trigger → subscriber, broken objects in red.
func MeshDot(w io.Writer, st wiring.MeshStatus) error {
	var b strings.Builder
	b.WriteString("digraph mesh {\n  rankdir=LR;\n  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n")
	node := func(id, label string, h wiring.Health) {
		color := "black"
		if h.Ready != "True" {
			color = "red"
		}
		fmt.Fprintf(&b, "  %q [label=%q, color=%s];\n", id, label, color)
	}
	edge := func(from, to, label string) { fmt.Fprintf(&b, "  %q -> %q [label=%q];\n", from, to, label) }
	for _, a := range st.Apps {
		app, ch := "app/"+a.Namespace+"/"+a.Name, "channel/"+a.Namespace+"/"+a.Name
		node(app, "application\n"+a.Name, a.Adapter)
		node(ch, "channel\n"+a.Namespace+"/"+a.Name, a.Channel)
		edge(app, ch, "adapter")
		for _, s := range a.Subscriptions {
			to := s.To
			if ns, ok := strings.CutPrefix(to, "broker "); ok {
				to = "broker/" + ns
			} else {
				node(to, to, wiring.Health{Ready: "True"})
			}
			edge(ch, to, s.Name)
		}
	}
	for _, ns := range st.Namespaces {
		for _, br := range ns.Brokers {
			id := "broker/" + ns.Name + "/" + br.Name
			node(id, "broker\n"+ns.Name+"/"+br.Name, br.Health)
			for _, t := range br.Triggers {
				tid := "trigger/" + ns.Name + "/" + t.Name
				filter := t.Filter
				if filter == "" {
					filter = "all events"
				}
				node(tid, "trigger "+t.Name+"\n"+filter, t.Health)
				edge(id, tid, "")
				if t.Subscriber != "" {
					node("sub/"+t.Subscriber, t.Subscriber, wiring.Health{Ready: "True"})
					edge(tid, "sub/"+t.Subscriber, "")
				}
			}
		}
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// tokensNote says whether an application's adapter requires a token.
func tokensNote(c *wiring.CredentialsState) string {
	if c == nil {
		return ""
	}
	return "  tokens " + c.String()
}
