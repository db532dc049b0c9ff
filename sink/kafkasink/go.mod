module github.com/ledgersink/ledgersink/sink/kafkasink

go 1.26.0

require (
	github.com/google/go-cmp v0.7.0
	github.com/ledgersink/ledgersink v0.1.0
	github.com/twmb/franz-go v1.22.2
	github.com/twmb/franz-go/pkg/kfake v0.0.0-20260918054303-01f206a7e32c
	github.com/twmb/franz-go/pkg/kmsg v1.15.0
)

require (
	github.com/klauspost/compress v1.20.3 // indirect
	github.com/pierrec/lz4/v4 v4.1.33 // indirect
	github.com/santhosh-tekuri/jsonschema/v5 v5.3.1 // indirect
	github.com/shopspring/decimal v1.6.0 // indirect
)

replace github.com/ledgersink/ledgersink => ../..
