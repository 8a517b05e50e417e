// Package docs holds no code, only this test: it keeps the chapters in docs/,
// their Chinese twins in docs/zh/ and the root README.md honest.
//
// It fails when a relative link or image points nowhere, when a `go run ./X`
// or `go test ./X` names a folder that does not exist, when an English chapter
// has no Chinese twin (or the reverse), when two twins differ in their
// headings or in their commands, and when a PNG is larger than 200 KB.
// output_test.go checks that the log lines the chapters quote can still be
// printed by the code.
//
// Run it from the repository root with `go test ./docs/`; it runs as part of
// `go test ./...` too. Paths are relative to this folder, so the repository
// root is "..".
package docs

import (
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// repoRoot is the repository root, seen from this test's folder.
const repoRoot = ".."

// maxPNGSize is the largest PNG the docs may hold, in bytes.
const maxPNGSize = 200 * 1024

// line is one line of a markdown file, with where it is and whether it sits
// inside a fenced code block (``` or ~~~).
type line struct {
	file    string // path relative to the repository root, for messages
	num     int    // 1-based
	text    string
	inFence bool
}

func (l line) where() string { return fmt.Sprintf("%s:%d", l.file, l.num) }

// splitLines splits markdown text into lines and marks the ones inside fenced
// code blocks. The fence lines themselves are marked as inside.
func splitLines(file, text string) []line {
	var lines []line
	fence := "" // the opening fence while inside a block: "```" or "~~~" (or longer)
	for i, t := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		trimmed := strings.TrimLeft(t, " ")
		opener := fenceOf(trimmed)
		switch {
		case fence == "" && opener != "" && len(t)-len(trimmed) <= 3:
			fence = opener
			lines = append(lines, line{file, i + 1, t, true})
		case fence != "" && strings.HasPrefix(trimmed, fence) && strings.TrimSpace(strings.TrimLeft(trimmed, fence[:1])) == "":
			lines = append(lines, line{file, i + 1, t, true})
			fence = ""
		default:
			lines = append(lines, line{file, i + 1, t, fence != ""})
		}
	}
	return lines
}

// fenceOf returns the run of backticks or tildes (three or more) that s
// starts with, or "".
func fenceOf(s string) string {
	for _, c := range []string{"`", "~"} {
		n := len(s) - len(strings.TrimLeft(s, c))
		if n >= 3 {
			return strings.Repeat(c, n)
		}
	}
	return ""
}

var (
	// inlineCode is a code span: what it holds is not a link.
	inlineCode = regexp.MustCompile("`+[^`]*`+")
	// inlineLink matches the "](target)" end of a link or an image, with an
	// optional "title"; target may be written <like this>.
	inlineLink = regexp.MustCompile(`\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+"[^"]*"|\s+'[^']*')?\s*\)`)
	// refDefinition is a reference-style link definition: [id]: target.
	refDefinition = regexp.MustCompile(`^\s{0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)`)
	// htmlLink is the src or href of an HTML <img> or <a> tag.
	htmlLink = regexp.MustCompile(`<(?:img|a)\s[^>]*?\b(?:src|href)\s*=\s*"([^"]*)"`)
	// goCommand is "go run" or "go test" followed by its arguments.
	goCommand = regexp.MustCompile(`\bgo\s+(?:run|test)((?:\s+[^\s` + "`" + `#]+)*)`)
	// heading is an ATX heading: one to six #, then a space.
	heading = regexp.MustCompile(`^ {0,3}(#{1,6})(?:\s+(.*?))?\s*#*\s*$`)
)

// link is one link or image target found on a line.
type link struct {
	line
	target string
}

// linksIn returns the link and image targets on the lines outside fenced
// code blocks: inline links and images, reference definitions and HTML
// src/href attributes. Code spans are skipped.
func linksIn(lines []line) []link {
	var links []link
	for _, l := range lines {
		if l.inFence {
			continue
		}
		text := inlineCode.ReplaceAllString(l.text, "")
		for _, re := range []*regexp.Regexp{inlineLink, refDefinition, htmlLink} {
			for _, m := range re.FindAllStringSubmatch(text, -1) {
				target := strings.TrimSuffix(strings.TrimPrefix(m[1], "<"), ">")
				links = append(links, link{l, target})
			}
		}
	}
	return links
}

