package sink

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"sync"

	"github.com/ledgersink/ledgersink/internal/jsonlex"
)

// A flatDecoder fills a payload struct from the members of a payload that
// DecodeEvent has already split (and checked: valid JSON, no repeated
// name), one value at a time: what encoding/json would do with the same
// members, without scanning the object again or going through its
// reflection for each value. Types that decode themselves (VAT,
// Reconciliation) are not flat.
type flatDecoder struct {
	typ    reflect.Type
	fields map[string]flatField
}

type flatField struct {
	index int
	kind  flatKind
}

type flatKind uint8

const (
	flatString      flatKind = iota // string
	flatBool                        // bool
	flatStringPtr                   // *string
	flatUnmarshaler                 // a type with its own UnmarshalJSON (enums, dates, RawJSON)
	flatOther                       // anything else: encoding/json, for that value only
)

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// flatDecoders returns the decoder of each object whose payload type is a
// plain struct. The table is built once, from the payload types.
var flatDecoders = sync.OnceValue(func() map[Object]*flatDecoder {
	out := map[Object]*flatDecoder{}
	for _, o := range Objects() {
		t := reflect.TypeOf(newData(o)).Elem()
		if reflect.PointerTo(t).Implements(unmarshalerType) || t.Kind() != reflect.Struct {
			continue
		}
		d := &flatDecoder{typ: t, fields: map[string]flatField{}}
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "" || name == "-" {
				continue
			}
			k := flatOther
			switch {
			case reflect.PointerTo(f.Type).Implements(unmarshalerType):
				k = flatUnmarshaler
			case f.Type == reflect.TypeFor[string]():
				k = flatString
			case f.Type == reflect.TypeFor[bool]():
				k = flatBool
			case f.Type == reflect.TypeFor[*string]():
				k = flatStringPtr
			}
			d.fields[name] = flatField{index: i, kind: k}
		}
		out[o] = d
	}
	return out
})

// decode returns a new payload holding the members ms (those the payload
// type models; others are skipped). A value of the wrong JSON type is an
// error, returned with the member's name.
func (d *flatDecoder) decode(ms []member) (v any, field string, err error) {
	p := reflect.New(d.typ)
	s := p.Elem()
	var lex jsonlex.Lexer
	for _, m := range ms {
		f, ok := d.fields[m.key]
		if !ok {
			continue
		}
		if err := f.set(s.Field(f.index), m.value, &lex); err != nil {
			return nil, m.key, err
		}
	}
	return p.Interface(), "", nil
}

var errNotString = errors.New("not a string")

func (f flatField) set(fv reflect.Value, raw []byte, lex *jsonlex.Lexer) error {
	null := string(raw) == "null"
	switch f.kind {
	case flatString:
		if null {
			return nil // as encoding/json: null leaves the zero value
		}
		lex.Reset(raw)
		s, err := lex.String()
		if err != nil {
			return errNotString
		}
		fv.SetString(s)
	case flatBool:
		switch string(raw) {
		case "true":
			fv.SetBool(true)
		case "false", "null":
		default:
			return errors.New("not a boolean")
		}
	case flatStringPtr:
		if null {
			return nil
		}
		lex.Reset(raw)
		s, err := lex.String()
		if err != nil {
			return errNotString
		}
		fv.Set(reflect.ValueOf(&s))
	case flatUnmarshaler:
		return fv.Addr().Interface().(json.Unmarshaler).UnmarshalJSON(raw)
	default:
		return json.Unmarshal(raw, fv.Addr().Interface())
	}
	return nil
}
