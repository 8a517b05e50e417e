package chatroom

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Names: what a name may hold, and when two names are the same one
// (docs/chat.md#names). A name is shown to people, so two names are the same
// when they look the same, not when their bytes are. The rule is strict, in
// the spirit of PRECIS's nickname profile (RFC 8265) and of Unicode's
// "highly restrictive" identifiers (UTS #39 §5.2), with what the standard
// library has: no normalisation tables, so no combining accents on the
// letters that have precomposed ones.

// maxName is the longest name, in characters.
const maxName = 24

// nameSeparators are the only characters besides letters, digits and marks
// a name may hold; spaces are collapsed to one.
const nameSeparators = " -_.'"

// defaultIgnorable holds Unicode's Default_Ignorable_Code_Point characters
// (DerivedCoreProperties.txt): they are drawn as nothing, so "alice" with one
// of them after it looks like alice. The Cf among them are dropped anyway.
var defaultIgnorable = &unicode.RangeTable{
	R16: []unicode.Range16{
		{Lo: 0x00ad, Hi: 0x00ad, Stride: 1}, {Lo: 0x034f, Hi: 0x034f, Stride: 1}, {Lo: 0x061c, Hi: 0x061c, Stride: 1},
		{Lo: 0x115f, Hi: 0x1160, Stride: 1}, {Lo: 0x17b4, Hi: 0x17b5, Stride: 1}, {Lo: 0x180b, Hi: 0x180f, Stride: 1},
		{Lo: 0x200b, Hi: 0x200f, Stride: 1}, {Lo: 0x202a, Hi: 0x202e, Stride: 1}, {Lo: 0x2060, Hi: 0x206f, Stride: 1},
		{Lo: 0x3164, Hi: 0x3164, Stride: 1}, {Lo: 0xfe00, Hi: 0xfe0f, Stride: 1}, {Lo: 0xfeff, Hi: 0xfeff, Stride: 1},
		{Lo: 0xffa0, Hi: 0xffa0, Stride: 1}, {Lo: 0xfff0, Hi: 0xfff8, Stride: 1},
	},
	R32: []unicode.Range32{
		{Lo: 0x1bca0, Hi: 0x1bca3, Stride: 1}, {Lo: 0x1d173, Hi: 0x1d17a, Stride: 1}, {Lo: 0xe0000, Hi: 0xe0fff, Stride: 1},
	},
}

// mixable are the sets of scripts one name may mix (UTS #39's highly
// restrictive level): Latin with the scripts Chinese, Japanese or Korean
// are written in. Any other name is written in one script.
var mixable = [][]string{{"Latin", "Han", "Hiragana", "Katakana"}, {"Latin", "Han", "Bopomofo"}, {"Latin", "Han", "Hangul"}}

// precomposed are the scripts whose accented letters are single code points
// in the text browsers send (NFC): in them a combining mark could only make a
// second spelling of a name that looks the same.
var precomposed = []string{"Latin", "Greek", "Cyrillic"}

// confusables maps the Greek and Cyrillic letters that look like Latin
// ones to the Latin letter they pass for, the Latin look-alikes of a, g and
// i to them, and i, I and 1 to l and 0 to o (in
// many fonts a capital I and a small l are the same stroke): a small part of
// UTS #39's confusables.txt, the part that matters with the scripts kept
// apart as above. The skeleton lowers the case after it.
var confusables = map[rune]rune{
	'i': 'l', 'I': 'l', '1': 'l', '0': 'o', 'ı': 'l', 'ɑ': 'a', 'ɡ': 'g', // Latin
	// Cyrillic
	'А': 'a', 'В': 'b', 'Е': 'e', 'Ѕ': 's', 'І': 'l', 'Ј': 'j', 'К': 'k', 'М': 'm', 'Н': 'h', 'О': 'o',
	'Р': 'p', 'С': 'c', 'Т': 't', 'У': 'y', 'Х': 'x', 'Ӏ': 'l', 'Ԛ': 'q', 'Ԝ': 'w',
	'а': 'a', 'е': 'e', 'о': 'o', 'р': 'p', 'с': 'c', 'у': 'y', 'х': 'x', 'ѕ': 's', 'і': 'l', 'ј': 'j',
	'ԁ': 'd', 'һ': 'h', 'ӏ': 'l', 'ԛ': 'q', 'ԝ': 'w', 'ү': 'y',
	// Greek
	'Α': 'a', 'Β': 'b', 'Ε': 'e', 'Ζ': 'z', 'Η': 'h', 'Ι': 'l', 'Κ': 'k', 'Μ': 'm', 'Ν': 'n', 'Ο': 'o',
	'Ρ': 'p', 'Τ': 't', 'Υ': 'y', 'Χ': 'x',
	'α': 'a', 'ι': 'l', 'κ': 'k', 'ν': 'v', 'ο': 'o', 'ρ': 'p', 'υ': 'u',
}