// localPath returns the file path a link target names, without its #fragment
// or ?query, and false for targets that are not files of this repository:
// http(s):// and mailto: links, and pure #anchors.
func localPath(target string) (string, bool) {
	lower := strings.ToLower(target)
	for _, scheme := range []string{"http://", "https://", "mailto:"} {
		if strings.HasPrefix(lower, scheme) {
			return "", false
		}
	}
	if strings.HasPrefix(target, "#") || target == "" {
		return "", false
	}
	target, _, _ = strings.Cut(target, "#")
	target, _, _ = strings.Cut(target, "?")
	if unescaped, err := url.PathUnescape(target); err == nil {
		target = unescaped
	}
	return target, true
}

// commandDir is a folder named by a go run / go test command.
type commandDir struct {
	line
	command string // the command as written, for messages
	dir     string // the path after "./", without a trailing "/..."
}

// commandDirsIn returns the folder of every `go run ./X` and `go test ./X` in
// the lines, inside code blocks or not: X is the first argument that starts
// with "./". "./..." (every package) names no particular folder and is left
// out.
func commandDirsIn(lines []line) []commandDir {
	var dirs []commandDir
	for _, l := range lines {
		for _, m := range goCommand.FindAllStringSubmatch(l.text, -1) {
			for _, arg := range strings.Fields(m[1]) {
				if !strings.HasPrefix(arg, "./") {
					continue
				}
				dir := strings.TrimPrefix(arg, "./")
				dir = strings.TrimSuffix(dir, "...")
				dir = strings.TrimRight(dir, "/.,;:)")
				if dir != "" {
					dirs = append(dirs, commandDir{l, strings.TrimSpace(m[0]), dir})
				}
				break
			}
		}
	}
	return dirs
}

// headingsIn returns the ATX headings outside fenced code blocks, with their
// level (the number of #).
func headingsIn(lines []line) []headingLine {
	var hs []headingLine
	for _, l := range lines {
		if l.inFence {
			continue
		}
		if m := heading.FindStringSubmatch(l.text); m != nil {
			hs = append(hs, headingLine{l, len(m[1]), m[2]})
		}
	}
	return hs
}

type headingLine struct {
	line
	level int
	title string
}

// commandsIn returns the lines inside fenced code blocks that start with
// "go " or "bash " (a leading "$ " prompt is ignored), trimmed.
func commandsIn(lines []line) []line {
	var cmds []line
	for _, l := range lines {
		if !l.inFence {
			continue
		}
		t := strings.TrimPrefix(strings.TrimSpace(l.text), "$ ")
		if strings.HasPrefix(t, "go ") || strings.HasPrefix(t, "bash ") {
			l.text = t
			cmds = append(cmds, l)
		}
	}
	return cmds
}

// markdownFiles returns the root README.md and every .md file under docs/,
// as paths relative to the repository root, with their lines.
func markdownFiles(t *testing.T) map[string][]line {
	t.Helper()
	files := map[string][]line{}
	read := func(rel string) {
		data, err := os.ReadFile(filepath.Join(repoRoot, rel))
		require.NoError(t, err)
		files[rel] = splitLines(rel, string(data))
	}
	read("README.md")
	err := filepath.WalkDir(filepath.Join(repoRoot, "docs"), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(d.Name(), ".md") {
			rel, err := filepath.Rel(repoRoot, path)
			if err != nil {
				return err
			}
			read(filepath.ToSlash(rel))
		}
		return nil
	})
	require.NoError(t, err)
	return files
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func TestLinksPointToFilesThatExist(t *testing.T) {
	files := markdownFiles(t)
	for _, name := range sortedKeys(files) {
		t.Run(name, func(t *testing.T) {
			for _, l := range linksIn(files[name]) {
				p, ok := localPath(l.target)
				if !ok {
					continue
				}
				resolved := filepath.Join(repoRoot, filepath.Dir(name), filepath.FromSlash(p))
				if strings.HasPrefix(p, "/") {
					resolved = filepath.Join(repoRoot, filepath.FromSlash(p))
				}
				_, err := os.Stat(resolved)
				assert.NoError(t, err, "%s: the link %q points to %s, which does not exist",
					l.where(), l.target, filepath.ToSlash(mustRel(t, resolved)))
			}
		})
	}
}

