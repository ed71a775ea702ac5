//go:build tools

// Pins helm.sh/helm/v3/cmd/helm into this module's dependency graph so `go mod tidy` keeps what it needs.
package tools

import _ "helm.sh/helm/v3/cmd/helm"