// cleanName returns the name the room may show for asked, or "" if it has
// none. It drops what is never part of a name: characters drawn as nothing
// (controls, format characters such as the right-to-left override, default
// ignorables), colons (a message line is "name: text"), U+FFFD and leading
// "*"s (the room's own lines start with "* "); it collapses spaces and cuts
// the name to maxName characters. A name that holds anything else besides
// letters, digits and nameSeparators, or mixes scripts, is refused.
func cleanName(asked string) string {
	name := strings.Map(func(r rune) rune {
		if r == ':' || r == utf8.RuneError || unicode.IsControl(r) || unicode.In(r, unicode.Cf, defaultIgnorable) {
			return -1
		}
		return r
	}, asked)
	name = strings.Join(strings.Fields(strings.TrimLeft(strings.Join(strings.Fields(name), " "), "* ")), " ")
	if r := []rune(name); len(r) > maxName {
		name = strings.TrimSpace(string(r[:maxName]))
	}
	if !wellFormed(name) {
		return ""
	}
	return name
}

// wellFormed reports whether name is letters and digits of scripts that may
// be mixed, marks right after a letter of a script that needs them, and
// nameSeparators.
func wellFormed(name string) bool {
	scripts := map[string]bool{}
	marks, prev := false, ' '
	for _, r := range name {
		switch script := scriptOf(r); {
		case strings.ContainsRune(nameSeparators, r):
		case unicode.IsMark(r) && (unicode.IsLetter(prev) || unicode.IsMark(prev)):
			marks = true
		case unicode.IsLetter(r) && script != "", unicode.IsDigit(r):
			if script != "" {
				scripts[script] = true
			}
		default:
			return false // a symbol, punctuation, a letter of no script (𝐚)
		}
		prev = r
	}
	for _, s := range precomposed {
		if marks && scripts[s] {
			return false
		}
	}
	if len(scripts) <= 1 {
		return true
	}
	for _, set := range mixable {
		if countIn(scripts, set) == len(scripts) {
			return true
		}
	}
	return false
}

// scriptOf returns the name of r's script, or "" for the characters that
// belong to all (Common, such as ASCII digits, and Inherited marks).
func scriptOf(r rune) string {
	for name, table := range unicode.Scripts {
		if name != "Common" && name != "Inherited" && unicode.Is(table, r) {
			return name
		}
	}
	return ""
}

// countIn counts the names in set that scripts holds.
func countIn(scripts map[string]bool, set []string) int {
	n := 0
	for _, s := range set {
		if scripts[s] {
			n++
		}
	}
	return n
}

// skeleton is what a name looks like: two names with the same skeleton are
// the same name. Fullwidth Latin letters and digits become ASCII,
// look-alikes the Latin letter they pass for, and case goes.
func skeleton(name string) string {
	return strings.Map(func(r rune) rune {
		if r >= '！' && r <= '～' {
			r -= '！' - '!' // fullwidth ASCII (U+FF01 to U+FF5E)
		}
		if l, ok := confusables[r]; ok {
			r = l
		}
		return unicode.ToLower(r)
	}, name)
}
