package server

import (
	_ "embed"
	"encoding/json"
	"net/http"
)

// openAPI describes every route (routes.go); TestOpenAPIRoutes keeps the
// two in step.
//
//go:embed openapi.json
var openAPI []byte

// handleOpenAPI serves openapi.json with this server's limits filled in:
// "x-limits" holds what GET /api/v1/model calls "limits", and the images
// field's maxItems is MaxFiles.
func (s *server) handleOpenAPI() http.Handler {
	var doc map[string]any
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		panic("server: embedded openapi.json: " + err.Error()) // fixed at build time
	}
	doc["x-limits"] = s.limits(s.live.Reader())
	images := dig(doc, "paths", "/api/v1/predict", "post", "requestBody", "content", "multipart/form-data", "schema", "properties", "images")
	images["maxItems"] = s.opts.MaxFiles
	body, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		panic("server: openapi.json: " + err.Error())
	}
	body = append(body, '\n')
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write(body)
	})
}

// dig returns the object at the path of keys in a decoded JSON document.
// The path is fixed in the embedded document, so a missing key is a
// programming error.
func dig(doc map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		next, ok := doc[k].(map[string]any)
		if !ok {
			panic("server: openapi.json has no object at " + k)
		}
		doc = next
	}
	return doc
}
