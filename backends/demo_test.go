package backends

import (
	"context"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// Most tests here run inside a synctest bubble: its clock is fake and jumps
// ahead whenever every goroutine is waiting, so the demo streams play their
// real schedule (ponder's 2.5 s included) in no wall time, and offsets are
// exact.

var demoPrompts = []string{
	"How do I handle errors in Go code?",
	"Compare PostgreSQL vs SQLite for a small web app",
	"Write a haiku about autumn",
	"Explain the CAP theorem to a new engineer",
	"python script to dedupe a CSV file",
	"",
	"¿Qué es la inteligencia artificial?",
}

func demoReq(prompt string) Request {
	return Request{Messages: []Message{{Role: RoleUser, Content: prompt}}}
}

func demoBackend(t *testing.T, model string, seed int64) Backend {
	t.Helper()
	target, err := ParseSpec("demo:" + model)
	if err != nil {
		t.Fatal(err)
	}
	return Open(target, Options{Seed: seed})
}

type demoEvent struct {
	at time.Duration
	ev Event
}

func collectDemo(ctx context.Context, b Backend, req Request) []demoEvent {
	start := time.Now()
	var out []demoEvent
	for ev := range b.Stream(ctx, req) {
		out = append(out, demoEvent{time.Since(start), ev})
	}
	return out
}

func demoTexts(evs []demoEvent) (answer, reasoning string) {
	var a, r strings.Builder
	for _, e := range evs {
		if e.ev.Type != EventDelta {
			continue
		}
		if e.ev.Delta.Kind == KindReasoning {
			r.WriteString(e.ev.Delta.Text)
		} else {
			a.WriteString(e.ev.Delta.Text)
		}
	}
	return a.String(), r.String()
}

// demoFinish checks that a stream ends with usage then done, and returns them.
func demoFinish(t *testing.T, evs []demoEvent) (Usage, Done) {
	t.Helper()
	n := len(evs)
	if n < 2 || evs[n-2].ev.Type != EventUsage || evs[n-1].ev.Type != EventDone {
		t.Fatalf("stream does not end with usage, done: %d events", n)
	}
	for _, e := range evs[:n-2] {
		if e.ev.Type != EventDelta {
			t.Fatalf("%s event before the end", e.ev.Type)
		}
	}
	return *evs[n-2].ev.Usage, *evs[n-1].ev.Done
}

func TestDemoModels(t *testing.T) {
	names := DemoModelNames()
	if !slices.IsSorted(names) || len(names) < 3 {
		t.Fatalf("DemoModelNames() = %v", names)
	}
	for _, want := range []string{"swift", "sage", "ponder"} {
		if !slices.Contains(names, want) {
			t.Errorf("no demo model %q", want)
		}
	}
	for _, n := range names {
		target, err := ParseSpec("demo:" + n)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(target.Label, "(simulated)") {
			t.Errorf("%s: label %q does not say it is simulated", n, target.Label)
		}
	}
}

func TestDemoDeterministic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		req := demoReq(demoPrompts[0])
		for _, name := range DemoModelNames() {
			a := collectDemo(ctx, demoBackend(t, name, 0), req)
			b := collectDemo(ctx, demoBackend(t, name, 0), req)
			if !reflect.DeepEqual(a, b) {
				t.Errorf("%s: seed 0 and the same prompt gave different streams", name)
			}
			s7 := collectDemo(ctx, demoBackend(t, name, 7), req)
			if again := collectDemo(ctx, demoBackend(t, name, 7), req); !reflect.DeepEqual(s7, again) {
				t.Errorf("%s: seed 7 twice gave different streams", name)
			}
			text7, _ := demoTexts(s7)
			text8, _ := demoTexts(collectDemo(ctx, demoBackend(t, name, 8), req))
			text0, _ := demoTexts(a)
			if text7 == text8 || text7 == text0 {
				t.Errorf("%s: another seed gave the same text", name)
			}
			other, _ := demoTexts(collectDemo(ctx, demoBackend(t, name, 0), demoReq(demoPrompts[1])))
			if other == text0 {
				t.Errorf("%s: another prompt gave the same text", name)
			}
		}
	})
}

