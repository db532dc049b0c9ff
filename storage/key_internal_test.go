package storage

import "testing"

// asciiRun stops, on a multiple of eight, at or before the first byte the
// rules of checkKey look at one by one, and runs to the last full word of
// a key that holds none.
func TestASCIIRun(t *testing.T) {
	clean := "entity-0000/queuing.cpa.comptabilite-fr.cegid.loop.comptaCompteUpdated-12-2024-02-01T10:00:00.000Z.json"
	if got := asciiRun(clean); got != len(clean)&^7 {
		t.Errorf("asciiRun(%q) = %d, want %d", clean, got, len(clean)&^7)
	}
	for _, c := range []byte{0, 0x1f, 0x7f, 0x80, 0xc3, 0xff, '\\'} {
		for at := range 40 {
			key := []byte(clean[:40])
			key[at] = c
			got := asciiRun(string(key))
			if got%8 != 0 || got > at || got < at&^7 {
				t.Errorf("byte %#x at %d: asciiRun = %d, want %d", c, at, got, at&^7)
			}
		}
	}
}
