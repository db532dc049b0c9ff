package export

import (
	"io"

	"github.com/ledgersink/ledgersink/sink/capture"
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
	Encode(w io.Writer, docs []*capture.Doc) error
}

// FileNamer is implemented by an Encoder whose format dictates the file name
// (the FEC's "<SIREN>FEC<closing date>.txt"). The file still lives in a
// directory named after the export's id, so names never collide. A name that
// is not a single valid key element is ignored.
type FileNamer interface {
	FileName(exportID string) string
}
