package io.dbrunbooks.starter;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every relative link in README.md and docs/ leads somewhere: to a file or directory of the
 * repository, and, when it names a {@code #fragment} of a Markdown page, to one of that page's
 * headings (as GitHub makes them into anchors). Links in code blocks and inline code are text, not
 * links, and are left alone; {@code http:}, {@code https:} and {@code mailto:} links are not
 * fetched.
 */
class DocsLinksTest {
  /** {@code [text](target)} and {@code ![alt](target)}, with an optional "title". */
  private static final Pattern INLINE_LINK = Pattern.compile("!?\\[(?:[^\\]\\[]|\\[[^\\]]*\\])*\\]\\(\\s*<?([^)\\s>]+)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
  /** {@code [label]: target} reference definitions. */
  private static final Pattern REFERENCE = Pattern.compile("(?m)^ {0,3}\\[[^\\]]+\\]:\\s*<?(\\S+?)>?(?:\\s.*)?$");

  record Link(Path page, int line, String target) {
    String where() {
      return DocPages.name(page) + ":" + line;
    }
  }

  static List<Link> links() {
    List<Link> all = new ArrayList<>();
    for (Path page : DocPages.all()) {
      String text = DocPages.read(page);
      String prose = MarkdownText.withoutCode(text);
      for (Pattern p : List.of(INLINE_LINK, REFERENCE)) {
        Matcher m = p.matcher(prose);
        while (m.find()) {
          String target = m.group(1);
          if (!target.matches("(?i)[a-z][a-z0-9+.-]*:.*")) {
            all.add(new Link(page, DocPages.lineOf(prose, m.start()), target));
          }
        }
      }
    }
    return all;
  }

  @TestFactory
  Stream<DynamicTest> everyRelativeLinkLeadsToAFileAndHeading() {
    List<Link> links = links();
    System.out.println("docs check: " + links.size() + " relative links in README.md and docs/");
    assertTrue(links.size() >= 20, "the links were found: " + links.size());
    return links.stream().map(l -> DynamicTest.dynamicTest(l.where() + " " + l.target(), () -> leads(l)));
  }

  private static void leads(Link link) {
    String target = link.target();
    int hash = target.indexOf('#');
    String file = hash < 0 ? target : target.substring(0, hash);
    String fragment = hash < 0 ? null : target.substring(hash + 1);
    Path resolved = file.isEmpty() ? link.page() : link.page().getParent().resolve(file).normalize();
    assertTrue(resolved.startsWith(DocPages.root()), link.where() + ": " + target + " leads out of the repository");
    assertTrue(Files.exists(resolved), link.where() + ": " + target + " names " + DocPages.name(resolved)
        + ", which does not exist");
    if (fragment != null && !fragment.isEmpty()) {
      assertTrue(resolved.getFileName().toString().endsWith(".md"),
          link.where() + ": " + target + " names a heading of a file that is not a Markdown page");
      List<String> anchors = MarkdownText.anchors(DocPages.read(resolved));
      assertTrue(anchors.contains(fragment), link.where() + ": " + DocPages.name(resolved) + " has no heading #" + fragment
          + "; its headings are #" + String.join(", #", anchors));
    }
  }
}
