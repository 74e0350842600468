package termsafe

import "strings"

// StripHyperlinks removes the OSC 8 hyperlinks from s, the output of a
// renderer we trust otherwise (glamour): the text stays, the link goes. A
// model chooses the address behind "[text](address)", and a terminal link
// can send a click somewhere the visible text does not say; glamour shows
// the address as text beside the link text anyway. A sequence is
// "ESC ] 8 ; params ; uri" ended by BEL or ST (ESC \); one without an end is
// removed to the end of s.
func StripHyperlinks(s string) string {
	const intro = "\x1b]8;"
	i := strings.Index(s, intro)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i >= 0 {
		b.WriteString(s[:i])
		s = s[i+len(intro):]
		end := len(s)
		skip := 0
		for j := 0; j < len(s); j++ {
			if s[j] == '\a' {
				end, skip = j, 1
				break
			}
			if s[j] == 0x1b && j+1 < len(s) && s[j+1] == '\\' {
				end, skip = j, 2
				break
			}
		}
		s = s[end+skip:]
		i = strings.Index(s, intro)
	}
	b.WriteString(s)
	return b.String()
}
