// What a magic returns: text for JShell and scripts, richer forms (HTML, PNG, SVG) for a notebook.
package dev.jtiny.magics;

import java.util.Map;

public interface Rendered {
    /** The plain-text form: what {@code toString()} gives, what a script prints, Jupyter's text/plain. */
    String text();

    /**
     * Richer forms by MIME type, for Jupyter: {@code text/html}, {@code image/png} (base64), {@code image/svg+xml},
     * {@code text/markdown}. text/plain comes from {@link #text()} and need not be repeated here.
     */
    default Map<String, String> richForms() { return Map.of(); }
}
