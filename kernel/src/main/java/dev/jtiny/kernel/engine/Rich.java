// Renders a value for a notebook in the engine's child JVM, where the value lives: MIME type -> data.
package dev.jtiny.kernel.engine;

import dev.jtiny.Tensor;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.imageio.ImageIO;
import dev.jtiny.magics.Rendered;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.internal.chartpart.Chart;
import tech.tablesaw.api.Table;

/**
 * A tensor becomes text/html ({@link TensorHtml}), a Tablesaw {@link Table} text/html (first and last
 * {@value #EDGE} rows when it has more than {@value #MAX}), a {@link BufferedImage} or an XChart chart image/png
 * (base64), a magic's {@link Rendered} result its own forms; each also has text/plain. Anything else is text/plain only: its {@code toString()}.
 */
final class Rich {
    static final int MAX = 20, EDGE = 10;

    private Rich() {}

    /** MIME type -> data, text/plain always last; {@code plain} is the text when the caller has one (or null). */
    static Map<String, String> render(Object value, String plain) {
        var data = new LinkedHashMap<String, String>();
        try {
            switch (value) {
                case Tensor t -> {
                    boolean realized = t.isRealized();
                    data.put("text/html", TensorHtml.render(t, realized));
                }
                case Table t -> data.put("text/html", tableHtml(t));
                case BufferedImage img -> data.put("image/png", png(img));
                case Chart<?, ?> chart -> data.put("image/png", png(BitmapEncoder.getBufferedImage(chart)));
                case Rendered r -> data.putAll(r.richForms());
                case null, default -> {}
            }
        } catch (RuntimeException | IOException | LinkageError e) {
            data.clear(); // the plain text still shows the value
        }
        data.remove("text/plain");
        if (plain == null) plain = plain(value);
        data.put("text/plain", plain);
        return data;
    }

    /** Whether {@link #render} has more than text/plain for this value. */
    static boolean isRich(Object value) {
        try {
            return value instanceof Tensor || value instanceof Table || value instanceof BufferedImage
                    || value instanceof Chart<?, ?> || value instanceof Rendered;
        } catch (LinkageError missing) { // a class path without Tablesaw or XChart
            return value instanceof Tensor || value instanceof BufferedImage;
        }
    }

    static String plain(Object value) {
        return switch (value) {
            case null -> "null";
            case Table t -> t.print(MAX);
            case BufferedImage img -> "BufferedImage " + img.getWidth() + "x" + img.getHeight() + " (type " + img.getType() + ")";
            case Chart<?, ?> c -> c.getClass().getSimpleName() + " \"" + c.getTitle() + "\" " + c.getWidth() + "x" + c.getHeight();
            case Rendered r -> r.text();
            default -> String.valueOf(value);
        };
    }

    static String png(BufferedImage img) throws IOException {
        var bytes = new ByteArrayOutputStream();
        if (!ImageIO.write(img, "png", bytes)) throw new IOException("no PNG writer for image type " + img.getType());
        return Base64.getEncoder().encodeToString(bytes.toByteArray());
    }

    static String tableHtml(Table t) {
        int rows = t.rowCount(), cols = t.columnCount();
        var html = new StringBuilder("<div class=\"jtiny-table\"><div><code>Table</code> ")
                .append(escape(t.name() == null ? "" : t.name())).append(" (").append(rows).append(" rows, ")
                .append(cols).append(" columns)</div><table><thead><tr><th></th>");
        for (String name : t.columnNames()) html.append("<th>").append(escape(name)).append("</th>");
        html.append("</tr></thead><tbody>");
        for (int r = 0; r < rows; r++) {
            if (rows > MAX && r == EDGE) {
                html.append("<tr><th>…</th>").append("<td>…</td>".repeat(cols)).append("</tr>");
                r = rows - EDGE;
            }
            html.append("<tr><th>").append(r).append("</th>");
            for (int c = 0; c < cols; c++) html.append("<td>").append(escape(t.getString(r, c))).append("</td>");
            html.append("</tr>");
        }
        return html.append("</tbody></table></div>").toString();
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
