package output

import (
	"fmt"
	"io"
	"strings"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// MigrationPlan prints broker migrate's plan for people: what changes, what
// moves and the steps in order.
func MigrationPlan(w io.Writer, p *wiring.MigrationPlan) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Broker:     %s/%s (%s)\n", p.Namespace, p.Broker, p.Phase)
	fmt.Fprintf(&b, "From:       %s\n", orNone(p.From.String(), p.From == wiring.BrokerConfig{}))
	fmt.Fprintf(&b, "To:         %s\n", p.To)
	fmt.Fprintf(&b, "Temporary:  broker %s\n", p.Temporary)
	fmt.Fprintf(&b, "Triggers:   %s\n", orNone(strings.Join(p.Triggers, ", "), len(p.Triggers) == 0))
	fmt.Fprintf(&b, "Senders:    %s\n", orNone(strings.Join(p.Senders, ", "), len(p.Senders) == 0))
	b.WriteString("Steps:\n")
	for i, st := range p.Steps {
		fmt.Fprintf(&b, "  %d. %s\n", i+1, st)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func orNone(s string, none bool) string {
	if none {
		return "<none>"
	}
	return s
}