func TestCommandsNameFoldersThatExist(t *testing.T) {
	files := markdownFiles(t)
	for _, name := range sortedKeys(files) {
		t.Run(name, func(t *testing.T) {
			for _, c := range commandDirsIn(files[name]) {
				info, err := os.Stat(filepath.Join(repoRoot, filepath.FromSlash(c.dir)))
				if assert.NoError(t, err, "%s: %q names ./%s, which does not exist (commands run from the repository root)",
					c.where(), c.command, c.dir) {
					assert.True(t, info.IsDir(), "%s: %q names ./%s, which is a file, not a package folder",
						c.where(), c.command, c.dir)
				}
			}
		})
	}
}

// chapters returns the names of the .md files directly in dir (docs/ or
// docs/zh/).
func chapters(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(repoRoot, dir))
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".md") {
			names = append(names, e.Name())
		}
	}
	return names
}

func TestEveryChapterHasAChineseTwin(t *testing.T) {
	english := chapters(t, "docs")
	chinese := chapters(t, "docs/zh")
	for _, name := range english {
		assert.Contains(t, chinese, name, "docs/%s has no Chinese twin: write docs/zh/%s", name, name)
	}
	for _, name := range chinese {
		assert.Contains(t, english, name, "docs/zh/%s has no English twin: write docs/%s", name, name)
	}
}

func TestTwinsHaveTheSameHeadingsAndCommands(t *testing.T) {
	files := markdownFiles(t)
	for _, name := range chapters(t, "docs") {
		en, zh := "docs/"+name, "docs/zh/"+name
		if files[zh] == nil {
			continue // TestEveryChapterHasAChineseTwin says so
		}
		t.Run(name, func(t *testing.T) {
			for _, problem := range compareHeadings(en, zh, headingsIn(files[en]), headingsIn(files[zh])) {
				t.Error(problem)
			}
			for _, problem := range compareCommands(en, zh, commandsIn(files[en]), commandsIn(files[zh])) {
				t.Error(problem)
			}
		})
	}
}

// compareHeadings says where two twins' headings differ: the levels must come
// in the same order (the titles are in different languages).
func compareHeadings(enFile, zhFile string, en, zh []headingLine) []string {
	var problems []string
	for i := range max(len(en), len(zh)) {
		switch {
		case i >= len(en):
			problems = append(problems, fmt.Sprintf("%s: extra heading %s %s: %s has only %d headings",
				zh[i].where(), strings.Repeat("#", zh[i].level), zh[i].title, enFile, len(en)))
		case i >= len(zh):
			problems = append(problems, fmt.Sprintf("%s: heading %s %s has no counterpart: %s has only %d headings",
				en[i].where(), strings.Repeat("#", en[i].level), en[i].title, zhFile, len(zh)))
		case en[i].level != zh[i].level:
			problems = append(problems, fmt.Sprintf("%s: heading %d is level %d (%s), but %s is level %d (%s)",
				zh[i].where(), i+1, zh[i].level, zh[i].title, en[i].where(), en[i].level, en[i].title))
		}
		if len(problems) > 0 {
			break // after the first difference the rest is out of step anyway
		}
	}
	return problems
}

// compareCommands says where two twins' go/bash command lines differ.
func compareCommands(enFile, zhFile string, en, zh []line) []string {
	var problems []string
	for i := range max(len(en), len(zh)) {
		switch {
		case i >= len(en):
			problems = append(problems, fmt.Sprintf("%s: extra command %q, not in %s", zh[i].where(), zh[i].text, enFile))
		case i >= len(zh):
			problems = append(problems, fmt.Sprintf("%s: command %q is missing from %s", en[i].where(), en[i].text, zhFile))
		case en[i].text != zh[i].text:
			problems = append(problems, fmt.Sprintf("%s: command %d is %q, but %s has %q", zh[i].where(), i+1, zh[i].text, en[i].where(), en[i].text))
		}
	}
	return problems
}

