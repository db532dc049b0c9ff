package kafkasink_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ledgersink/ledgersink/sink/kafkasink"
	"github.com/ledgersink/ledgersink/storage"
	"github.com/ledgersink/ledgersink/storage/memstore"
)

func TestDecodeDeadLetter(t *testing.T) {
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"minimal", `{"reason":"payload","error":"x","topic":"t","partition":0,"offset":0,"timestamp":0,"key":""}`, true},
		{"unknown field", `{"reason":"payload","topic":"t","partition":0,"offset":0,"colour":1}`, false},
		{"no reason", `{"topic":"t","partition":0,"offset":0}`, false},
		{"no topic", `{"reason":"payload","partition":0,"offset":0}`, false},
		{"negative partition and offset", `{"reason":"payload","topic":"t","partition":-1,"offset":-1}`, false},
		{"trailing data", `{"reason":"payload","topic":"t"} {}`, false},
		{"not JSON", `{"reason":`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := kafkasink.DecodeDeadLetter([]byte(tt.in))
			if tt.ok && err != nil {
				t.Fatalf("DecodeDeadLetter = %v", err)
			}
			if !tt.ok && !errors.Is(err, kafkasink.ErrDeadLetter) {
				t.Fatalf("DecodeDeadLetter = %v, want ErrDeadLetter", err)
			}
		})
	}
}

func TestDeadLettersListing(t *testing.T) {
	ctx := context.Background()
	store := memstore.New(nil)
	put := func(key, data string) {
		if err := storage.WriteAll(ctx, store, key, []byte(data), nil); err != nil {
			t.Fatal(err)
		}
	}
	put(kafkasink.DeadLetterKey("dl", "t", 0, 10), `{"reason":"payload","topic":"t","partition":0,"offset":10}`)
	put(kafkasink.DeadLetterKey("dl", "t", 0, 9), `{"reason":"payload","topic":"t","partition":0,"offset":9}`)
	put(kafkasink.DeadLetterKey("dl", "t", 1, 0), `broken`)
	put("dlx/other", `{}`)
	var offsets []int64
	var bad int
	for d, err := range kafkasink.DeadLetters(ctx, store, "dl") {
		if errors.Is(err, kafkasink.ErrDeadLetter) {
			bad++
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		offsets = append(offsets, d.Offset)
	}
	if len(offsets) != 2 || offsets[0] != 9 || offsets[1] != 10 || bad != 1 {
		t.Errorf("offsets %v and %d bad letters, want [9 10] in order and 1", offsets, bad)
	}
	if got := kafkasink.DeadLetterKey("dl", "t", 3, 42); got != "dl/t/3/00000000000000000042.json" {
		t.Errorf("DeadLetterKey = %q", got)
	}
}

func FuzzDecodeDeadLetter(f *testing.F) {
	data, err := os.ReadFile(filepath.Join("testdata", "deadletters.golden"))
	if err != nil {
		f.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f.Add(bytes.Clone(sc.Bytes()))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := kafkasink.DecodeDeadLetter(data)
		if err != nil {
			if !errors.Is(err, kafkasink.ErrDeadLetter) {
				t.Fatalf("error %v does not match ErrDeadLetter", err)
			}
			return
		}
		if d.Reason == "" || d.Topic == "" || d.Partition < 0 || d.Offset < 0 {
			t.Errorf("accepted %+v", d)
		}
	})
}
