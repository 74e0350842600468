package ui

import (
	"fmt"
	"image/color"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/internal/mdcorpus"
	"github.com/fanout-dev/fanout/session"
)

// twins are two cockpits fed the same messages: one draws with the pane
// cache, the other as before it (todayspath_test.go). Their screens must
// be the same bytes, colours included, after every step.
type twins struct {
	t         *testing.T
	cached    *Model
	reference *Model
}

func newTwins(t *testing.T, n, w, h int, theme string) *twins {
	tw := &twins{t: t, cached: newTestModel(t, n, w, h, theme), reference: newTestModel(t, n, w, h, theme)}
	tw.reference.legacyGrid, tw.reference.legacyBottom = tw.reference.legacyRenderGrid, tw.reference.legacyRenderBottom
	tw.check("first frame")
	return tw
}

// do applies a step to both and compares what they draw.
func (tw *twins) do(what string, step func(m *Model)) {
	tw.t.Helper()
	step(tw.cached)
	step(tw.reference)
	tw.check(what)
}

func (tw *twins) check(what string) {
	tw.t.Helper()
	got, want := tw.cached.render(), tw.reference.render()
	if got != want {
		gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
		for i := range max(len(gl), len(wl)) {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				tw.t.Fatalf("after %s, line %d differs from the uncached drawing:\n got %q\nwant %q", what, i, g, w)
			}
		}
	}
}

func spinTick(m *Model) { m.Update(spinner.TickMsg{ID: m.spin.ID(), Time: time.Now()}) }

// feed delivers evs to m in batches of k, as the pump does frame by frame.
func feed(m *Model, evs []session.Event, k int, each func()) {
	for i := 0; i < len(evs); i += k {
		m.Update(eventsMsg{run: m.run, events: evs[i:min(i+k, len(evs))]})
		each()
	}
}

func startTurn(m *Model) {
	m.prompt, m.turns, m.running = "Explain backpressure", m.turns+1, true
	for _, p := range m.panes {
		p.nextTurn()
		p.asked = m.prompt
	}
}

// Whatever happens in the cockpit, the cached drawing is the one of
// before: streaming frame by frame, scrolling (held still while text
// arrives), focus, zoom, thinking shown, spinner, resize, theme, errors,
// a second turn, paged grids.
func TestCachedFramesMatchTodaysPath(t *testing.T) {
	for _, tc := range []struct {
		name        string
		panes, w, h int
		theme       string
	}{
		{"eight_200x50_dark", 8, 200, 50, "auto"},
		{"three_120x36_nocolor", 3, 120, 36, ""},
		{"one_80x24_dark", 1, 80, 24, "dark"},
		{"ten_paged_160x40", 10, 160, 40, "auto"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tw := newTwins(t, tc.panes, tc.w, tc.h, tc.theme)
			frames := 0
			for _, k := range []string{"h", "i", "space", "x"} {
				tw.do("typing "+k, func(m *Model) { m.Update(keyPress(k)) })
			}
			tw.do("composer cleared", func(m *Model) { m.editor.Reset() })
			tw.do("a turn starts", startTurn)
			tw.do("a spinner frame", spinTick)
			evs := scriptEvents(tc.panes, 1, 1)
			for i := 0; i < len(evs); i += 7 {
				batch := evs[i:min(i+7, len(evs))]
				frames++
				tw.do(fmt.Sprintf("frame %d", frames), func(m *Model) {
					m.Update(eventsMsg{run: m.run, events: batch})
					if frames%3 == 0 {
						spinTick(m)
					}
				})
			}
			tw.do("focus pane 1", func(m *Model) { m.Update(keyPress("tab")) })
			tw.do("scroll up", func(m *Model) {
				for range 4 {
					m.Update(tea.KeyPressMsg{Code: tea.KeyUp})
				}
			})
			tw.do("thinking shown on pane 3", func(m *Model) {
				if len(m.panes) > 2 {
					m.panes[2].showReasoning = true
				}
			})
			tw.do("zoom", func(m *Model) { m.Update(keyPress("z")) })
			tw.do("scroll zoomed", func(m *Model) { m.Update(tea.KeyPressMsg{Code: tea.KeyPgUp}) })
			tw.do("unzoom", func(m *Model) { m.Update(keyPress("z")) })
			tw.do("resize", func(m *Model) { m.Update(tea.WindowSizeMsg{Width: tc.w - 13, Height: tc.h - 3}) })
			tw.do("light background", func(m *Model) { m.Update(tea.BackgroundColorMsg{Color: color.White}) })
			tw.do("run ends", func(m *Model) { m.Update(runEndedMsg{run: m.run}) })
			tw.do("notice", func(m *Model) { m.Update(NoticeMsg("copied")) })
			// A second turn, long, into a pane scrolled up.
			tw.do("second turn", startTurn)
			text := mdcorpus.Text(mdcorpus.NoBlank)[:6000]
			var evs2 []session.Event
			for i := range tc.panes {
				for j, d := range mdcorpus.Deltas(text, 8) {
					evs2 = append(evs2, session.Event{Pane: i, T: time.Duration(j) * time.Millisecond, Event: backends.DeltaEvent(backends.KindAnswer, d)})
				}
				if i == 0 {
					evs2 = append(evs2, session.Event{Pane: i, T: time.Second, Event: backends.ErrorEvent(&backends.Error{Message: "boom"})})
				}
			}
			tw.do("scroll up in turn two", func(m *Model) {
				m.Update(keyPress("tab"))
				m.Update(tea.KeyPressMsg{Code: tea.KeyUp})
			})
			for i := 0; i < len(evs2); i += 40 {
				batch := evs2[i:min(i+40, len(evs2))]
				tw.do(fmt.Sprintf("turn two, batch %d", i/40), func(m *Model) {
					m.Update(eventsMsg{run: m.run, events: batch})
					spinTick(m)
				})
			}
			tw.do("back to the end", func(m *Model) { m.Update(tea.KeyPressMsg{Code: tea.KeyEnd}) })
			tw.do("cancel", func(m *Model) {
				for _, p := range m.panes[1:] {
					p.apply(session.Event{Event: backends.DoneEvent(backends.StopCancelled, 0)})
				}
			})
		})
	}
}