// The timing character of each model is checked on its planned schedule,
// which is what the stream plays (TestDemoStreamFollowsPlan).
func TestDemoCharacter(t *testing.T) {
	type bounds struct {
		ttft      [2]time.Duration
		rate      [2]float64
		maxOutput int
		minOutput int
	}
	want := map[string]bounds{
		"swift":  {ttft: [2]time.Duration{100 * time.Millisecond, 250 * time.Millisecond}, rate: [2]float64{95, 145}, minOutput: 20, maxOutput: 160},
		"sage":   {ttft: [2]time.Duration{400 * time.Millisecond, 850 * time.Millisecond}, rate: [2]float64{28, 42}, minOutput: 300, maxOutput: 900},
		"ponder": {ttft: [2]time.Duration{1800 * time.Millisecond, 3500 * time.Millisecond}, rate: [2]float64{48, 72}, minOutput: 150, maxOutput: 450},
		"spark":  {ttft: [2]time.Duration{250 * time.Millisecond, 500 * time.Millisecond}, rate: [2]float64{70, 110}, minOutput: 80, maxOutput: 400},
	}
	for _, name := range DemoModelNames() {
		w, ok := want[name]
		if !ok {
			t.Errorf("no expected character for %s", name)
			continue
		}
		for seed := range int64(3) {
			for _, prompt := range demoPrompts {
				p := planDemo(name, demoModels[name], demoReq(prompt), seed)
				first, last := p.chunks[0].at, p.chunks[len(p.chunks)-1].at
				rate := float64(p.output) / (last - first).Seconds()
				if first < w.ttft[0] || first > w.ttft[1] {
					t.Errorf("%s %q: ttft %v, want %v", name, prompt, first, w.ttft)
				}
				if rate < w.rate[0] || rate > w.rate[1] {
					t.Errorf("%s %q: %.1f tokens/s, want %v", name, prompt, rate, w.rate)
				}
				if p.output < w.minOutput || p.output > w.maxOutput {
					t.Errorf("%s %q: %d tokens, want %d to %d", name, prompt, p.output, w.minOutput, w.maxOutput)
				}
				if !slices.IsSortedFunc(p.chunks, func(a, b demoChunk) int { return int(a.at - b.at) }) {
					t.Errorf("%s %q: schedule goes back in time", name, prompt)
				}
				if p.end < last {
					t.Errorf("%s %q: done before the last delta", name, prompt)
				}
			}
		}
	}

	// spark is bursty: several tokens per chunk and uneven gaps.
	p := planDemo("spark", demoModels["spark"], demoReq(demoPrompts[3]), 0)
	if per := float64(p.output) / float64(len(p.chunks)); per < 2 {
		t.Errorf("spark: %.1f tokens per chunk, want several", per)
	}
	if cv := gapVariation(p); cv < 0.6 {
		t.Errorf("spark: gap variation %.2f, want uneven gaps", cv)
	}
	if cv := gapVariation(planDemo("swift", demoModels["swift"], demoReq(demoPrompts[3]), 0)); cv < 0.2 {
		t.Errorf("swift: gap variation %.2f, want some jitter", cv)
	}
}

// gapVariation is the coefficient of variation of the gaps between chunks.
func gapVariation(p demoPlan) float64 {
	var gaps []float64
	for i := 1; i < len(p.chunks); i++ {
		gaps = append(gaps, float64(p.chunks[i].at-p.chunks[i-1].at))
	}
	mean, sq := 0.0, 0.0
	for _, g := range gaps {
		mean += g
	}
	mean /= float64(len(gaps))
	for _, g := range gaps {
		sq += (g - mean) * (g - mean)
	}
	return math.Sqrt(sq/float64(len(gaps))) / mean
}

func TestDemoStreamFollowsPlan(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		for _, name := range DemoModelNames() {
			req := demoReq(demoPrompts[2])
			p := planDemo(name, demoModels[name], req, 0)
			evs := collectDemo(context.Background(), demoBackend(t, name, 0), req)
			if len(evs) != len(p.chunks)+2 {
				t.Fatalf("%s: %d events for %d chunks", name, len(evs), len(p.chunks))
			}
			for i, c := range p.chunks {
				if evs[i].at != c.at || evs[i].ev.Delta.Text != c.text() {
					t.Fatalf("%s: delta %d at %v %q, planned at %v %q", name, i, evs[i].at, evs[i].ev.Delta.Text, c.at, c.text())
				}
			}
			if got := evs[len(evs)-1].at; got != p.end {
				t.Errorf("%s: done at %v, planned at %v", name, got, p.end)
			}
		}
	})
}

