package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The table owners: every table is written by one package, the one
// docs/ARCHITECTURE.md names in its "Table owners" section; others call the
// owner's functions. The tests below find the writes in the SQL string
// literals of the Go code (never in comments: the files are parsed), so a
// use case that writes another package's table fails here, naming the file
// and the table.

// ownersDoc is the document holding the table, and its section.
const (
	ownersDoc     = "docs/ARCHITECTURE.md"
	ownersSection = "## Table owners"
)

// benchmarks build synthetic worlds (lots a hundred thousand times too
// large, ledgers written directly) and may write any table: whole commands
// (a trailing slash) or single files.
var benchmarks = []string{"cmd/importbench/", "cmd/reportbench/", "cmd/marketctl/bench.go"}

// exceptions are the foreign writes the design keeps, each with its reason.
var exceptions = []struct{ table, pkg, verb, why string }{
	{"lots", "internal/order", "UPDATE", "checkout moves lots.remaining in the statement that allocates the " +
		"stock, and cancellation and expiry give it back in theirs, so that a lot's quantity equals its remaining " +
		"plus its held allocations (I4) and checkout stays one pipelined statement"},
}

// TestTablesHaveOwners: every table a migration creates is in the owners'
// table, once, with an owner that is a package of the module, and the
// owners' table names no table that no migration creates.
func TestTablesHaveOwners(t *testing.T) {
	top := root(t)
	owners := tableOwners(t, top)
	created := migrationTables(t, top)
	for _, tb := range created {
		if _, ok := owners[tb]; !ok {
			t.Errorf("migrations create table %s, which %s (%s) does not list; add its owner", tb, ownersDoc, ownersSection)
		}
	}
	for tb, owner := range owners {
		if !contains(created, tb) {
			t.Errorf("%s lists table %s, which no migration creates", ownersDoc, tb)
		}
		if st, err := os.Stat(filepath.Join(top, owner)); err != nil || !st.IsDir() {
			t.Errorf("%s names %s as the owner of %s: not a package directory", ownersDoc, owner, tb)
		}
	}
}

// TestTablesWrittenByOwners: no package writes a table it does not own, but
// for the benchmarks, the test fixture packages and the exceptions.
func TestTablesWrittenByOwners(t *testing.T) {
	top := root(t)
	owners := tableOwners(t, top)
	tables := map[string]bool{}
	for _, tb := range migrationTables(t, top) {
		tables[tb] = true
	}
	used := map[int]bool{}
	found := 0
	byDir := goFiles(t, top)
	dirs := make([]string, 0, len(byDir))
	for dir := range byDir {
		dirs = append(dirs, dir)
	}
	sort.Strings(dirs) // failures in a stable order
	for _, dir := range dirs {
		files := byDir[dir]
		pkg := filepath.ToSlash(mustRel(t, top, dir))
		if !strings.HasPrefix(pkg, "internal/") && !strings.HasPrefix(pkg, "cmd/") {
			continue
		}
		for _, path := range files {
			rel := filepath.ToSlash(mustRel(t, top, path))
			name, ws := fileWrites(t, path, tables)
			if isBenchmark(rel) || strings.HasSuffix(name, "test") {
				continue
			}
			for _, w := range ws {
				found++
				owner := owners[w.table]
				if owner == "" || owner == pkg {
					continue // a table missing from the doc fails TestTablesHaveOwners
				}
				if i := exception(w, pkg); i >= 0 {
					used[i] = true
					continue
				}
				t.Errorf("%s:%d: %s %s, a table of %s; call %s's functions instead (or list the exception here with its reason)",
					rel, w.line, w.verb, w.table, owner, owner)
			}
		}
	}
	// A scanner that finds nothing would pass everything.
	if found < 50 {
		t.Fatalf("found only %d writes in the Go code; is the scanner broken?", found)
	}
	for i, e := range exceptions {
		if !used[i] {
			t.Errorf("%s no longer writes %s (%s); remove the exception", e.pkg, e.table, e.verb)
		}
	}
}

