//go:build tools

// Pins k8s.io/kubernetes/cmd/kubectl into this module's dependency graph so `go mod tidy` keeps exactly
// what the binary needs. Same k8s.io/kubernetes version as the API server (versions.env KUBE_VERSION), so the
// e2e drives the server with the client users of that release have.
package tools

import _ "k8s.io/kubernetes/cmd/kubectl"