func TestPNGsAreSmall(t *testing.T) {
	// Every PNG under docs/, linked or not.
	pngs := map[string]bool{}
	err := filepath.WalkDir(filepath.Join(repoRoot, "docs"), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.EqualFold(filepath.Ext(path), ".png") {
			pngs[path] = true
		}
		return err
	})
	require.NoError(t, err)
	// And every PNG a markdown file links to, wherever it lives.
	files := markdownFiles(t)
	for _, name := range sortedKeys(files) {
		for _, l := range linksIn(files[name]) {
			if p, ok := localPath(l.target); ok && strings.EqualFold(filepath.Ext(p), ".png") {
				pngs[filepath.Join(repoRoot, filepath.Dir(name), filepath.FromSlash(p))] = true
			}
		}
	}
	for _, path := range sortedKeys(pngs) {
		info, err := os.Stat(path)
		if err != nil {
			continue // TestLinksPointToFilesThatExist says so
		}
		assert.LessOrEqual(t, info.Size(), int64(maxPNGSize), "%s is %d KB; keep images under %d KB (shrink the window or crop)",
			filepath.ToSlash(mustRel(t, path)), info.Size()/1024, maxPNGSize/1024)
	}
}

func mustRel(t *testing.T, path string) string {
	t.Helper()
	rel, err := filepath.Rel(repoRoot, path)
	require.NoError(t, err)
	return rel
}

// The tests below check the checker.

