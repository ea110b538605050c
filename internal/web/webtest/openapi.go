package webtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/fupinmarket/market/internal/web/api"
)

// Spec checks real responses against the served OpenAPI document.
type Spec struct {
	doc      map[string]any
	compiler *jsonschema.Compiler
	mu       sync.Mutex
	cache    map[string]*jsonschema.Schema
	paths    []pathMatcher
}

type pathMatcher struct {
	template string
	re       *regexp.Regexp
}

var specOnce = sync.OnceValues(loadSpec)

func loadSpec() (*Spec, error) {
	raw, err := api.Document()
	if err != nil {
		return nil, err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource("mem://openapi.json", doc); err != nil {
		return nil, err
	}
	s := &Spec{doc: doc.(map[string]any), compiler: c, cache: map[string]*jsonschema.Schema{}}
	for p := range s.doc["paths"].(map[string]any) {
		pat := regexp.MustCompile(`\\\{[^/]+\\\}`).ReplaceAllString(regexp.QuoteMeta(p), `[^/]+`)
		s.paths = append(s.paths, pathMatcher{template: p, re: regexp.MustCompile("^" + pat + "$")})
	}
	return s, nil
}

// Check validates one response. It fails when the path, method or status is
// not documented, or when a JSON body does not match the schema.
func (s *Spec) Check(method, path string, status int, contentType string, body []byte) error {
	tmpl := s.match(path)
	var op map[string]any
	if tmpl != "" {
		op, _ = s.doc["paths"].(map[string]any)[tmpl].(map[string]any)[strings.ToLower(method)].(map[string]any)
	}
	var resp map[string]any
	if op != nil {
		resp, _ = op["responses"].(map[string]any)[fmt.Sprint(status)].(map[string]any)
	}
	if resp == nil && status >= 400 {
		// Every operation may fail with the common error shape (base.json).
		return s.validate("#/components/schemas/Error", method, path, status, body)
	}
	switch {
	case tmpl == "":
		return fmt.Errorf("openapi: path %s is not documented", path)
	case op == nil:
		return fmt.Errorf("openapi: %s %s is not documented", method, tmpl)
	case resp == nil:
		return fmt.Errorf("openapi: %s %s has no response %d documented", method, tmpl, status)
	}
	ptr := "#/paths/" + escape(tmpl) + "/" + strings.ToLower(method) + "/responses/" + fmt.Sprint(status)
	if ref, ok := resp["$ref"].(string); ok {
		ptr, resp = ref, s.resolve(ref)
	}
	content, _ := resp["content"].(map[string]any)
	if !strings.Contains(contentType, "json") {
		return nil
	}
	if _, ok := content["application/json"]; !ok {
		return fmt.Errorf("openapi: %s %s %d documents no JSON body", method, tmpl, status)
	}
	return s.validate(ptr+"/content/application~1json/schema", method, tmpl, status, body)
}

func (s *Spec) validate(ptr, method, path string, status int, body []byte) error {
	sch, err := s.schema(ptr)
	if err != nil {
		return err
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("openapi: %s %s %d: body is not JSON: %v", method, path, status, err)
	}
	if err := sch.Validate(v); err != nil {
		return fmt.Errorf("openapi: %s %s %d: %v", method, path, status, err)
	}
	return nil
}

func (s *Spec) match(path string) string {
	best := ""
	for _, p := range s.paths {
		// Prefer the most literal template: /orders/{id} over /{x}/{id}.
		if p.re.MatchString(path) && (best == "" || strings.Count(p.template, "{") < strings.Count(best, "{")) {
			best = p.template
		}
	}
	return best
}

func (s *Spec) resolve(ref string) map[string]any {
	var cur any = s.doc
	for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		cur = cur.(map[string]any)[part]
	}
	return cur.(map[string]any)
}

func (s *Spec) schema(ptr string) (*jsonschema.Schema, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sch, ok := s.cache[ptr]; ok {
		return sch, nil
	}
	sch, err := s.compiler.Compile("mem://openapi.json" + ptr)
	if err != nil {
		return nil, fmt.Errorf("openapi: compile %s: %w", ptr, err)
	}
	s.cache[ptr] = sch
	return sch, nil
}

func escape(p string) string {
	return strings.ReplaceAll(strings.ReplaceAll(p, "~", "~0"), "/", "~1")
}

// mustJSON is a small helper for request bodies.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
