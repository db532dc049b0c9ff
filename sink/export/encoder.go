package export

import (
	"io"

	"github.com/ledgersink/ledgersink/sink/document"
)

// Encoder writes an export file. Implement it to add a format; JSON, CSV and
// FEC are in this package, XLSX in the nested module xlsxexport.
type Encoder interface {
	// Format names the format ("json", "csv", "fec"): recorded in the
	// manifest, and part of the export's id.
	Format() string
	// Extension is the file name's extension, such as ".csv".
	Extension() string
	// ContentType is the file's media type.
	ContentType() string
	// Encode writes docs, in the order given (by id), to w. It must be
	// deterministic: the same documents give the same bytes. It must not
	// keep docs.
	Encode(w io.Writer, docs []*document.Doc) error
}

// FileNamer is implemented by an Encoder whose format dictates the file name
// (the FEC's "<SIREN>FEC<closing date>.txt"). The file still lives in a
// directory named after the export's id, so names never collide. A name that
// is not a single valid key element is ignored.
type FileNamer interface {
	FileName(exportID string) string
}

// Companion is implemented by an Encoder whose file must travel with
// another one, as the FEC travels with its description (LPF art. A47 A-1,
// XI). [Tracker.Export] writes the companion beside the export file, in the
// export's directory, before the manifest, which lists it
// (Manifest.Companions); deleting the export removes it too.
type Companion interface {
	// Companion returns the companion's base name, a single valid key
	// element other than name, and its content, for the export file named
	// name.
	Companion(name string) (string, []byte)
}
