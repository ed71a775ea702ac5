//go:build tools

// Pins k8s.io/kubernetes/cmd/kube-apiserver into this module's dependency graph so `go mod tidy`
// keeps exactly what the binary needs.
package tools

import _ "k8s.io/kubernetes/cmd/kube-apiserver"