// TestWriteScanner: writes are found in string literals of any kind,
// through pgx.Identifier passed to CopyFrom directly or by a variable, and
// words in comments and other names are ignored.
func TestWriteScanner(t *testing.T) {
	const src = "package p\n" +
		"// INSERT INTO orders is only a comment.\n" +
		"/* UPDATE lots SET remaining = 0 */\n" +
		"const q = `INSERT INTO users (email) VALUES ($1) ON CONFLICT (email) DO UPDATE SET email = excluded.email`\n" +
		"var a = \"update household: %w\" // not a table\n" +
		"var b = `WITH x AS (UPDATE public.lots SET remaining = 1 RETURNING id) DELETE FROM\n\t\"orders\" WHERE id = 1`\n" +
		"var c = `SELECT 1 FROM regions FOR UPDATE OF regions`\n" +
		"var d = \"TRUNCATE cart_items, outbox RESTART IDENTITY\"\n" +
		"func f() {\n" +
		"\ttx.CopyFrom(ctx, pgx.Identifier{\"households\"}, cols, src)\n" +
		"\tt := pgx.Identifier{\"public\", \"pii_keys\"}\n" +
		"\ttx.CopyFrom(ctx, t, cols, src)\n" +
		"\t_ = pgx.Identifier{\"regions\"}.Sanitize()\n" +
		"}\n"
	path := filepath.Join(t.TempDir(), "p.go")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	tables := map[string]bool{}
	for _, tb := range []string{"orders", "lots", "users", "households", "regions", "cart_items", "outbox", "pii_keys"} {
		tables[tb] = true
	}
	_, ws := fileWrites(t, path, tables)
	var got []string
	for _, w := range ws {
		got = append(got, w.verb+" "+w.table+":"+strconv.Itoa(w.line))
	}
	sort.Strings(got)
	want := []string{"COPY households:11", "COPY pii_keys:13", "DELETE orders:6", "INSERT users:4",
		"TRUNCATE cart_items:9", "TRUNCATE outbox:9", "UPDATE lots:6"}
	sort.Strings(want)
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Errorf("found %v, want %v", got, want)
	}
}

// write is one write of a table found in a Go file.
type write struct {
	table, verb string
	line        int
}

// sqlWrite matches the statements that write a table, with the table's
// name (schema-qualified or quoted or not) and, for TRUNCATE, the others
// of its list.
var sqlWrite = regexp.MustCompile(`(?i)\b(INSERT\s+INTO|UPDATE|DELETE\s+FROM|COPY|MERGE\s+INTO|TRUNCATE(?:\s+TABLE)?)\s+(?:ONLY\s+)?` +
	`((?:"?[a-z_][a-z0-9_]*"?\.)?"?[a-z_][a-z0-9_]*"?(?:\s*,\s*(?:"?[a-z_][a-z0-9_]*"?\.)?"?[a-z_][a-z0-9_]*"?)*)`)

// fileWrites parses a Go file and returns its package name and the writes
// of known tables in its string literals and CopyFrom calls. Only known
// tables count: error messages such as "update household: %w" name none.
func fileWrites(t *testing.T, path string, tables map[string]bool) (string, []write) {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	var out []write
	add := func(table, verb string, pos token.Pos) {
		if tables[table] {
			out = append(out, write{table: table, verb: verb, line: fset.Position(pos).Line})
		}
	}
	idents := identifierVars(f)
	ast.Inspect(f, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.BasicLit:
			if x.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(x.Value)
			if err != nil {
				t.Fatalf("%s: unquote %s: %v", path, x.Value, err)
			}
			for _, m := range sqlWrite.FindAllStringSubmatch(s, -1) {
				verb := strings.ToUpper(strings.Fields(m[1])[0])
				names := strings.Split(m[2], ",")
				if verb != "TRUNCATE" { // the others write one table
					names = names[:1]
				}
				for _, name := range names {
					add(tableName(name), verb, x.Pos())
				}
			}
		case *ast.CallExpr:
			if sel, ok := x.Fun.(*ast.SelectorExpr); !ok || sel.Sel.Name != "CopyFrom" {
				return true
			}
			for _, arg := range x.Args {
				if tb := identifierTable(arg); tb != "" {
					add(tb, "COPY", x.Pos())
				} else if id, ok := arg.(*ast.Ident); ok && idents[id.Name] != "" {
					add(idents[id.Name], "COPY", x.Pos())
				}
			}
		}
		return true
	})
	return f.Name.Name, out
}

// tableName is the bare, lower-case table of a (qualified, quoted) name.
func tableName(s string) string {
	s = strings.TrimSpace(s)
	s = s[strings.LastIndex(s, ".")+1:]
	return strings.ToLower(strings.Trim(s, `"`))
}

// identifierTable is the table of a pgx.Identifier literal ("" for any
// other expression): its last part.
func identifierTable(e ast.Expr) string {
	lit, ok := e.(*ast.CompositeLit)
	if !ok || len(lit.Elts) == 0 {
		return ""
	}
	switch ty := lit.Type.(type) {
	case *ast.SelectorExpr:
		if ty.Sel.Name != "Identifier" {
			return ""
		}
	case *ast.Ident:
		if ty.Name != "Identifier" {
			return ""
		}
	default:
		return ""
	}
	last, ok := lit.Elts[len(lit.Elts)-1].(*ast.BasicLit)
	if !ok || last.Kind != token.STRING {
		return ""
	}
	s, err := strconv.Unquote(last.Value)
	if err != nil {
		return ""
	}
	return tableName(s)
}