// renders returns how many times each pane's box has been drawn.
func renders(m *Model) []int {
	out := make([]int, len(m.panes))
	for i, p := range m.panes {
		out[i] = p.box.renders
	}
	return out
}

// A frame draws again exactly the panes whose look changed: each input of
// a pane's box, changed alone, draws that pane (and, for the inputs all
// panes share, every pane) again; a frame with no change draws none.
func TestPaneCacheDrawsWhatChanged(t *testing.T) {
	tw := newTwins(t, 8, 200, 50, "auto")
	m := tw.cached
	tw.do("a turn starts", startTurn)
	tw.do("half the answers", func(m *Model) {
		m.Update(eventsMsg{run: m.run, events: scriptEvents(8, 0.5, -1)})
	})
	all := []int{0, 1, 2, 3, 4, 5, 6, 7}
	for _, tc := range []struct {
		name string
		step func(m *Model)
		want []int // the panes drawn again
	}{
		{"nothing", func(*Model) {}, nil},
		{"a delta to pane 4", func(m *Model) {
			m.Update(eventsMsg{run: m.run, events: []session.Event{{Pane: 3, Event: backends.DeltaEvent(backends.KindAnswer, " more")}}})
		}, []int{3}},
		{"a usage event to pane 2", func(m *Model) {
			m.Update(eventsMsg{run: m.run, events: []session.Event{{Pane: 1, Event: backends.UsageEvent(backends.Usage{Input: 40})}}})
		}, []int{1}},
		{"focus pane 1", func(m *Model) { m.Update(keyPress("tab")) }, []int{0}},
		{"focus pane 2", func(m *Model) { m.Update(keyPress("tab")) }, []int{0, 1}},
		{"scroll pane 2", func(m *Model) { m.Update(tea.KeyPressMsg{Code: tea.KeyUp}) }, []int{1}},
		{"thinking shown on pane 3", func(m *Model) { m.panes[2].showReasoning = true }, []int{2}},
		{"pane 5 done", func(m *Model) {
			m.Update(eventsMsg{run: m.run, events: []session.Event{{Pane: 4, Event: backends.DoneEvent(backends.StopEnd, 0)}}})
		}, []int{4}},
		{"a spinner frame", spinTick, []int{0, 1, 2, 3, 5, 6, 7}}, // pane 5 is done: no spinner
		{"zoom", func(m *Model) { m.Update(keyPress("z")) }, []int{1}},
		{"unzoom", func(m *Model) { m.Update(keyPress("z")) }, []int{1}},
		{"theme", func(m *Model) { m.Update(tea.BackgroundColorMsg{Color: color.White}) }, all},
		{"resize", func(m *Model) { m.Update(tea.WindowSizeMsg{Width: 180, Height: 50}) }, all},
		{"a notice in the title", func(m *Model) { m.Update(NoticeMsg("copied")) }, nil},
		{"a new turn", startTurn, all},
	} {
		before := renders(m)
		tw.do(tc.name, tc.step)
		after := renders(m)
		var drawn []int
		for i := range after {
			if after[i] != before[i] {
				drawn = append(drawn, i)
			}
		}
		if fmt.Sprint(drawn) != fmt.Sprint(tc.want) {
			t.Errorf("%s: panes %v drawn again, want %v", tc.name, drawn, tc.want)
		}
	}
}

// The frame is lipgloss's joins, byte for byte, whatever the pieces'
// widths, tabs and heights.
func TestFrameMatchesLipglossJoins(t *testing.T) {
	a := "ab\ncd e\n\x1b[31mred\x1b[m"
	b := "界界\n\tx"
	c := "1\n2\n3\n4\r\n5"
	for _, cells := range [][]string{{a}, {a, b}, {a, b, c}, {c, a}, {"", a}} {
		var blocks []block
		for _, s := range cells {
			blocks = append(blocks, newBlock(s))
		}
		row := joinRow(blocks)
		want := joinHorizontalTop(cells...)
		if got := strings.Join(row.lines, "\n"); got != want {
			t.Errorf("row %q: got %q, want %q", cells, got, want)
		}
		for _, top := range []string{"title", "a much longer title line than the rest"} {
			if got, want := stack(newBlock(top), row, newBlock("")), joinVerticalLeft(top, want, ""); got != want {
				t.Errorf("stack: got %q, want %q", got, want)
			}
		}
	}
}

// clipLine is MaxWidth's rendering of a line.
func TestClipLineIsMaxWidth(t *testing.T) {
	lines := strings.Split(mdcorpus.Text(mdcorpus.NoBlank)[:3000], "\n")
	lines = append(lines, "", "\x1b[1mbold and long enough to cut\x1b[m", "界界界界界界界界界界界界界界界", "tab\there", "cr\r\nlf", "a\rb")
	for _, l := range lines {
		for _, w := range []int{1, 5, 17, 40} {
			if got, want := clipLine(l, w), maxWidth(l, w); got != want {
				t.Errorf("clipLine(%q, %d) = %q, want %q", l, w, got, want)
			}
		}
	}
}
