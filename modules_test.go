package ledgersink

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A nested module is resolved by a user's module through its require lines
// alone (a user's build ignores the replace directives of dependencies): each
// nested module must require the modules of this repository at Version, the
// version the next release tags them with; its replace directives serve
// development in this tree only.
func TestNestedModulesRequireTheReleaseVersion(t *testing.T) {
	mods := goModFiles(t)
	if len(mods) < 2 {
		t.Fatalf("found %d go.mod files; want the core and its nested modules", len(mods))
	}
	paths := map[string]string{} // module path -> directory
	for dir, m := range mods {
		paths[m.path] = dir
	}
	for dir, m := range mods {
		if dir == "." {
			continue
		}
		if !strings.HasPrefix(m.path, module+"/") || m.path != module+"/"+filepath.ToSlash(dir) {
			t.Errorf("%s/go.mod: module %q, want %q", dir, m.path, module+"/"+filepath.ToSlash(dir))
		}
		if _, ok := m.requires[module]; !ok {
			t.Errorf("%s/go.mod does not require the core module %s", dir, module)
		}
		for req, v := range m.requires {
			if req != module && !strings.HasPrefix(req, module+"/") {
				continue
			}
			if v != Version {
				t.Errorf("%s/go.mod requires %s %s, want %s (ledgersink.Version)", dir, req, v, Version)
			}
			target, ok := m.replaces[req]
			if !ok {
				t.Errorf("%s/go.mod: no replace for %s: development in this tree would build against the published version", dir, req)
				continue
			}
			if got := filepath.Clean(filepath.Join(dir, target)); got != paths[req] {
				t.Errorf("%s/go.mod replaces %s with %s (%s), want the module's directory %s", dir, req, target, got, paths[req])
			}
		}
	}
}

type goMod struct {
	path     string
	requires map[string]string // module path -> version
	replaces map[string]string // module path -> replacement (a directory here)
}

// goModFiles parses every go.mod of the repository, by directory relative to
// the root. It reads only what the test needs: the module line, require lines
// and replace lines, in their single-line and block forms.
func goModFiles(t *testing.T) map[string]goMod {
	t.Helper()
	out := map[string]goMod{}
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") && p != ".") {
			return filepath.SkipDir
		}
		if d.IsDir() || d.Name() != "go.mod" {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out[filepath.Dir(p)] = parseGoMod(string(data))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func parseGoMod(text string) goMod {
	m := goMod{requires: map[string]string{}, replaces: map[string]string{}}
	block := "" // the verb of the block the line is in, if any
	for line := range strings.Lines(text) {
		line, _, _ = strings.Cut(line, "//")
		f := strings.Fields(line)
		verb := block
		switch {
		case len(f) == 0:
			continue
		case block != "" && f[0] == ")":
			block = ""
			continue
		case block == "" && len(f) == 2 && f[1] == "(":
			block = f[0]
			continue
		case block == "":
			verb, f = f[0], f[1:]
		}
		switch {
		case verb == "module" && len(f) == 1:
			m.path = f[0]
		case verb == "require" && len(f) == 2:
			m.requires[f[0]] = f[1]
		case verb == "replace" && len(f) >= 3 && f[len(f)-2] == "=>":
			m.replaces[f[0]] = f[len(f)-1]
		}
	}
	return m
}