// identifierVars maps the names given a pgx.Identifier literal in the file
// (var x = …, x := …) to its table, so that CopyFrom(ctx, x, …) counts.
func identifierVars(f *ast.File) map[string]string {
	out := map[string]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.ValueSpec:
			for i, v := range x.Values {
				if tb := identifierTable(v); tb != "" && i < len(x.Names) {
					out[x.Names[i].Name] = tb
				}
			}
		case *ast.AssignStmt:
			for i, v := range x.Rhs {
				if id, ok := x.Lhs[min(i, len(x.Lhs)-1)].(*ast.Ident); ok {
					if tb := identifierTable(v); tb != "" {
						out[id.Name] = tb
					}
				}
			}
		}
		return true
	})
	return out
}

// exception returns the index of the exception allowing w in pkg, or -1.
func exception(w write, pkg string) int {
	for i, e := range exceptions {
		if e.table == w.table && e.pkg == pkg && e.verb == w.verb {
			return i
		}
	}
	return -1
}

func isBenchmark(rel string) bool {
	for _, b := range benchmarks {
		if rel == b || strings.HasSuffix(b, "/") && strings.HasPrefix(rel, b) {
			return true
		}
	}
	return false
}

// createTable matches what the migrations create (as
// `grep -ohE "CREATE TABLE (IF NOT EXISTS )?[a-z_]+" migrations/*.sql`).
var createTable = regexp.MustCompile(`CREATE TABLE (?:IF NOT EXISTS )?([a-z_]+)`)

// migrationTables lists the tables the migrations create, sorted.
func migrationTables(t *testing.T, top string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(top, "migrations", "*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations under %s: %v", top, err)
	}
	seen := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range createTable.FindAllStringSubmatch(string(b), -1) {
			seen[m[1]] = true
		}
	}
	var out []string
	for tb := range seen {
		out = append(out, tb)
	}
	sort.Strings(out)
	return out
}

// ownerPath is an owner cell: one package directory of the module.
var ownerPath = regexp.MustCompile(`^(internal|cmd)(/[a-z0-9_]+)+$`)

// tableOwners parses the owners' table of docs/ARCHITECTURE.md:
// | table | owner | written by SQL functions of | read by |, from the
// section's heading to the next heading of its level or above.
func tableOwners(t *testing.T, top string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(top, ownersDoc))
	if err != nil {
		t.Fatal(err)
	}
	owners := map[string]string{}
	in, header := false, false
	for n, line := range strings.Split(string(b), "\n") {
		switch {
		case strings.TrimSpace(line) == ownersSection:
			in = true
			continue
		case in && (strings.HasPrefix(line, "## ") || strings.HasPrefix(line, "# ")):
			in = false
		}
		if !in || !strings.HasPrefix(strings.TrimSpace(line), "|") {
			continue
		}
		cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(strings.ReplaceAll(cells[i], "`", ""))
		}
		if !header { // the header row, then the separator row
			if len(cells) != 4 || cells[0] != "table" || cells[1] != "owner" {
				t.Fatalf("%s:%d: the owners' table starts with | table | owner | written by SQL functions of | read by |", ownersDoc, n+1)
			}
			header = true
			continue
		}
		if strings.Trim(cells[0], "-: ") == "" {
			continue
		}
		if len(cells) != 4 || !ownerPath.MatchString(cells[1]) {
			t.Errorf("%s:%d: want | table | owner (one package, as internal/x) | … | … |, got %q", ownersDoc, n+1, line)
			continue
		}
		if prev, dup := owners[cells[0]]; dup {
			t.Errorf("%s:%d: table %s listed twice (owners %s and %s)", ownersDoc, n+1, cells[0], prev, cells[1])
		}
		owners[cells[0]] = cells[1]
	}
	if len(owners) == 0 {
		t.Fatalf("%s has no %q section with a table of owners", ownersDoc, ownersSection)
	}
	return owners
}

func mustRel(t *testing.T, base, path string) string {
	t.Helper()
	rel, err := filepath.Rel(base, path)
	if err != nil {
		t.Fatal(err)
	}
	return rel
}

func contains(list []string, s string) bool {
	i := sort.SearchStrings(list, s)
	return i < len(list) && list[i] == s
}