func TestLinksIn(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"a link", "see [the code](../step1-listen/main.go) here", []string{"../step1-listen/main.go"}},
		{"an image", "![page](img/step3-page.png)", []string{"img/step3-page.png"}},
		{"a link with a title", `[x](a.md "A title")`, []string{"a.md"}},
		{"a link in angle brackets", "[x](<a b.md>)", []string{"a b.md"}},
		{"two links on a line", "[a](a.md) and [b](b.md#part)", []string{"a.md", "b.md#part"}},
		{"an image inside a link", "[![alt](img/a.png)](b.md)", []string{"img/a.png", "b.md"}},
		{"a reference definition", "[rfc]: https://www.rfc-editor.org/rfc/rfc6455", []string{"https://www.rfc-editor.org/rfc/rfc6455"}},
		{"an HTML image", `<img src="img/a.png" width="400">`, []string{"img/a.png"}},
		{"a code span is not a link", "`[a](b.md)` and [c](c.md)", []string{"c.md"}},
		{"a fenced block is not read", "```\n[a](nowhere.md)\n```", nil},
		{"a tilde fence", "~~~go\n[a](nowhere.md)\n~~~\n[b](b.md)", []string{"b.md"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, l := range linksIn(splitLines("x.md", tt.text)) {
				got = append(got, l.target)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestLocalPath(t *testing.T) {
	tests := []struct {
		target string
		want   string
		local  bool
	}{
		{"../step1-listen/main.go", "../step1-listen/main.go", true},
		{"step2-client.md#run-it", "step2-client.md", true},
		{"a%20b.md", "a b.md", true},
		{"#run-it", "", false},
		{"https://www.rfc-editor.org/rfc/rfc6455#section-1.3", "", false},
		{"HTTP://example.com", "", false},
		{"mailto:someone@example.com", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			got, local := localPath(tt.target)
			assert.Equal(t, tt.local, local)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestCommandDirsIn(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"go run", "go run ./step1-listen", []string{"step1-listen"}},
		{"with a flag after", "go run ./step3-handshake -addr 127.0.0.1:9000", []string{"step3-handshake"}},
		{"with a tag before", "go test -tags exercise ./step2-client", []string{"step2-client"}},
		{"with -run before", "go test -run TestAcceptKey ./step3-handshake", []string{"step3-handshake"}},
		{"every package", "go test ./...", nil},
		{"a folder and below", "go test ./final/...", []string{"final"}},
		{"in a code span", "run `go run ./step2-client`, then", []string{"step2-client"}},
		{"a prompt and a comment", "$ go run ./final   # the echo server", []string{"final"}},
		{"two commands on a line", "`go test ./a` and `go run ./b`", []string{"a", "b"}},
		{"a sentence that ends after it", "then go run ./step5-pack.", []string{"step5-pack"}},
		{"go vet is not checked", "go vet ./nowhere", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, c := range commandDirsIn(splitLines("x.md", tt.text)) {
				got = append(got, c.dir)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestHeadingsAndCommandsIn(t *testing.T) {
	text := "# Title\n\nText.\n\n## Run it\n\n```sh\n# not a heading\n$ go run ./step1-listen\nbash .ci/run\necho no\n```\n\n### Deeper ###\n"
	lines := splitLines("x.md", text)

	var levels []int
	var titles []string
	for _, h := range headingsIn(lines) {
		levels = append(levels, h.level)
		titles = append(titles, h.title)
	}
	assert.Equal(t, []int{1, 2, 3}, levels)
	assert.Equal(t, []string{"Title", "Run it", "Deeper"}, titles)

	var cmds []string
	for _, c := range commandsIn(lines) {
		cmds = append(cmds, c.text)
	}
	assert.Equal(t, []string{"go run ./step1-listen", "bash .ci/run"}, cmds)
}

func TestCompareTwins(t *testing.T) {
	en := splitLines("docs/a.md", "# A\n## B\n```\ngo run ./a\n```\n")
	tests := []struct {
		name     string
		zh       string
		headings string // a part of the first heading problem, or "" for none
		commands string // a part of the first command problem, or "" for none
	}{
		{"the same structure", "# 甲\n## 乙\n```\ngo run ./a\n```\n", "", ""},
		{"a heading level differs", "# 甲\n### 乙\n```\ngo run ./a\n```\n", "docs/zh/a.md:2: heading 2 is level 3", ""},
		{"a heading is missing", "# 甲\n```\ngo run ./a\n```\n", "docs/a.md:2: heading ## B has no counterpart", ""},
		{"a command differs", "# 甲\n## 乙\n```\ngo run ./b\n```\n", "", `docs/zh/a.md:4: command 1 is "go run ./b"`},
		{"a command is missing", "# 甲\n## 乙\n", "", `docs/a.md:4: command "go run ./a" is missing`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			zh := splitLines("docs/zh/a.md", tt.zh)
			check := func(problems []string, want string) {
				if want == "" {
					assert.Empty(t, problems)
				} else if assert.NotEmpty(t, problems) {
					assert.Contains(t, problems[0], want)
				}
			}
			check(compareHeadings("docs/a.md", "docs/zh/a.md", headingsIn(en), headingsIn(zh)), tt.headings)
			check(compareCommands("docs/a.md", "docs/zh/a.md", commandsIn(en), commandsIn(zh)), tt.commands)
		})
	}
}

// testFuncName matches a test, benchmark or fuzz function's name as the docs
// cite it (TestReadFrame, BenchmarkUnmask/word is cited as BenchmarkUnmask).
var testFuncName = regexp.MustCompile(`\b(?:Test|Benchmark|Fuzz)[A-Z][A-Za-z0-9_]*`)

// testFuncs returns the names of every Test, Benchmark and Fuzz function in
// the repository's _test.go files.
func testFuncs(t *testing.T) map[string]bool {
	t.Helper()
	decl := regexp.MustCompile(`(?m)^func ((?:Test|Benchmark|Fuzz)[A-Za-z0-9_]*)\(`)
	names := map[string]bool{}
	err := filepath.WalkDir(repoRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && path != repoRoot {
			return filepath.SkipDir
		}
		if strings.HasSuffix(path, "_test.go") {
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range decl.FindAllStringSubmatch(string(data), -1) {
				names[m[1]] = true
			}
		}
		return nil
	})
	require.NoError(t, err)
	return names
}

func TestCitedTestsExist(t *testing.T) {
	funcs := testFuncs(t)
	files := markdownFiles(t)
	for _, name := range sortedKeys(files) {
		t.Run(name, func(t *testing.T) {
			for _, l := range files[name] {
				for _, cited := range testFuncName.FindAllString(l.text, -1) {
					assert.True(t, funcs[cited], "%s: cites %s, but no _test.go file declares func %s",
						l.where(), cited, cited)
				}
			}
		})
	}
}