// tableRule is the line under a table's header.
var tableRule = regexp.MustCompile(`^\|(\s*:?-{3,}:?\s*\|)+$`)

// mdFeatures lists the markdown constructs found in an answer.
func mdFeatures(md string) map[string]bool {
	f := map[string]bool{}
	inFence := false
	lines := strings.Split(md, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "```") {
			if !inFence {
				if l == "```" {
					f["fence without language"] = true
				} else {
					f["fence with language"] = true
				}
			}
			inFence = !inFence
			continue
		}
		if inFence {
			continue
		}
		switch {
		case strings.HasPrefix(l, "#"):
			f["heading"] = true
		case strings.HasPrefix(l, "- "):
			f["bullet list"] = true
		case len(l) > 3 && l[0] >= '1' && l[0] <= '9' && l[1:3] == ". ":
			f["numbered list"] = true
		case strings.HasPrefix(l, "> "):
			f["blockquote"] = true
		case strings.HasPrefix(l, "|") && i+1 < len(lines) && tableRule.MatchString(lines[i+1]):
			f["table"] = true
		}
		if strings.Contains(l, "**") {
			f["bold"] = true
		}
		if strings.Count(l, "`") >= 2 {
			f["inline code"] = true
		}
	}
	if inFence {
		f["UNCLOSED FENCE"] = true
	}
	return f
}

func TestDemoMarkdown(t *testing.T) {
	all := map[string]bool{}
	for _, name := range DemoModelNames() {
		perModel := map[string]bool{}
		for _, prompt := range demoPrompts {
			p := planDemo(name, demoModels[name], demoReq(prompt), 0)
			var answer, reasoning strings.Builder
			for _, c := range p.chunks {
				if c.kind == KindAnswer {
					answer.WriteString(c.text())
				} else {
					reasoning.WriteString(c.text())
				}
			}
			f := mdFeatures(answer.String())
			if f["UNCLOSED FENCE"] {
				t.Errorf("%s %q: unclosed code fence", name, prompt)
			}
			if !strings.Contains(strings.ToLower(answer.String()+reasoning.String()), "simulat") {
				t.Errorf("%s %q: the answer does not say it is simulated", name, prompt)
			}
			for k := range f {
				all[k], perModel[k] = true, true
			}
		}
		// Each model mixes several constructs, so the panes look different.
		if len(perModel) < 5 {
			t.Errorf("%s uses only %v", name, perModel)
		}
	}
	for _, want := range []string{"heading", "bullet list", "numbered list", "table", "blockquote", "bold", "inline code", "fence with language", "fence without language"} {
		if !all[want] {
			t.Errorf("no demo model writes a %s", want)
		}
	}

	// The answer echoes the prompt, and names the language it asks for.
	p := planDemo("sage", demoModels["sage"], demoReq("How do I handle errors in Go code?"), 0)
	var answer strings.Builder
	for _, c := range p.chunks {
		answer.WriteString(c.text())
	}
	if !strings.Contains(answer.String(), "## On *handle errors in Go code*") || !strings.Contains(answer.String(), "```go\n") {
		t.Errorf("sage does not echo the prompt or use its language:\n%s", answer.String())
	}
}

func TestDemoReasoning(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		for _, name := range DemoModelNames() {
			evs := collectDemo(context.Background(), demoBackend(t, name, 0), demoReq(demoPrompts[3]))
			u, _ := demoFinish(t, evs)
			reasoning, answerSeen := 0, false
			for _, e := range evs {
				if e.ev.Type != EventDelta {
					continue
				}
				if e.ev.Delta.Kind == KindReasoning {
					reasoning++
					if answerSeen {
						t.Errorf("%s: reasoning after the answer began", name)
					}
				} else {
					answerSeen = true
				}
			}
			if (reasoning > 0) != (name == "ponder") {
				t.Errorf("%s: %d reasoning deltas", name, reasoning)
			}
			// ponder sends one token per delta.
			if u.Reasoning != reasoning {
				t.Errorf("%s: usage reports %d reasoning tokens, %d were sent", name, u.Reasoning, reasoning)
			}
		}
	})
}

