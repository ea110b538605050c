// Package storefront embeds the server-rendered pages: templates, static
// files and locale catalogs.
package storefront

import "embed"

// FS holds templates/, static/ and locales/.
//
//go:embed templates static locales
var FS embed.FS
