package sink

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/ledgersink/ledgersink/internal/golden"
	"github.com/ledgersink/ledgersink/report"
)

// The seed's example file name.
const seedName = "queuing.cpa.comptabilite-fr.cegid.loop.comptaCompteInserted-1656233-2024-01-30T15:17:20.186Z.json"

func TestFileNameSeed(t *testing.T) {
	f, err := ParseFileName(seedName)
	if err != nil {
		t.Fatal(err)
	}
	want := FileName{
		Namespace: DefaultNamespace,
		Event:     AccountInserted,
		Offset:    1656233,
		Time:      time.Date(2024, 1, 30, 15, 17, 20, 186e6, time.UTC),
	}
	if f.Namespace != want.Namespace || f.Event != want.Event || f.Offset != want.Offset || !f.Time.Equal(want.Time) {
		t.Errorf("ParseFileName(seed) = %+v, want %+v", f, want)
	}
	if f.Time.Location() != time.UTC {
		t.Errorf("parsed time in %v, want UTC", f.Time.Location())
	}
	want.Namespace = "" // the default
	if got := want.String(); got != seedName {
		t.Errorf("String() = %q, want the seed's %q", got, seedName)
	}
	if got := f.Topic(); got != "queuing.cpa.comptabilite-fr.cegid.loop.comptaCompteInserted" {
		t.Errorf("Topic() = %q", got)
	}
}

// TestFileNameGolden pins the bytes of names the SDK produces.
func TestFileNameGolden(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	names := []FileName{
		{Event: AccountInserted, Offset: 1656233, Time: time.Date(2024, 1, 30, 15, 17, 20, 186e6, time.UTC)},
		{Event: AccountUpdated, Offset: 1656234, Time: time.Date(2024, 1, 30, 15, 17, 57, 128e6, time.UTC)},
		{Event: EntryDeleted, Offset: 0, Time: time.Date(2024, 1, 30, 0, 0, 0, 0, time.UTC)},
		{Event: EntryInserted, Offset: 9223372036854775807, Time: time.Date(2024, 12, 31, 23, 59, 59, 999999999, time.UTC)},
		{Event: DailyReport, Offset: 42, Time: time.Date(2024, 1, 31, 1, 0, 0, 0, paris)},
		{Namespace: "acme.sink", Event: ThirdPartyInserted, Offset: 7, Time: time.Date(2026, 11, 23, 6, 28, 0, 5e6, time.UTC)},
	}
	var b strings.Builder
	for _, f := range names {
		if err := f.Validate(); err != nil {
			t.Errorf("Validate(%+v) = %v", f, err)
		}
		b.WriteString(f.String())
		b.WriteByte('\n')
	}
	golden.Check(t, "filenames.golden", []byte(b.String()))
}

func TestParseFileNameErrors(t *testing.T) {
	const ns = "queuing.cpa.comptabilite-fr.cegid.loop."
	tests := []struct {
		name, in, part string
		unknownEvent   bool
	}{
		{name: "no extension", in: strings.TrimSuffix(seedName, ".json"), part: "extension"},
		{name: "upper-case extension", in: strings.TrimSuffix(seedName, ".json") + ".JSON", part: "extension"},
		{name: "two fraction digits", in: ns + "comptaCompteInserted-1-2024-01-30T15:17:20.18Z.json", part: "time"},
		{name: "no fraction", in: ns + "comptaCompteInserted-1-2024-01-30T15:17:20Z.json", part: "time"},
		{name: "offset zone", in: ns + "comptaCompteInserted-1-2024-01-30T15:17:20.186+01:00.json", part: "time"},
		{name: "february 30", in: ns + "comptaCompteInserted-1-2024-02-30T15:17:20.186Z.json", part: "time"},
		{name: "hour 24", in: ns + "comptaCompteInserted-1-2024-01-30T24:00:00.000Z.json", part: "time"},
		{name: "no dash before time", in: ns + "comptaCompteInserted-1_2024-01-30T15:17:20.186Z.json", part: "time"},
		{name: "time only", in: "2024-01-30T15:17:20.186Z.json", part: "time"},
		{name: "leading zero offset", in: ns + "comptaCompteInserted-01-2024-01-30T15:17:20.186Z.json", part: "offset"},
		{name: "signed offset", in: ns + "comptaCompteInserted-+1-2024-01-30T15:17:20.186Z.json", part: "offset"},
		{name: "empty offset", in: ns + "comptaCompteInserted--2024-01-30T15:17:20.186Z.json", part: "offset"},
		{name: "offset overflow", in: ns + "comptaCompteInserted-9223372036854775808-2024-01-30T15:17:20.186Z.json", part: "offset"},
		{name: "no offset", in: "comptaCompteInserted2024-01-30T15:17:20.186Z.json", part: "time"},
		{name: "unknown event", in: ns + "comptaCompteRenamed-1-2024-01-30T15:17:20.186Z.json", part: "event", unknownEvent: true},
		{name: "entry update", in: ns + "comptaEcritureUpdated-1-2024-01-30T15:17:20.186Z.json", part: "event", unknownEvent: true},
		{name: "no namespace", in: "comptaCompteInserted-1-2024-01-30T15:17:20.186Z.json", part: "namespace"},
		{name: "empty namespace", in: ".comptaCompteInserted-1-2024-01-30T15:17:20.186Z.json", part: "namespace"},
		{name: "empty label", in: "a..b.comptaCompteInserted-1-2024-01-30T15:17:20.186Z.json", part: "namespace"},
		{name: "slash in namespace", in: "a/b.comptaCompteInserted-1-2024-01-30T15:17:20.186Z.json", part: "namespace"},
		{name: "initialization report", in: "initialisation-report-2024-01-30T15:17:20.186Z.json", part: "offset"},
		{name: "empty", in: "", part: "extension"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := ParseFileName(tt.in)
			var fe *FileNameError
			if !errors.As(err, &fe) {
				t.Fatalf("ParseFileName(%q) = %+v, %v; want a *FileNameError", tt.in, f, err)
			}
			if fe.Part != tt.part || fe.Name != tt.in {
				t.Errorf("error names part %q of %q, want part %q: %v", fe.Part, fe.Name, tt.part, err)
			}
			if !errors.Is(err, ErrFileName) {
				t.Errorf("error %v does not match ErrFileName", err)
			}
			if got := errors.Is(err, ErrUnknownEvent); got != tt.unknownEvent {
				t.Errorf("errors.Is(err, ErrUnknownEvent) = %v, want %v", got, tt.unknownEvent)
			}
		})
	}
}

