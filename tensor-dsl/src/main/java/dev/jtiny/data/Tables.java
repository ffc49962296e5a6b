// Between Tablesaw tables (CSV files, data frames) and 2-D tensors: numeric columns in, columns out.
package dev.jtiny.data;

import dev.jtiny.Tensor;
import tech.tablesaw.api.BooleanColumn;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.FloatColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.NumericColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;

/**
 * Tables and tensors: {@code Tables.fromTable(Table.read().csv("iris.csv"), "sepal_length", "petal_length")} gives a
 * float32 [rows, 2] tensor; {@code Tables.toTable(t, "a", "b")} turns a 2-D tensor back into columns.
 */
public final class Tables {
    private Tables() {}

    /**
     * The named numeric columns (all columns when none are named) as float32 [rows, columns]; missing values become
     * NaN.
     */
    public static Tensor fromTable(Table table, String... columns) {
        List<String> names = columns.length == 0 ? table.columnNames() : List.of(columns);
        List<NumericColumn<?>> cols = new ArrayList<>();
        for (String name : names) {
            if (!table.containsColumn(name)) {
                throw new IllegalArgumentException("fromTable: table '" + table.name() + "' has no column '" + name + "' (it has " + table.columnNames() + ")");
            }
            Column<?> c = table.column(name);
            if (!(c instanceof NumericColumn<?> n)) {
                throw new IllegalArgumentException("fromTable: column '" + name + "' of table '" + table.name() + "' is " + c.type().name()
                        + ", not numeric; numeric columns: " + numericNames(table));
            }
            cols.add(n);
        }
        int rows = table.rowCount(), width = cols.size();
        float[] data = new float[rows * width];
        for (int j = 0; j < width; j++) {
            NumericColumn<?> c = cols.get(j);
            for (int i = 0; i < rows; i++) data[i * width + j] = c.isMissing(i) ? Float.NaN : (float) c.getDouble(i);
        }
        return Tensor.of(data, rows, width);
    }

    /**
     * A 2-D tensor [rows, columns] as a table with one column per name: float32 as float columns; float64, float16
     * and bfloat16 as double columns (exact); int32, int8 and uint8 as int columns (uint8 as 0..255); int64 as long
     * columns; bool as boolean columns. Tablesaw keeps missing values as NaN, {@code Integer.MIN_VALUE} and
     * {@code Long.MIN_VALUE}, so those values read as missing in the table.
     */
    public static Table toTable(Tensor t, String... columnNames) {
        int[] s = t.shape();
        if (s.length != 2) {
            throw new IllegalArgumentException("toTable: expected a 2-D tensor [rows, columns], got shape " + Arrays.toString(s)
                    + (s.length == 1 ? " (reshape(-1, 1) makes it one column)" : ""));
        }
        int rows = s[0], width = s[1];
        if (columnNames.length != width) {
            throw new IllegalArgumentException("toTable: " + columnNames.length + " column names " + Arrays.toString(columnNames)
                    + " for a tensor of shape " + Arrays.toString(s) + ", which has " + width + " columns");
        }
        if (new HashSet<>(List.of(columnNames)).size() != width) {
            throw new IllegalArgumentException("toTable: column names " + Arrays.toString(columnNames) + " repeat a name");
        }
        // An expression, not a statement: a new dtype fails to compile here instead of giving an empty table.
        List<Column<?>> columns = switch (t.dtype()) {
            case FLOAT32 -> {
                float[] d = t.toFloatArray();
                List<Column<?>> r = new ArrayList<>();
                for (int j = 0; j < width; j++) {
                    float[] col = new float[rows];
                    for (int i = 0; i < rows; i++) col[i] = d[i * width + j];
                    r.add(FloatColumn.create(columnNames[j], col));
                }
                yield r;
            }
            case FLOAT64, FLOAT16, BFLOAT16 -> {
                double[] d = t.toDoubleArray();
                List<Column<?>> r = new ArrayList<>();
                for (int j = 0; j < width; j++) {
                    double[] col = new double[rows];
                    for (int i = 0; i < rows; i++) col[i] = d[i * width + j];
                    r.add(DoubleColumn.create(columnNames[j], col));
                }
                yield r;
            }
            case INT32, INT8, UINT8 -> {
                int[] d = t.toIntArray();
                List<Column<?>> r = new ArrayList<>();
                for (int j = 0; j < width; j++) {
                    int[] col = new int[rows];
                    for (int i = 0; i < rows; i++) col[i] = d[i * width + j];
                    r.add(IntColumn.create(columnNames[j], col));
                }
                yield r;
            }
            case INT64 -> {
                long[] d = t.toLongArray();
                List<Column<?>> r = new ArrayList<>();
                for (int j = 0; j < width; j++) {
                    long[] col = new long[rows];
                    for (int i = 0; i < rows; i++) col[i] = d[i * width + j];
                    r.add(LongColumn.create(columnNames[j], col));
                }
                yield r;
            }
            case BOOL -> {
                boolean[] d = t.toBooleanArray();
                List<Column<?>> r = new ArrayList<>();
                for (int j = 0; j < width; j++) {
                    boolean[] col = new boolean[rows];
                    for (int i = 0; i < rows; i++) col[i] = d[i * width + j];
                    r.add(BooleanColumn.create(columnNames[j], col));
                }
                yield r;
            }
        };
        Table table = Table.create("tensor");
        for (Column<?> c : columns) table.addColumns(c);
        return table;
    }

    private static List<String> numericNames(Table table) {
        List<String> r = new ArrayList<>();
        for (Column<?> c : table.columns()) if (c instanceof NumericColumn<?>) r.add(c.name());
        return r;
    }
}
