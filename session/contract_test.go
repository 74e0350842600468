package session

import (
	"strings"
	"testing"

	"github.com/fanout-dev/fanout/backends"
)

// A recording cut short leaves panes that never ended: waiting (only the
// header's input estimate), streaming (text, no done), or with no event at
// all. The report, `replay --json` and `export --format json`, maps every
// one onto the documented statuses, done, cancelled or error, and says
// the answer was cut short.
func TestReportStatusesStayInTheContract(t *testing.T) {
	three := strings.Replace(hdr, `{"label":"B","provider":"demo","model":"sage"}]`,
		`{"label":"B","provider":"demo","model":"sage"},{"label":"C","provider":"demo","model":"nova"}]`, 1)
	usage1 := strings.Replace(usage0, `"pane":0`, `"pane":1`, 1)
	f := mustLoadString(t, three+usage0+delta0+more0+usage1) // A streaming, B waiting, C nothing
	rep := f.Report()
	for i, want := range []string{"the partial answer is kept", "before this model answered", "before this model answered"} {
		r := rep.Results[i]
		if r.Status != StatusError || r.Error == nil || r.Error.Code != backends.CodeCutShort || !strings.Contains(r.Error.Message, want) {
			t.Errorf("pane %d: status %q error %+v, want error %q saying %q", i, r.Status, r.Error, backends.CodeCutShort, want)
		}
		if r.StopReason != nil || r.TotalMs != nil {
			t.Errorf("pane %d: a pane cut short has no stop reason (%v) nor total (%v)", i, r.StopReason, r.TotalMs)
		}
	}
	if rep.Results[0].Text != "Hello" {
		t.Errorf("the partial text is lost: %q", rep.Results[0].Text)
	}
	// A pane that ended keeps its own status.
	f = mustLoadString(t, hdr+delta0+done0+err1)
	if rep := f.Report(); rep.Results[0].Status != StatusDone || rep.Results[0].Error != nil || rep.Results[1].Status != StatusError || rep.Results[1].Error.Code == backends.CodeCutShort {
		t.Errorf("ended panes changed: %s", js(rep))
	}
}
