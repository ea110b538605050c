package archtest

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/fupinmarket/market/"

// deps lists the module's packages pkg depends on (itself excluded).
func deps(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", pkg).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	var list []string
	for _, d := range strings.Fields(string(out)) {
		if strings.HasPrefix(d, module) && d != pkg {
			list = append(list, strings.TrimPrefix(d, module))
		}
	}
	return list
}

func packages(t *testing.T, pattern string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", module+pattern).Output()
	if err != nil {
		t.Fatalf("go list %s: %v", pattern, err)
	}
	return strings.Fields(string(out))
}

// TestPlatformImportsNoDomain: the foundation (internal/platform/...) knows
// nothing of the business above it.
func TestPlatformImportsNoDomain(t *testing.T) {
	for _, p := range packages(t, "internal/platform/...") {
		for _, d := range deps(t, p) {
			if strings.HasPrefix(d, "internal/") && !strings.HasPrefix(d, "internal/platform/") {
				t.Errorf("%s imports %s", strings.TrimPrefix(p, module), d)
			}
		}
	}
}

// TestHelpersDoNotImportApp: test helpers build what they need from parts;
// internal/app (process start-up: private PostgreSQL, in-process Redis) is
// for the commands only.
func TestHelpersDoNotImportApp(t *testing.T) {
	var helpers []string
	for _, p := range packages(t, "...") {
		name := p[strings.LastIndex(p, "/")+1:]
		if strings.HasSuffix(name, "test") && name != "archtest" || name == "stripemock" {
			helpers = append(helpers, p)
		}
	}
	if len(helpers) < 4 {
		t.Fatalf("found only %v", helpers)
	}
	for _, p := range helpers {
		for _, d := range deps(t, p) {
			if d == "internal/app" {
				t.Errorf("%s imports internal/app", strings.TrimPrefix(p, module))
			}
		}
	}
}

// TestWebLayers: domain packages never import the web; audiences do not
// import one another, but for the review queue admin borrows from office.
func TestWebLayers(t *testing.T) {
	audiences := []string{"api", "shop", "coop", "office", "org", "admin"}
	for _, p := range packages(t, "internal/...") {
		rel := strings.TrimPrefix(p, module)
		web := strings.HasPrefix(rel, "internal/web")
		for _, d := range deps(t, p) {
			if !web && rel != "internal/app" && strings.HasPrefix(d, "internal/web") {
				t.Errorf("%s (not web) imports %s", rel, d)
			}
			for _, a := range audiences {
				if web && strings.HasPrefix(rel, "internal/web/") && d == "internal/web/"+a && !strings.HasPrefix(rel, "internal/web/"+a) &&
					!strings.HasSuffix(rel, "/site") && !strings.HasSuffix(rel, "test") && !(rel == "internal/web/admin" && a == "office") {
					t.Errorf("%s imports the audience package %s", rel, d)
				}
			}
		}
	}
}