func TestDemoUsage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		for _, name := range DemoModelNames() {
			req := Request{System: "Be brief.", Messages: []Message{
				{Role: RoleUser, Content: "hi"}, {Role: RoleAssistant, Content: "Hello!"},
				{Role: RoleUser, Content: demoPrompts[4]},
			}}
			evs := collectDemo(context.Background(), demoBackend(t, name, 0), req)
			u, d := demoFinish(t, evs)
			answer, reasoning := demoTexts(evs)
			want := Usage{Input: EstimateInput(req), Output: len(demoTokens(answer)) + len(demoTokens(reasoning)), Reasoning: len(demoTokens(reasoning)), Exact: true}
			if u != want {
				t.Errorf("%s: usage %+v, want %+v", name, u, want)
			}
			if d.StopReason != StopEnd {
				t.Errorf("%s: stop %q", name, d.StopReason)
			}
		}
	})
}

func TestDemoMaxTokens(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		for _, name := range DemoModelNames() {
			req := demoReq(demoPrompts[0])
			full := collectDemo(ctx, demoBackend(t, name, 0), req)
			fu, _ := demoFinish(t, full)

			for _, limit := range []int{1, 25, fu.Output - 1} {
				req.MaxTokens = limit
				cut := collectDemo(ctx, demoBackend(t, name, 0), req)
				u, d := demoFinish(t, cut)
				if u.Output != limit || d.StopReason != StopMaxTokens {
					t.Errorf("%s, max %d: %d tokens, stop %q", name, limit, u.Output, d.StopReason)
				}
				// The cut stream is the start of the full one, on the same clock.
				deltas := cut[:len(cut)-2]
				for i, e := range deltas[:len(deltas)-1] {
					if !reflect.DeepEqual(e, full[i]) {
						t.Fatalf("%s, max %d: delta %d differs from the unlimited stream", name, limit, i)
					}
				}
				a, r := demoTexts(cut)
				fa, fr := demoTexts(full)
				if !strings.HasPrefix(fa, a) || !strings.HasPrefix(fr, r) {
					t.Errorf("%s, max %d: not a prefix of the full answer", name, limit)
				}
			}

			req.MaxTokens = fu.Output // exactly enough
			if _, d := demoFinish(t, collectDemo(ctx, demoBackend(t, name, 0), req)); d.StopReason != StopEnd {
				t.Errorf("%s: max = length: stop %q", name, d.StopReason)
			}
		}

		// A limit set on the target applies when the request sets none.
		target, _ := ParseSpec("demo:ponder")
		target.MaxTokens = 10
		u, d := demoFinish(t, collectDemo(ctx, Open(target, Options{}), demoReq("hello")))
		if u.Output != 10 || u.Reasoning != 10 || d.StopReason != StopMaxTokens {
			t.Errorf("target max tokens: usage %+v, stop %q", u, d.StopReason)
		}
	})
}

func TestDemoCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Cancelled while waiting for ponder's first token.
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			time.Sleep(50 * time.Millisecond)
			cancel()
		}()
		start := time.Now()
		if evs := collectDemo(ctx, demoBackend(t, "ponder", 0), demoReq("x")); len(evs) != 0 {
			t.Errorf("%d events after cancel", len(evs))
		}
		if el := time.Since(start); el != 50*time.Millisecond {
			t.Errorf("stream ended %v after start, cancelled at 50ms", el)
		}

		// Cancelled mid-stream by the consumer: nothing more arrives.
		ctx, cancel = context.WithCancel(context.Background())
		n, after := 0, 0
		for range demoBackend(t, "swift", 0).Stream(ctx, demoReq("x")) {
			n++
			if n == 5 {
				cancel()
			} else if n > 5 {
				after++
			}
		}
		if after != 0 {
			t.Errorf("%d events after cancel", after)
		}

		// A deadline ends a long answer part way, without usage or done.
		ctx, cancel = context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		evs := collectDemo(ctx, demoBackend(t, "sage", 0), demoReq("x"))
		if len(evs) == 0 {
			t.Fatal("deadline: no events before it")
		}
		if last := evs[len(evs)-1]; last.ev.Type != EventDelta || last.at > time.Second {
			t.Errorf("deadline: %d events, the last a %s at %v", len(evs), last.ev.Type, last.at)
		}
	})
}

