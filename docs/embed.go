// Package docs holds Marsad's documentation. Only the OpenAPI document is
// compiled in: the server serves it (handlers/openapi.go), so the file a
// reader opens in the repository and the one clients fetch are the same.
package docs

import _ "embed" // the OpenAPI document below

// OpenAPI is docs/openapi.yaml, the OpenAPI 3.1 description of /api/v1.
//
//go:embed openapi.yaml
var OpenAPI []byte
