package dev.localbedrock.knowledge.extract;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Map;
import java.util.Set;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.nodes.TextNode;
import org.jsoup.select.NodeTraversor;
import org.jsoup.select.NodeVisitor;

/**
 * The text a reader sees in an HTML page, with its structure kept as line breaks: headings, paragraphs, lists and
 * tables end their own paragraph or line instead of running into one long line (jsoup's {@code text()} would), so
 * the chunker can split at them. Scripts, styles, templates, the head (but its title) and elements marked
 * {@code hidden} are dropped. The title opens the text, since it is often the best summary of the page.
 */
final class HtmlText {
    private static final Set<String> PARAGRAPH_TAGS = Set.of("p", "h1", "h2", "h3", "h4", "h5", "h6", "section",
            "article", "blockquote", "pre", "table", "ul", "ol", "dl", "header", "footer", "main", "aside",
            "figure", "form", "hr", "address", "nav", "fieldset", "details");
    private static final Set<String> LINE_TAGS = Set.of("div", "li", "tr", "dt", "dd", "caption", "figcaption",
            "br", "option", "summary", "legend", "thead", "tbody", "tfoot", "center");
    private static final Set<String> CELL_TAGS = Set.of("td", "th");
    private static final Set<String> INVISIBLE_TAGS = Set.of("script", "style", "noscript", "template", "head",
            "iframe", "object", "embed", "svg", "canvas", "select");

    private HtmlText() {
    }

    static void extract(byte[] bytes, BoundedText out, Map<String, String> metadata) throws IOException {
        // jsoup picks the charset from a BOM or a <meta charset>, else UTF-8.
        Document document = Jsoup.parse(new ByteArrayInputStream(bytes), null, "");
        String title = document.title().strip();
        if (!title.isEmpty()) {
            metadata.put("title", title);
            out.append(title).append("\n\n");
        }
        NodeTraversor.traverse(new Visible(out), document);
    }

    private static final class Visible implements NodeVisitor {
        private final BoundedText out;
        private int preDepth;
        private Node skipping;

        Visible(BoundedText out) {
            this.out = out;
        }

        @Override
        public void head(Node node, int depth) {
            if (skipping != null) {
                return;
            }
            if (node instanceof TextNode text) {
                appendText(text);
            } else if (node instanceof Element element) {
                String tag = element.normalName();
                if (INVISIBLE_TAGS.contains(tag) || element.hasAttr("hidden")) {
                    skipping = node;
                    return;
                }
                if (tag.equals("pre") || tag.equals("textarea")) {
                    preDepth++;
                }
                if (PARAGRAPH_TAGS.contains(tag)) {
                    out.append("\n\n");
                } else if (LINE_TAGS.contains(tag) && (tag.equals("br") || !out.atLineStart())) {
                    out.append('\n');
                } else if (CELL_TAGS.contains(tag) && !out.atWordStart()) {
                    out.append('\t');
                }
            }
        }

        @Override
        public void tail(Node node, int depth) {
            if (skipping != null) {
                if (skipping == node) {
                    skipping = null;
                }
                return;
            }
            if (node instanceof Element element) {
                String tag = element.normalName();
                if (tag.equals("pre") || tag.equals("textarea")) {
                    preDepth--;
                }
                if (PARAGRAPH_TAGS.contains(tag)) {
                    out.append("\n\n");
                } else if (LINE_TAGS.contains(tag) && !tag.equals("br") && !out.atLineStart()) {
                    out.append('\n');
                }
            }
        }

        private void appendText(TextNode text) {
            if (preDepth > 0) {
                out.append(text.getWholeText());
                return;
            }
            // Outside <pre>, runs of whitespace (source line breaks included) are one space, as a browser shows them.
            String collapsed = text.getWholeText().replaceAll("[\\s\\u00A0]+", " ");
            if (collapsed.startsWith(" ") && out.atWordStart()) {
                collapsed = collapsed.substring(1);
            }
            if (!collapsed.isEmpty()) {
                out.append(collapsed);
            }
        }
    }
}
