// Renders the Tablesaw tables of the bench and devices reports as aligned text and as an HTML table; cells come from
// each column's print formatter, so table.print() and these forms agree.
package dev.jtiny.magics;

import tech.tablesaw.api.NumericColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;
import tech.tablesaw.columns.numbers.NumberColumnFormatter;

import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.Locale;

final class ReportTable {
    private ReportTable() {}

    /** A number format with {@code decimals} fixed decimals and an empty cell for NaN (a figure that does not apply). */
    static NumberColumnFormatter fixed(int decimals) {
        return pattern(decimals == 0 ? "0" : "0." + "0".repeat(decimals));
    }

    /** A {@link DecimalFormat} pattern ("0.#": no decimal for a whole number), an empty cell for NaN. */
    static NumberColumnFormatter pattern(String pattern) {
        return new NumberColumnFormatter(new DecimalFormat(pattern, DecimalFormatSymbols.getInstance(Locale.ROOT)), "");
    }

    static String cell(Column<?> c, int row) {
        if (c instanceof NumericColumn<?> n && Double.isNaN(n.getDouble(row))) return ""; // "NaN" helps no reader
        return c.getString(row);
    }

    /** Columns padded to their widest cell: numbers to the right, text to the left; the last column is not padded. */
    static String text(Table t) {
        int cols = t.columnCount();
        int[] width = new int[cols];
        for (int j = 0; j < cols; j++) {
            Column<?> c = t.column(j);
            width[j] = c.name().length();
            for (int i = 0; i < t.rowCount(); i++) width[j] = Math.max(width[j], cell(c, i).length());
        }
        StringBuilder sb = new StringBuilder();
        line(sb, t, width, -1);
        for (int i = 0; i < t.rowCount(); i++) line(sb, t, width, i);
        return sb.toString();
    }

    private static void line(StringBuilder sb, Table t, int[] width, int row) {
        StringBuilder l = new StringBuilder();
        for (int j = 0; j < width.length; j++) {
            Column<?> c = t.column(j);
            String s = row < 0 ? c.name() : cell(c, row);
            boolean right = c instanceof NumericColumn<?>;
            boolean last = j == width.length - 1;
            if (j > 0) l.append("  ");
            String pad = " ".repeat(width[j] - s.length());
            if (right) l.append(pad).append(s);
            else l.append(s).append(last ? "" : pad);
        }
        sb.append(l.toString().stripTrailing()).append('\n');
    }

    /**
     * {@code <table>} with the caption, a header row in {@code <thead>} and one {@code <tr>} per table row in
     * {@code <tbody>}; with {@code lastRowIsTotal} the last row is set in bold.
     */
    static String html(Table t, String caption, boolean lastRowIsTotal) {
        StringBuilder sb = new StringBuilder("<table class=\"jtiny-report\" style=\"border-collapse:collapse\">\n");
        if (caption != null) sb.append("<caption style=\"caption-side:top;text-align:left\">").append(escape(caption)).append("</caption>\n");
        sb.append("<thead><tr>");
        for (Column<?> c : t.columns()) {
            sb.append("<th style=\"text-align:").append(c instanceof NumericColumn<?> ? "right" : "left").append(";padding:2px 8px\">")
                    .append(escape(c.name())).append("</th>");
        }
        sb.append("</tr></thead>\n<tbody>\n");
        for (int i = 0; i < t.rowCount(); i++) {
            boolean bold = lastRowIsTotal && i == t.rowCount() - 1;
            sb.append(bold ? "<tr style=\"font-weight:bold;border-top:1px solid #888\">" : "<tr>");
            for (Column<?> c : t.columns()) {
                String align = c instanceof NumericColumn<?> ? "right" : "left";
                String font = c.name().equals("kernel") || c.name().equals("device") ? ";font-family:monospace" : "";
                sb.append("<td style=\"text-align:").append(align).append(";padding:2px 8px").append(font).append("\">")
                        .append(escape(cell(c, i))).append("</td>");
            }
            sb.append("</tr>\n");
        }
        return sb.append("</tbody>\n</table>\n").toString();
    }

    static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                default -> sb.append(ch);
            }
        }
        return sb.toString();
    }
}
