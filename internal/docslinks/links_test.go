package docslinks

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// docsDir is docs/ from this package's directory.
const docsDir = "../../docs"

// markdownLink matches an inline link's target: [text](target) or [text](target "title").
var markdownLink = regexp.MustCompile(`\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)

// heading matches a Markdown ATX heading's text.
var heading = regexp.MustCompile(`(?m)^#{1,6}\s+(.+?)\s*#*\s*$`)

// TestRelativeLinksResolve fails on a relative link of docs/ that does not name a file
// that exists (with its extension: a link without .md breaks when docs/ is browsed as
// files), or names an anchor that the target has no heading for.
func TestRelativeLinksResolve(t *testing.T) {
	pages := map[string]string{}
	err := filepath.WalkDir(docsDir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".md") {
			return err
		}
		b, err := os.ReadFile(p)
		pages[filepath.Clean(p)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) == 0 {
		t.Fatalf("no pages under %s", docsDir)
	}
	for page, text := range pages {
		for _, problem := range brokenLinks(page, text, pages) {
			rel, _ := filepath.Rel(docsDir, page)
			t.Errorf("docs/%s: %s", filepath.ToSlash(rel), problem)
		}
	}
}

// brokenLinks lists the relative links of page (its text) that do not resolve among
// pages (path → text), or to a file on disk.
func brokenLinks(page, text string, pages map[string]string) []string {
	var problems []string
	for _, m := range markdownLink.FindAllStringSubmatch(stripCode(text), -1) {
		target := m[1]
		if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
			continue
		}
		file, anchor, _ := strings.Cut(target, "#")
		dest := page
		if file != "" {
			dest = filepath.Clean(filepath.Join(filepath.Dir(page), filepath.FromSlash(file)))
		}
		destText, isPage := pages[dest]
		if !isPage {
			if _, err := os.Stat(dest); err != nil {
				problems = append(problems, "link "+target+" names no file (a link to a page needs its .md)")
				continue
			}
		}
		if anchor != "" && isPage && !hasAnchor(destText, anchor) {
			problems = append(problems, "link "+target+" names no heading #"+anchor+" of its page")
		}
	}
	return problems
}

// stripCode removes fenced code blocks, whose brackets are not links.
func stripCode(text string) string {
	var b strings.Builder
	in := false
	for _, line := range strings.SplitAfter(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			in = !in
			continue
		}
		if !in {
			b.WriteString(line)
		}
	}
	return b.String()
}

// htmlAnchor matches an anchor that tfplugindocs writes: <a id="nestedatt--x"></a>.
var htmlAnchor = regexp.MustCompile(`<a id="([^"]+)">`)

// hasAnchor reports whether text has a heading whose GitHub anchor is anchor, or an
// HTML anchor of that id.
func hasAnchor(text, anchor string) bool {
	for _, m := range htmlAnchor.FindAllStringSubmatch(text, -1) {
		if m[1] == anchor {
			return true
		}
	}
	for _, m := range heading.FindAllStringSubmatch(stripCode(text), -1) {
		if slug(m[1]) == anchor {
			return true
		}
	}
	return false
}

// slug is GitHub's anchor of a heading: lower case, punctuation dropped, spaces as
// hyphens.
func slug(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		switch {
		case r == ' ' || r == '-':
			b.WriteRune('-')
		case r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func TestBrokenLinksFindsTheBroken(t *testing.T) {
	pages := map[string]string{
		"d/a.md":   "# Top\n## Query again later\n",
		"d/g/b.md": "[ok](../a.md) [ok](../a.md#query-again-later) [no ext](../a) [bad](../a.md#nope) [web](https://x.y/z)\n```\n[in](code)\n```\n",
	}
	got := brokenLinks("d/g/b.md", pages["d/g/b.md"], pages)
	want := []string{"link ../a names no file (a link to a page needs its .md)", "link ../a.md#nope names no heading #nope of its page"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// chooserPages carry the same "Which one?" table: the index and the three ways to get a
// token.
var chooserPages = []string{"index.md", "resources/service_account_token.md",
	"resources/service_account_rotating_token.md", "ephemeral-resources/service_account.md"}

// TestChooserTheSameEverywhere fails when a page of chooserPages lacks the "Which one?"
// section, or holds one that differs from the index's.
func TestChooserTheSameEverywhere(t *testing.T) {
	var first string
	for _, page := range chooserPages {
		b, err := os.ReadFile(filepath.Join(docsDir, filepath.FromSlash(page)))
		if err != nil {
			t.Fatal(err)
		}
		section := chooserSection(string(b))
		switch {
		case section == "":
			t.Errorf("docs/%s has no \"## Which one?\" section", page)
		case first == "":
			first = section
		case section != first:
			t.Errorf("docs/%s: its \"Which one?\" section differs from docs/%s's", page, chooserPages[0])
		}
	}
}

// chooserSection is text's "## Which one?" section, up to the next heading.
func chooserSection(text string) string {
	_, after, ok := strings.Cut(text, "\n## Which one?\n")
	if !ok {
		return ""
	}
	if end := strings.Index(after, "\n#"); end >= 0 {
		after = after[:end]
	}
	return after
}
