// Package lettering models the lettering (lettrage) of accounting movements:
// the code shared by the lines of an account that offset each other, such as
// an invoice and its payments.
//
// A [Lettering] is one of three states, written on the wire as in MyUnisoft's
// entry model (seed 001):
//
//	{"state":"none","value":null}
//	{"state":"partial","value":"*A"}
//	{"state":"complete","value":"A"}
//
// Nothing else decodes.
package lettering
