package handlers

import (
	"fmt"
	"html"
	"html/template"
)

// TB translates key like T, with every argument escaped and isolated in
// <bdi>: a name someone typed (a round's, an institution's) keeps its own
// direction inside an Arabic sentence, and neutral characters next to it
// ("2026 (trial)", a Latin name) do not jump to the wrong side. Messages
// used with TB take their arguments with %s or %v.
func (v *view) TB(key string, args ...any) template.HTML {
	msg, ok := v.loc.messages[key]
	if !ok {
		msg = "⟦" + key + "⟧"
	}
	isolated := make([]any, len(args))
	for i, a := range args {
		isolated[i] = "<bdi>" + html.EscapeString(fmt.Sprint(a)) + "</bdi>"
	}
	// The message is ours and escaped here; only the <bdi> tags are markup.
	return template.HTML(fmt.Sprintf(html.EscapeString(msg), isolated...)) // #nosec G203 -- every part escaped above
}
