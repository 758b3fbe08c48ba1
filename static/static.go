// Package static holds the browser assets — stylesheet, script, web fonts —
// embedded in the binary, so Marsad needs no CDN and works offline.
package static

import "embed"

// Files is the asset tree: css/, js/, fonts/, echarts/ (ECharts 6.1.0, Apache-2.0: LICENSE.txt, NOTICE.txt),
// and the favicon (favicon.svg, and favicon.ico drawn from it for browsers that ask for /favicon.ico).
//
//go:embed css js fonts echarts favicon.svg favicon.ico
var Files embed.FS