func TestFileNameValidate(t *testing.T) {
	at := time.Date(2024, 1, 30, 15, 17, 20, 0, time.UTC)
	tests := []struct {
		name string
		f    FileName
		part string
	}{
		{"unknown event", FileName{Event: "comptaNope", Time: at}, "event"},
		{"negative offset", FileName{Event: AccountInserted, Offset: -1, Time: at}, "offset"},
		{"bad namespace", FileName{Namespace: "a b", Event: AccountInserted, Time: at}, "namespace"},
		{"year 10000", FileName{Event: AccountInserted, Time: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}, "time"},
	}
	for _, tt := range tests {
		var fe *FileNameError
		if err := tt.f.Validate(); !errors.As(err, &fe) || fe.Part != tt.part {
			t.Errorf("%s: Validate() = %v, want a *FileNameError on %q", tt.name, err, tt.part)
		}
	}
}

func FuzzFileNameRoundTrip(f *testing.F) {
	f.Add(seedName)
	f.Add("a.comptaDailyReport-0-0000-01-01T00:00:00.000Z.json")
	f.Add("x-y_z.comptaEcritureDeleted-9223372036854775807-9999-12-31T23:59:59.999Z.json")
	f.Add("queuing.cpa.comptaTiersInserted-12-2024-02-29T12:00:00.000Z.json")
	f.Fuzz(func(t *testing.T, name string) {
		fn, err := ParseFileName(name)
		if err != nil {
			if !errors.Is(err, ErrFileName) {
				t.Fatalf("ParseFileName(%q) error %v does not match ErrFileName", name, err)
			}
			return
		}
		if got := fn.String(); got != name {
			t.Fatalf("ParseFileName(%q).String() = %q", name, got)
		}
		if err := fn.Validate(); err != nil {
			t.Fatalf("parsed %q does not validate: %v", name, err)
		}
	})
}

func BenchmarkParseFileName(b *testing.B) {
	for b.Loop() {
		if _, err := ParseFileName(seedName); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFileNameString(b *testing.B) {
	f := FileName{Event: AccountInserted, Offset: 1656233, Time: time.Date(2024, 1, 30, 15, 17, 20, 186e6, time.UTC)}
	for b.Loop() {
		_ = f.String()
	}
}

// The file time is written as time.Time.AppendFormat writes
// report.TimeLayout, for every instant (those outside the years 0000-9999
// too, which no valid name holds).
func TestAppendFileTime(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	times := []time.Time{{}, time.Date(2024, 1, 30, 15, 17, 20, 186_999_999, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(0, 1, 1, 0, 0, 0, 1e6, time.UTC),
		time.Date(2024, 3, 31, 2, 30, 0, 5e8, time.FixedZone("CEST", 2*3600))}
	for range 10000 {
		times = append(times, time.Unix(rng.Int64N(400_000_000_000)-62_000_000_000, rng.Int64N(1e9)))
	}
	for _, at := range times {
		want := at.UTC().AppendFormat(nil, report.TimeLayout)
		if got := appendFileTime(nil, at); string(got) != string(want) {
			t.Fatalf("appendFileTime(%v) = %s, want %s", at, got, want)
		}
	}
	n := FileName{Event: AccountInserted, Offset: 12, Time: times[1]}
	if got, want := Key("e1", n), "e1/"+n.String(); got != want {
		t.Errorf("Key = %s, want %s", got, want)
	}
	if got := Key("", n); got != "/"+n.String() {
		t.Errorf("Key with no entity = %s", got)
	}
}

// TestDefaultNamespaceValid: checkNamespace takes DefaultNamespace without
// scanning it; the scan accepts it.
func TestDefaultNamespaceValid(t *testing.T) {
	if err := scanNamespace(DefaultNamespace); err != nil {
		t.Errorf("DefaultNamespace: %v", err)
	}
}
