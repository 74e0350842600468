package termsafe

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// hostile are inputs a model or a server could send to act on the terminal
// that shows them, with what is shown instead.
var hostile = []struct {
	name, in, want string
}{
	{"OSC 52 clipboard, BEL", "a\x1b]52;c;ZWNobyBwd25lZA==\x07b", "a␛]52;c;ZWNobyBwd25lZA==␇b"},
	{"OSC 52 clipboard, ST", "a\x1b]52;c;ZWNobyBwd25lZA==\x1b\\b", "a␛]52;c;ZWNobyBwd25lZA==␛\\b"},
	{"OSC 0 title", "\x1b]0;pwned\x07", "␛]0;pwned␇"},
	{"clear screen", "x\x1b[2J\x1b[H", "x␛[2J␛[H"},
	{"device status query", "\x1b[6n", "␛[6n"},
	{"cursor up", "\x1b[3A", "␛[3A"},
	{"C1 CSI with params", "a\u009b31mred\u009b0m", "a␛[31mred␛[0m"},
	{"C1 OSC", "\u009d0;t\u009c", "␛]0;t␛\\"},
	{"OSC 8 link", "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\", "␛]8;;https://evil.example␛\\click␛]8;;␛\\"},
	{"SGR colour", "\x1b[31mred\x1b[0m", "␛[31mred␛[0m"},
	{"DCS", "\x1bP1$r\x1b\\", "␛P1$r␛\\"},
	{"bare ESC", "a\x1bb", "a␛b"},
	{"BEL", "ding\a", "ding␇"},
	{"backspace", "safe\b\b\b\bevil", "safe␈␈␈␈evil"},
	{"lone CR", "rm -rf ~\rls", "rm -rf ~␍ls"},
	{"CR at the end", "a\r", "a␍"},
	{"CRLF", "one\r\ntwo\r\n", "one\ntwo\n"},
	{"NUL", "a\x00b", "a␀b"},
	{"DEL", "a\x7fb", "a␡b"},
	{"raw 0x9b byte", "a\x9b2Jb", "a\ufffd2Jb"},
	{"truncated rune", "a\xe4\xb8", "a\ufffd\ufffd"},
}

func TestTextNeutralises(t *testing.T) {
	for _, c := range hostile {
		t.Run(c.name, func(t *testing.T) {
			got := Text(c.in)
			if got != c.want {
				t.Errorf("Text(%q) = %q, want %q", c.in, got, c.want)
			}
			assertInert(t, got)
			if Safe(c.in) {
				t.Errorf("Safe(%q) = true", c.in)
			}
			if Text(got) != got {
				t.Errorf("Text is not idempotent on %q", got)
			}
		})
	}
}

func TestTextKeepsPrintable(t *testing.T) {
	for _, s := range []string{
		"",
		"plain ASCII, punctuation ~!@#$%^&*()[]{}<>\\|",
		"lines\nand\ttabs\n",
		"中文字符，日本語のテキスト、한국어",
		"emoji 👍🏽 👨‍👩‍👧 🇫🇷",
		"combining e\u0301 a\u0308 \u0915\u094d\u0937",
		"latin-1 above C1: \u00a0é ß ÿ",
		"control pictures already: ␛ ␇",
	} {
		if got := Text(s); got != s {
			t.Errorf("Text(%q) = %q, want it unchanged", s, got)
		}
		if !Safe(s) {
			t.Errorf("Safe(%q) = false", s)
		}
	}
}

// assertInert fails when s holds anything a terminal acts on.
func assertInert(t *testing.T, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatalf("not UTF-8: %q", s)
	}
	for i, r := range s {
		if (r < 0x20 && r != '\n' && r != '\t') || (r >= 0x7f && r <= 0x9f) {
			t.Fatalf("control %U at byte %d of %q", r, i, s)
		}
	}
}

// A stream cut anywhere, even inside a rune or between CR and LF, shows
// what the whole text shows.
func TestFilterSplitAtEveryByte(t *testing.T) {
	whole := "ok \x1b]52;c;aGk=\x07 \u009b6n \x1b]8;;https://e.x\x1b\\t\x1b]8;;\x1b\\ a\r\nb\rc 中👍🏽 e\u0301\r"
	want := Text(whole)
	for i := 0; i <= len(whole); i++ {
		for j := i; j <= len(whole); j++ {
			var f Filter
			got := f.Write(whole[:i]) + f.Write(whole[i:j]) + f.Write(whole[j:]) + f.Flush()
			if got != want {
				t.Fatalf("cut at %d and %d: %q, want %q", i, j, got, want)
			}
		}
	}
	// One byte at a time.
	var f Filter
	var b strings.Builder
	for i := 0; i < len(whole); i++ {
		b.WriteString(f.Write(whole[i : i+1]))
	}
	b.WriteString(f.Flush())
	if b.String() != want {
		t.Fatalf("byte by byte: %q, want %q", b.String(), want)
	}
}

