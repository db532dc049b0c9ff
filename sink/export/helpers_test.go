package export_test

import (
	"encoding/json"

	"github.com/google/go-cmp/cmp"
	"github.com/ledgersink/ledgersink/entry/entrycmp"
)

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }

func entrycmpOptions() cmp.Option { return cmp.Options{entrycmp.Options(), entrycmp.ExactDecimals()} }
