// Package reports turns survey data into rankings, comparisons, trends,
// charts (go-echarts) and exports (CSV, XLSX, standalone HTML). It knows
// nothing of HTTP. It fills in with the scoring and dashboard issues.
package reports