func TestJSONEscapesC1AndDEL(t *testing.T) {
	raw := "a\u009b2J\x1b]52;c;x\x07\x7f\u0085é中"
	b, err := json.Marshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	out := JSON(b)
	for _, bad := range []string{"\u009b", "\u0085", "\x7f", "\x1b", "\x07"} {
		if strings.Contains(string(out), bad) {
			t.Errorf("%q still in %s", bad, out)
		}
	}
	if !strings.Contains(string(out), `\u009b`) || !strings.Contains(string(out), `é中`) {
		t.Errorf("JSON = %s", out)
	}
	var back string
	if err := json.Unmarshal(out, &back); err != nil || back != raw {
		t.Fatalf("decoded %q (%v), want %q", back, err, raw)
	}
	clean := []byte(`{"a":"é and \u001b"}`)
	if got := JSON(clean); &got[0] != &clean[0] {
		t.Error("a clean document was copied")
	}
}

func TestStripHyperlinks(t *testing.T) {
	for in, want := range map[string]string{
		"\x1b[1m\x1b]8;id=1;https://e.x\aclick\x1b]8;;\a\x1b[m https://e.x": "\x1b[1mclick\x1b[m https://e.x",
		"\x1b]8;;https://e.x\x1b\\t\x1b]8;;\x1b\\":                          "t",
		"no links \x1b[31m":        "no links \x1b[31m",
		"open \x1b]8;;https://e.x": "open ",
	} {
		if got := StripHyperlinks(in); got != want {
			t.Errorf("StripHyperlinks(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzText(f *testing.F) {
	for _, c := range hostile {
		f.Add(c.in, 3)
	}
	f.Add("中👍🏽\r\n", 1)
	f.Fuzz(func(t *testing.T, s string, cut int) {
		out := Text(s)
		assertInert(t, out)
		if Text(out) != out {
			t.Fatalf("not idempotent: %q", out)
		}
		if Safe(s) != (out == s) {
			t.Fatalf("Safe(%q) disagrees with Text", s)
		}
		if cut < 0 {
			cut = -cut
		}
		cut %= len(s) + 1
		var fl Filter
		if got := fl.Write(s[:cut]) + fl.Write(s[cut:]) + fl.Flush(); got != out {
			t.Fatalf("split at %d: %q, want %q", cut, got, out)
		}
	})
}

var sink string

// naiveControls is how one would first write Text: a regular expression
// over the whole delta, always building a new string.
var naiveControls = regexp.MustCompile("[\\x00-\\x08\\x0b-\\x1f\\x7f\\x{80}-\\x{9f}]")

func naiveText(s string) string {
	return naiveControls.ReplaceAllStringFunc(s, func(c string) string { return "\u241b" })
}

// BenchmarkText times Text on one delta of about 40 tokens, clean (the
// fast path: returned as is, no allocation) and hostile, against the
// naive regular expression in the same run.
func BenchmarkText(b *testing.B) {
	for name, s := range map[string]string{
		"clean":   strings.Repeat("Streaming answers, tokens and 中文 text. ", 4),
		"hostile": strings.Repeat("colour \x1b[31mred\x1b[0m and \u009b6n ", 4),
	} {
		b.Run(name, func(b *testing.B) {
			const rounds = 20000
			start := time.Now()
			for range rounds {
				sink = naiveText(s)
			}
			naive := float64(time.Since(start).Nanoseconds()) / rounds
			b.ReportAllocs()
			b.SetBytes(int64(len(s)))
			n := 0
			for b.Loop() {
				sink = Text(s)
				n++
			}
			per := float64(b.Elapsed().Nanoseconds()) / float64(n)
			b.ReportMetric(naive, "naive-ns/op")
			b.ReportMetric(naive/per, "x-faster")
		})
	}
}

func TestTextCleanDoesNotAllocate(t *testing.T) {
	s := "a clean delta, 中文 👍🏽\n"
	if n := testing.AllocsPerRun(100, func() { sink = Text(s) }); n != 0 {
		t.Errorf("Text of clean text allocates %v times", n)
	}
	var f Filter
	if n := testing.AllocsPerRun(100, func() { sink = f.Write(s) }); n != 0 {
		t.Errorf("Filter.Write of clean text allocates %v times", n)
	}
}
