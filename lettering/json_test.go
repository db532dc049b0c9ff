package lettering

import (
	"errors"
	"testing"
)

func TestUnmarshalJSON(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Lettering
		err  error // nil: valid
	}{
		{"none", `{"state":"none","value":null}`, Lettering{}, nil},
		{"partial", `{"state":"partial","value":"*A"}`, Lettering{kindPartial, "*A"}, nil},
		{"complete", `{"state":"complete","value":"AA"}`, Lettering{kindComplete, "AA"}, nil},
		{"reordered with spaces", " {\n\"value\" : \"AB\" ,\t\"state\":\"complete\"}\r\n", Lettering{kindComplete, "AB"}, nil},
		{"escaped key and value", `{"st\u0061te":"complete","value":"\u00c9t\u00e9 \ud83d\ude00"}`, Lettering{kindComplete, "Été 😀"}, nil},
		{"unknown state", `{"state":"done","value":"A"}`, Lettering{}, ErrState},
		{"state wrong case", `{"state":"Complete","value":"A"}`, Lettering{}, ErrState},
		{"state number", `{"state":1,"value":"A"}`, Lettering{}, ErrState},
		{"partial without star", `{"state":"partial","value":"A"}`, Lettering{}, ErrCode},
		{"partial star only", `{"state":"partial","value":"*"}`, Lettering{}, ErrCode},
		{"partial null", `{"state":"partial","value":null}`, Lettering{}, ErrCode},
		{"none with value", `{"state":"none","value":"A"}`, Lettering{}, ErrCode},
		{"complete null", `{"state":"complete","value":null}`, Lettering{}, ErrCode},
		{"complete empty", `{"state":"complete","value":""}`, Lettering{}, ErrCode},
		{"complete starred", `{"state":"complete","value":"*A"}`, Lettering{}, ErrCode},
		{"complete control char", `{"state":"complete","value":"A\nB"}`, Lettering{}, ErrCode},
		{"value number", `{"state":"complete","value":1}`, Lettering{}, ErrCode},
		{"missing value", `{"state":"none"}`, Lettering{}, ErrField},
		{"missing state", `{"value":null}`, Lettering{}, ErrField},
		{"empty object", `{}`, Lettering{}, ErrField},
		{"extra field", `{"state":"none","value":null,"x":1}`, Lettering{}, ErrField},
		{"key wrong case", `{"State":"none","value":null}`, Lettering{}, ErrField},
		{"duplicate state", `{"state":"none","state":"none","value":null}`, Lettering{}, ErrField},
		{"null", `null`, Lettering{}, ErrSyntax},
		{"array", `[]`, Lettering{}, ErrSyntax},
		{"empty", ``, Lettering{}, ErrSyntax},
		{"trailing", `{"state":"none","value":null}x`, Lettering{}, ErrSyntax},
		{"trailing comma", `{"state":"none","value":null,}`, Lettering{}, ErrSyntax},
		{"unterminated", `{"state":"none","value":null`, Lettering{}, ErrSyntax},
		{"nullx", `{"state":"none","value":nullx}`, Lettering{}, ErrCode},
		{"invalid utf8", "{\"state\":\"complete\",\"value\":\"A\xff\"}", Lettering{}, ErrSyntax},
		{"lone surrogate", `{"state":"complete","value":"\ud800"}`, Lettering{}, ErrSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Lettering{kindComplete, "KEEP"}
			err := got.UnmarshalJSON([]byte(tt.in))
			if tt.err != nil {
				if !errors.Is(err, tt.err) || !errors.Is(err, ErrInvalid) {
					t.Fatalf("UnmarshalJSON(%s) error = %v, want %v", tt.in, err, tt.err)
				}
				if got != (Lettering{kindComplete, "KEEP"}) {
					t.Errorf("UnmarshalJSON changed the receiver on error: %v", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("UnmarshalJSON(%s) error = %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("UnmarshalJSON(%s) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}
