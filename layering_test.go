package ledgersink

import (
	"bufio"
	"bytes"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/ledgersink/ledgersink"

// allowedModules are the only modules, besides the standard library and this
// one, that the core module may depend on (DESIGN.md, "Packages").
var allowedModules = []string{
	"github.com/google/go-cmp",
	"github.com/santhosh-tekuri/jsonschema/v5",
	"github.com/shopspring/decimal",
}

// testSupport are the packages allowed to import go-cmp outside _test.go files.
var testSupport = []string{
	"entry/entrycmp",
	"entry/entrytest",
	"storage/storagetest",
}

// mayImport reports whether package from (relative to the module root) may
// import package to (also relative) in non-test code.
func mayImport(from, to string) bool {
	under := func(p, root string) bool { return p == root || strings.HasPrefix(p, root+"/") }
	switch {
	case under(to, "internal"):
		return true // stdlib-only helpers, usable by every package
	case under(from, "sink/export") && under(to, "sink/capture"):
		return false // export tracking works without change capture
	case under(to, "sink"):
		// Nothing imports sink, but sink's own sub-packages and the examples.
		return under(from, "sink") || under(from, "examples")
	case under(from, "period"), under(from, "lettering"):
		return false
	case under(from, "storage"):
		return under(to, "storage")
	case under(from, "internal"):
		return under(to, "internal")
	case under(from, "entry"):
		return under(to, "entry") || under(to, "period") || under(to, "lettering")
	case under(from, "report"):
		return under(to, "report") || under(to, "entry") || under(to, "period") || under(to, "lettering")
	}
	return true // sink, examples and the root may use everything below them
}

type pkg struct {
	path    string   // relative to the module root; "" for the root
	imports []string // non-test imports
	all     []string // non-test, test and external test imports
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	out, err := exec.Command("go", "list", "-f",
		"{{.ImportPath}}\t{{join .Imports \" \"}}\t{{join .TestImports \" \"}} {{join .XTestImports \" \"}}",
		"./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) != 3 {
			t.Fatalf("go list: unexpected line %q", sc.Text())
		}
		imports := strings.Fields(f[1])
		pkgs = append(pkgs, pkg{
			path:    rel(f[0]),
			imports: imports,
			all:     append(slices.Clone(imports), strings.Fields(f[2])...),
		})
	}
	if len(pkgs) == 0 {
		t.Fatal("go list found no package")
	}
	return pkgs
}

// rel returns the path of p relative to the module root, or p itself when it
// lies outside the module.
func rel(p string) string {
	if p == module {
		return ""
	}
	if r, ok := strings.CutPrefix(p, module+"/"); ok {
		return r
	}
	return p
}

func isStd(p string) bool {
	first, _, _ := strings.Cut(p, "/")
	return !strings.Contains(first, ".")
}

func TestLayering(t *testing.T) {
	for _, p := range listPackages(t) {
		for _, imp := range p.imports {
			if r := rel(imp); r != imp && !mayImport(p.path, r) {
				t.Errorf("%s imports %s: against the dependency direction of DESIGN.md", p.path, r)
			}
			if strings.HasPrefix(imp, "github.com/google/go-cmp") && !slices.Contains(testSupport, p.path) {
				t.Errorf("%s imports %s outside tests: only %v may", p.path, imp, testSupport)
			}
		}
	}
}

func TestLayeringRules(t *testing.T) {
	tests := []struct {
		from, to string
		want     bool
	}{
		{"period", "lettering", false},
		{"period", "internal/jsonptr", true},
		{"lettering", "period", false},
		{"storage/filestore", "storage", true},
		{"storage", "entry", false},
		{"entry", "period", true},
		{"entry", "lettering", true},
		{"entry", "report", false},
		{"entry", "storage", false},
		{"entry/entrycmp", "entry", true},
		{"report", "entry", true},
		{"report", "sink", false},
		{"sink", "report", true},
		{"sink", "storage", true},
		{"examples/quickstart", "sink", true},
		{"storage/storagetest", "sink", false},
		{"sink/export", "sink/capture", false},
		{"sink/export", "sink/document", true},
		{"sink/capture", "sink/document", true},
	}
	for _, tt := range tests {
		if got := mayImport(tt.from, tt.to); got != tt.want {
			t.Errorf("mayImport(%q, %q) = %v, want %v", tt.from, tt.to, got, tt.want)
		}
	}
}

func TestModuleDependencies(t *testing.T) {
	for _, p := range listPackages(t) {
		for _, imp := range p.all {
			if isStd(imp) || imp == module || strings.HasPrefix(imp, module+"/") {
				continue
			}
			if !slices.ContainsFunc(allowedModules, func(m string) bool {
				return imp == m || strings.HasPrefix(imp, m+"/")
			}) {
				t.Errorf("%s imports %s: the core module depends only on %v; heavier libraries go in nested modules",
					p.path, imp, allowedModules)
			}
		}
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{if not .Main}}{{.Path}}{{end}}", "all").Output()
	if err != nil {
		t.Fatalf("go list -m: %v", err)
	}
	for m := range strings.FieldsSeq(string(out)) {
		if !slices.Contains(allowedModules, m) {
			t.Errorf("go.mod requires %s: the core module depends only on %v", m, allowedModules)
		}
	}
}
