//go:build tools

// Package tools pins kubectl's main for kubectl.sh, which builds it when the
// machine has no recent kubectl. A module of its own, beside kube/, so that
// adding kubectl's packages leaves kube/go.sum, and with it build.sh's cached
// binaries, alone.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kubectl"
)
