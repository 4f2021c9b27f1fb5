package io.dbrunbooks.starter;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What a Markdown page is made of, as far as links need it: its prose outside code, and its headings' anchors. */
final class MarkdownText {
  private static final Pattern FENCE = Pattern.compile("(?ms)^(```|~~~).*?^\\1[ \\t]*$");
  private static final Pattern INLINE_CODE = Pattern.compile("(`+)(.+?)\\1", Pattern.DOTALL);
  private static final Pattern HEADING = Pattern.compile("(?m)^ {0,3}#{1,6}[ \\t]+(.*?)[ \\t#]*$");
  private static final Pattern LINK_TEXT = Pattern.compile("!?\\[([^\\]]*)\\]\\([^)]*\\)");

  private MarkdownText() {}

  /** {@code text} with fenced blocks and inline code blanked out, line breaks kept (so line numbers stay right). */
  static String withoutCode(String text) {
    return blank(INLINE_CODE, blank(FENCE, text));
  }

  private static String blank(Pattern p, String text) {
    Matcher m = p.matcher(text);
    StringBuilder b = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(b, Matcher.quoteReplacement(m.group().replaceAll("[^\\n]", " ")));
    }
    m.appendTail(b);
    return b.toString();
  }

  /**
   * The anchors GitHub gives the page's headings: the heading's text lower-cased, punctuation
   * (backticks included) dropped, spaces made hyphens; a repeated heading gets {@code -1},
   * {@code -2}, ...
   */
  static List<String> anchors(String page) {
    List<String> anchors = new ArrayList<>();
    Map<String, Integer> seen = new HashMap<>();
    Matcher m = HEADING.matcher(FENCE.matcher(page).replaceAll(""));
    while (m.find()) {
      String text = LINK_TEXT.matcher(m.group(1)).replaceAll("$1");
      String slug = text.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{M}\\p{N}\\p{Pc} -]", "").replace(' ', '-');
      int n = seen.merge(slug, 1, Integer::sum) - 1;
      anchors.add(n == 0 ? slug : slug + "-" + n);
    }
    return anchors;
  }
}
