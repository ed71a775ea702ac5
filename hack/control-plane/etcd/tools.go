//go:build tools

// Pins the etcd server entrypoint into this module's dependency graph so `go mod tidy` keeps what it needs.
package tools

import _ "go.etcd.io/etcd/server/v3"
