package dev.cwb.layer;

import dev.cwb.CwbException;
import dev.cwb.image.Image;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Turns what a learner types to name a layer into its 1-based index (bottom first, as {@code inspect layers}
 * numbers them): a number such as {@code 2}, or a prefix (at least 4 hex digits, {@code sha256:} optional)
 * of the layer's blob digest or of its diff_id.
 */
public final class LayerSelector {
    private LayerSelector() {
    }

    public static int select(Image image, String text) {
        String name = image.reference().familiar();
        int count = image.layers().size();
        String t = text.trim();
        if (t.matches("\\d{1,3}")) {
            int index = Integer.parseInt(t);
            if (index < 1 || index > count) {
                throw CwbException.badInput("there is no layer " + index + " in " + name + ": it has " + count + " layer" + (count == 1 ? "" : "s")
                        + " (1 is the bottom)", "'inspect layers " + name + "' lists them");
            }
            return index;
        }
        String hex = t.startsWith("sha256:") ? t.substring("sha256:".length()) : t;
        if (hex.length() < 4 || !hex.matches("[0-9a-f]+")) {
            throw CwbException.badInput("'" + text + "' does not name a layer", "give its number (1 is the bottom) or at least 4 hex digits "
                    + "of its digest or diff_id, as 'inspect layers " + name + "' shows them");
        }
        Set<Integer> matches = new LinkedHashSet<>();
        for (int i = 0; i < count; i++) {
            if (image.layers().get(i).digest().encoded().startsWith(hex)
                    || (i < image.config().diffIds().size() && image.config().diffIds().get(i).encoded().startsWith(hex))) {
                matches.add(i + 1);
            }
        }
        if (matches.isEmpty()) {
            throw CwbException.notFound("no layer of " + name + " has a digest or diff_id starting with '" + hex + "'",
                    "'inspect layers " + name + "' lists them");
        }
        if (matches.size() > 1) {
            throw CwbException.badInput("'" + text + "' matches layers " + matches + " of " + name, "type more hex digits");
        }
        return matches.iterator().next();
    }
}
