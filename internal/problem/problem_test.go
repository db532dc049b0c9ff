package problem

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type rule string

var (
	errA = errors.New("a")
	errB = errors.New("b")
)

func field(path string, r rule) *Field[rule] {
	var err error
	if r == "a" {
		err = errA
	} else {
		err = errB
	}
	return &Field[rule]{Path: path, Rule: r, Message: "m " + path, Err: err}
}

type got struct {
	Paths   []string
	Omitted int
	Rest    []rule
}

func collect(max int, fs []*Field[rule]) (*List[rule], got) {
	c := Collector[rule]{Subject: "test", Max: max}
	for _, f := range fs {
		c.Add(f)
	}
	err := c.Result()
	if err == nil {
		return nil, got{}
	}
	l := err.(*List[rule])
	var g got
	for _, f := range l.Fields {
		g.Paths = append(g.Paths, f.Path)
	}
	g.Omitted = l.Omitted
	for _, f := range l.rest {
		g.Rest = append(g.Rest, f.Rule)
	}
	return l, g
}

// The list is the same whatever the order problems are added in: the first
// Max in Compare order, repeats merged, the others counted.
func TestCollectorOrderIndependent(t *testing.T) {
	var fs []*Field[rule]
	for i := range 300 {
		fs = append(fs, field("/movements/"+strconv.Itoa(i)+"/producerId", "a"))
	}
	fs = append(fs, field("/movements/250/value", "b"), field("/movements/3/producerId", "a")) // a repeat
	fs = append(fs, field("/movements/1a", "a"), field("/movements/10", "a"), field("/movements/9", "a"))
	r := rand.New(rand.NewPCG(3, 4))
	for _, max := range []int{1, 7, 100, -1} {
		_, want := collect(max, fs)
		if max > 0 && len(want.Paths) != max {
			t.Fatalf("max %d: %d problems listed", max, len(want.Paths))
		}
		// A repeat of a listed problem is merged; one of an omitted problem
		// is counted, so the count too is the same in every order.
		wantN := len(fs)
		if slices.Contains(want.Paths, "/movements/3/producerId") {
			wantN--
		}
		if n := len(want.Paths) + want.Omitted; n != wantN {
			t.Errorf("max %d: listed + omitted = %d, want %d", max, n, wantN)
		}
		for range 50 {
			r.Shuffle(len(fs), func(i, j int) { fs[i], fs[j] = fs[j], fs[i] })
			if _, g := collect(max, fs); !cmp.Equal(want, g) {
				t.Fatalf("max %d: order changed the list:\n%s", max, cmp.Diff(want, g))
			}
		}
	}
}

// Merging two collectors gives the list of one collector fed with both.
func TestCollectorMerge(t *testing.T) {
	var fs []*Field[rule]
	for i := range 400 {
		fs = append(fs, field("/m/"+strconv.Itoa(i%350), rule("ab"[i%2:i%2+1])))
	}
	r := rand.New(rand.NewPCG(5, 6))
	for _, max := range []int{3, 100, -1} {
		_, want := collect(max, fs)
		for range 20 {
			r.Shuffle(len(fs), func(i, j int) { fs[i], fs[j] = fs[j], fs[i] })
			k := r.IntN(len(fs))
			a, b := Collector[rule]{Max: max}, Collector[rule]{Max: max}
			for _, f := range fs[:k] {
				a.Add(f)
			}
			for _, f := range fs[k:] {
				b.Add(f)
			}
			a.Merge(&b)
			l := a.Result().(*List[rule])
			var g got
			for _, f := range l.Fields {
				g.Paths = append(g.Paths, f.Path)
			}
			g.Omitted = l.Omitted
			for _, f := range l.rest {
				g.Rest = append(g.Rest, f.Rule)
			}
			if !cmp.Equal(want, g) {
				t.Fatalf("max %d, split at %d: merge differs:\n%s", max, k, cmp.Diff(want, g))
			}
			if a.Len() != len(fs) || b.Len() != 0 {
				t.Errorf("Len after merge: %d and %d, want %d and 0", a.Len(), b.Len(), len(fs))
			}
		}
	}
}

func TestCollectorCap(t *testing.T) {
	var fs []*Field[rule]
	for i := range 250 {
		fs = append(fs, field("/x/"+strconv.Itoa(i), "a"))
	}
	fs = append(fs, field("/y", "b"))
	l, g := collect(0, fs)
	if len(g.Paths) != DefaultMax || g.Paths[0] != "/x/0" || g.Paths[99] != "/x/99" || g.Omitted != 151 {
		t.Fatalf("listed %d (%v...), omitted %d; want /x/0../x/99 and 151 omitted", len(g.Paths), g.Paths[:2], g.Omitted)
	}
	if !l.Has("b") || !errors.Is(l, errB) {
		t.Error("an omitted rule is not seen by Has or errors.Is")
	}
	if l.Has("c") {
		t.Error(`Has("c") = true`)
	}
	var f *Field[rule]
	if !errors.As(l, &f) || f.Path != "/x/0" {
		t.Errorf("errors.As found %v, want the first problem", f)
	}
}

func TestListError(t *testing.T) {
	_, _ = collect(0, nil)
	c := Collector[rule]{Subject: "entry", Max: 2}
	if c.Result() != nil {
		t.Fatal("Result of no problem is not nil")
	}
	for _, p := range []string{"/b", "", "/a"} {
		c.Add(field(p, "a"))
	}
	const want = "entry: 3 problems:\n\tm  [a]\n\t/a: m /a [a]\n\t... and 1 more"
	if got := c.Result().Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	one := &List[rule]{Fields: []*Field[rule]{field("/a", "a")}, Err: errB}
	if got := one.Error(); got != "1 problem:\n\t/a: m /a [a]" {
		t.Errorf("Error() = %q", got)
	}
	if !errors.Is(one, errB) || !errors.Is(one, errA) {
		t.Error("errors.Is misses the list's Err or a problem's sentinel")
	}
}

func BenchmarkCollector(b *testing.B) {
	fs := make([]*Field[rule], 100_000)
	for i := range fs {
		fs[i] = field("/movements/"+strconv.Itoa(i)+"/producerId", "a")
	}
	b.ReportAllocs()
	for b.Loop() {
		c := Collector[rule]{}
		for _, f := range fs {
			c.Add(f)
		}
		_ = c.Result()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(fs)), "ns/problem")
}
