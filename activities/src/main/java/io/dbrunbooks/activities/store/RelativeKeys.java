package io.dbrunbooks.activities.store;

/**
 * The one rule for keys of backup stores and evidence registries, file or S3: relative,
 * slash-separated, no empty, {@code .} or {@code ..} segment. A key is built from target names and
 * backup ids, so this is the last guard against a path that escapes its root.
 */
public final class RelativeKeys {
  private RelativeKeys() {}

  /**
   * @param what how the caller names its keys in messages, e.g. {@code artifact key}
   * @param noHiddenSegments also refuse segments starting with '.', where such names are reserved
   *     (the file registry's temporary files)
   * @return {@code key}, for chaining
   * @throws IllegalArgumentException naming the key and the rule it breaks
   */
  public static String check(String what, String key, boolean noHiddenSegments) {
    if (key == null || key.isEmpty() || key.startsWith("/") || key.contains("\\") || key.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("invalid " + what + " '" + key + "': must be a relative slash-separated path");
    }
    for (String segment : key.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..") || (noHiddenSegments && segment.startsWith("."))) {
        throw new IllegalArgumentException("invalid " + what + " '" + key + "': empty, '.' or '..' segment"
            + (noHiddenSegments ? ", or a segment starting with '.'" : ""));
      }
    }
    return key;
  }

  /** A listing prefix: empty (everything), or a key, optionally ending in '/'. */
  public static String checkPrefix(String what, String prefix) {
    if (!prefix.isEmpty()) {
      check(what + " prefix", prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix, false);
    }
    return prefix;
  }
}
