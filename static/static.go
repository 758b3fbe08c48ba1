// Package static holds the browser assets — stylesheet, script, web fonts —
// embedded in the binary, so Marsad needs no CDN and works offline.
package static

import "embed"

// Files is the asset tree: css/, js/, fonts/.
//
//go:embed css js fonts
var Files embed.FS
