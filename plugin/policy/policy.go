// Package policy holds "kubectl kymamesh policy": Knative EventPolicies that
// say which applications may send to a namespace's Broker.
package policy

import (
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring/knapi"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/output"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
	"github.com/kubectl-kymamesh/kubectl-kymamesh/wiring"
)

// Kind describes EventPolicies for the shared list, describe and delete commands.
func Kind() cmdutil.Kind[*knapi.EventPolicy, *knapi.EventPolicyList] {
	return cmdutil.Kind[*knapi.EventPolicy, *knapi.EventPolicyList]{
		Singular: "policy", Plural: "policies", Resource: "eventpolicy.eventing.knative.dev",
		Client: func(f cmdutil.Factory, ns string) (wiring.Client[*knapi.EventPolicy, *knapi.EventPolicyList], error) {
			c, err := f.Policies()
			if err != nil {
				return nil, err
			}
			return c.EventPolicies(ns), nil
		},
		Items: func(l *knapi.EventPolicyList) []*knapi.EventPolicy {
			return cmdutil.Pointers(l.Items)
		},
		Columns: []string{"to", "from"},
		Row:     func(p *knapi.EventPolicy, _ bool) []string { return []string{to(p), from(p)} },
		Fields: func(p *knapi.EventPolicy) []output.Field {
			return []output.Field{{Name: "To", Value: to(p)}, {Name: "From", Value: from(p)}}
		},
	}
}

func to(p *knapi.EventPolicy) string {
	var out []string
	for _, t := range p.Spec.To {
		if t.Ref != nil {
			out = append(out, strings.ToLower(t.Ref.Kind)+":"+t.Ref.Name)
		}
	}
	if len(out) == 0 {
		return "everything in the namespace"
	}
	return strings.Join(out, ",")
}

func from(p *knapi.EventPolicy) string {
	var out []string
	for _, f := range p.Spec.From {
		switch {
		case f.Ref != nil:
			out = append(out, strings.ToLower(f.Ref.Kind)+":"+f.Ref.Namespace+"/"+f.Ref.Name)
		case f.Sub != nil:
			out = append(out, *f.Sub)
		}
	}
	return strings.Join(out, ",")
}

// NewCmd returns the "policy" group.
func NewCmd(f cmdutil.Factory, s genericiooptions.IOStreams) *cobra.Command {
	cmd := &cobra.Command{Use: "policy", Short: "Say which applications may send to a namespace's Broker (Knative EventPolicies)"}
	cmd.AddCommand(cmdutil.NewCmdCreate(f, s, Kind(), &allowSpec{}, newCmdAllow()), cmdutil.NewCmdList(f, s, Kind()),
		cmdutil.NewCmdDescribe(f, s, Kind()), cmdutil.NewCmdDelete(f, s, Kind()))
	return cmd
}