// The one test on the real clock: cancellation wakes a real timer, and
// nothing arrives before its planned time (timers never fire early).
func TestDemoRealClock(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	start := time.Now()
	if evs := collectDemo(ctx, demoBackend(t, "ponder", 0), demoReq("x")); len(evs) != 0 {
		t.Errorf("%d events after cancel", len(evs))
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("cancel took %v to end the stream", el)
	}

	req := demoReq("x")
	req.MaxTokens = 15
	p := planDemo("swift", demoModels["swift"], req, 0)
	evs := collectDemo(context.Background(), demoBackend(t, "swift", 0), req)
	demoFinish(t, evs)
	for i, c := range p.chunks {
		if evs[i].at < c.at {
			t.Errorf("delta %d at %v, before its planned %v", i, evs[i].at, c.at)
		}
	}
}

func TestDemoStopsWhenYieldFalse(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// The range-over-func machinery panics if the iterator calls yield
		// again after it returned false.
		for _, stopAt := range []EventType{EventDelta, EventUsage} {
			for ev := range demoBackend(t, "spark", 0).Stream(context.Background(), demoReq("x")) {
				if ev.Type == stopAt {
					break
				}
			}
		}
	})
}

func TestDemoUnknownModel(t *testing.T) {
	var evs []Event
	for ev := range Open(Target{Provider: ProviderDemo, Model: "nope"}, Options{}).Stream(context.Background(), demoReq("x")) {
		evs = append(evs, ev)
	}
	if len(evs) != 1 || evs[0].Type != EventError || !strings.Contains(evs[0].Error.Message, "swift") {
		t.Errorf("unknown demo model: %+v", evs)
	}
}

func TestDemoTokens(t *testing.T) {
	got := demoTokens("Hello, world!\n\n```go\n\tx := internationalization\n    y\n")
	want := []string{"Hello", ",", " world", "!", "\n\n", "```", "go", "\n", "\t", "x", " :", "=", " inter", "natio", "naliz", "ation", "\n", "   ", " y", "\n"}
	if !slices.Equal(got, want) {
		t.Errorf("tokenize:\n got %q\nwant %q", got, want)
	}
	// Tokens always join back into the text.
	for _, name := range DemoModelNames() {
		for _, prompt := range demoPrompts {
			c, _ := writeDemo(name, demoModels[name], demoReq(prompt), 0)
			for _, s := range []string{c.answer.String(), c.think.String()} {
				if strings.Join(demoTokens(s), "") != s {
					t.Errorf("%s %q: tokens do not join back into the text", name, prompt)
				}
			}
		}
	}
}

func TestSubject(t *testing.T) {
	for _, tc := range []struct {
		prompt string
		want   subject
	}{
		{"How do I handle errors in Go code?", subject{topic: "handle errors in Go code", term: "errors", ident: "errors", lang: "go", code: true}},
		{"Compare PostgreSQL vs SQLite", subject{topic: "PostgreSQL vs SQLite", term: "postgresql", ident: "postgresql", lang: "sql", code: true, compare: true}},
		{"let's go for a walk", subject{topic: "go for a walk", term: "walk", ident: "walk"}},
		{"  ?!  ", subject{topic: "your question", term: "idea", ident: "idea"}},
		{"why is *this* `so` [slow]?", subject{topic: "slow", term: "slow", ident: "slow"}},
	} {
		if got := subjectOf(tc.prompt); got != tc.want {
			t.Errorf("subjectOf(%q) = %+v, want %+v", tc.prompt, got, tc.want)
		}
	}
}

// Every demo target is the one ParseSpec gives for its spec, labelled as
// simulated: discovery, the SSH menu and the defaults all show the same.
func TestDemoTargets(t *testing.T) {
	all := DemoTargets()
	if len(all) != len(DemoModelNames()) {
		t.Fatalf("%d demo targets for %d demo models", len(all), len(DemoModelNames()))
	}
	for _, d := range all {
		p, err := ParseSpec(d.Name)
		if err != nil || p != d {
			t.Errorf("DemoTarget %+v, ParseSpec(%q) = %+v, %v", d, d.Name, p, err)
		}
		if !strings.Contains(d.Label, "(simulated)") {
			t.Errorf("%s: label %q does not say simulated", d.Name, d.Label)
		}
	}
	var names []string
	for _, d := range DefaultDemoTargets() {
		names = append(names, d.Model)
	}
	if !slices.Equal(names, DemoDefaults()) {
		t.Errorf("DefaultDemoTargets = %v, want %v", names, DemoDefaults())
	}
	if _, ok := DemoTarget("nope"); ok {
		t.Error("DemoTarget(nope) found a model")
	}
}
