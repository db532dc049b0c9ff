package export

import (
	"fmt"
	"strings"
	"text/template"
	"time"

	"github.com/ledgersink/ledgersink/storage"
)

// NameData is what the file name template (Options.FileName) is executed
// with, for one export.
type NameData struct {
	ID        string    // the export's id: 20 lower-case hexadecimal digits
	Ext       string    // the request's extension, sanitised by SanitizeExt; "" when none
	Logged    bool      // false for an unlogged export (Request.Unlogged)
	At        time.Time // the export's instant, UTC: its Manifest.CreatedAt
	Format    string    // the encoder's Format, such as "csv"
	Extension string    // the encoder's Extension, sanitised, with its dot: ".csv"; "" when none
}

// DefaultFileName is the template of the file names when Options.FileName
// is empty: "[unlogged-]export-<id>[-<ext>]<extension>", such as
// "export-3f9a0c1d2e4b5a6c7d8e-march.csv".
const DefaultFileName = `{{if not .Logged}}unlogged-{{end}}export-{{.ID}}{{with .Ext}}-{{.}}{{end}}{{.Extension}}`

// parseFileName parses a file name template, the default one for "".
func parseFileName(text string) (*template.Template, error) {
	if text == "" {
		text = DefaultFileName
	}
	tmpl, err := template.New("file name").Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, fmt.Errorf("%w: file name template: %w", ErrConfig, err)
	}
	return tmpl, nil
}

// fileName names an export's file: the encoder's name when it has one,
// otherwise the template's. A name that is not a single valid key element
// fails with ErrConfig.
func (t *Tracker) fileName(enc Encoder, data *NameData) (string, error) {
	if n, ok := enc.(FileNamer); ok {
		if name := n.FileName(data.ID); storage.ValidElement(name) {
			return name, nil
		}
	}
	var b strings.Builder
	if err := t.names.Execute(&b, data); err != nil {
		return "", fmt.Errorf("%w: file name template: %w", ErrConfig, err)
	}
	name := b.String()
	if !storage.ValidElement(name) {
		return "", fmt.Errorf("%w: the file name template gives %q, which is not a valid file name", ErrConfig, name)
	}
	return name, nil
}

// extensionOf returns enc's extension, sanitised, with its dot.
func extensionOf(enc Encoder) string {
	if e := SanitizeExt(strings.TrimPrefix(enc.Extension(), ".")); e != "" {
		return "." + e
	}
	return ""
}

// SanitizeExt returns s as a safe part of a file name: ASCII letters
// lower-cased, digits, '-' and '_' kept, every other run of characters
// replaced by one '-', no '-' at either end, at most 32 bytes.
func SanitizeExt(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_':
			b.WriteRune(r)
			dash = false
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r + 'a' - 'A')
			dash = false
		default:
			if !dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = true
		}
		if b.Len() >= 32 {
			break
		}
	}
	out := b.String()
	if len(out) > 32 {
		out = out[:32]
	}
	return strings.Trim(out, "-")
}
