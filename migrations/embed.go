// Package migrations holds the numbered goose SQL migrations, embedded so that
// the binaries carry their schema.
package migrations

import "embed"

// FS holds every migration file.
//
//go:embed *.sql
var FS embed.FS
