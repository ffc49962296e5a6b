// CSV through Tablesaw into tensors and back.
package dev.jtiny.data;

import dev.jtiny.Tensor;
import dev.jtiny.runtime.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.ColumnType;
import tech.tablesaw.api.Table;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class TablesTest {
    @TempDir Path dir;

    private static final String CSV = """
            name,age,height,score
            ada,36,1.65,0.5
            alan,41,1.78,-2.25
            grace,,1.52,1e3
            """;

    @Test
    void csvRoundTrip() throws IOException {
        Path in = Files.writeString(dir.resolve("people.csv"), CSV);
        Table people = Table.read().csv(in.toFile());

        Tensor t = Tables.fromTable(people, "age", "height", "score");
        assertEquals(DType.FLOAT32, t.dtype());
        assertArrayEquals(new int[]{3, 3}, t.shape());
        assertArrayEquals(new float[]{36, 1.65f, 0.5f, 41, 1.78f, -2.25f, Float.NaN, 1.52f, 1000}, t.toFloatArray(), 0f);

        Table back = Tables.toTable(t, "age", "height", "score");
        assertEquals(List.of("age", "height", "score"), back.columnNames());
        assertEquals(3, back.rowCount());
        assertEquals(ColumnType.FLOAT, back.column("height").type());
        Path out = dir.resolve("out.csv");
        back.write().csv(out.toFile());
        Tensor again = Tables.fromTable(Table.read().csv(out.toFile()));
        assertArrayEquals(t.toFloatArray(), again.toFloatArray(), 0f, "written and read again, the values are the same");

        Table ints = Tables.toTable(Tensor.of(new int[]{1, 2, 3, 4}, 2, 2), "a", "b");
        assertEquals(ColumnType.INTEGER, ints.column("a").type());
        assertEquals(List.of(2, 4), ints.intColumn("b").asList());
        Table bools = Tables.toTable(Tensor.of(new boolean[]{true, false}, 1, 2), "p", "q");
        assertEquals(List.of(false), bools.booleanColumn("q").asList());
    }

    @Test
    void toTableHasAColumnTypeForEveryDtype() {
        Table doubles = Tables.toTable(Tensor.ofDoubles(new double[]{0.1, -1.0 / 3, 1e300, Double.MIN_VALUE}, 2, 2), "a", "b");
        assertEquals(ColumnType.DOUBLE, doubles.column("a").type());
        assertEquals(List.of(0.1, 1e300), doubles.doubleColumn("a").asList());
        assertEquals(List.of(-1.0 / 3, Double.MIN_VALUE), doubles.doubleColumn("b").asList());

        Table half = Tables.toTable(Tensor.ofBits(new short[]{0x3C00, (short) 0xC000, 0x0001, 0x7BFF}, DType.FLOAT16, 2, 2), "a", "b");
        assertEquals(ColumnType.DOUBLE, half.column("b").type());
        assertEquals(List.of(1.0, 0x1p-24), half.doubleColumn("a").asList(), "subnormals exactly");
        assertEquals(List.of(-2.0, 65504.0), half.doubleColumn("b").asList());
        Table brain = Tables.toTable(Tensor.ofBits(new short[]{0x3F80, (short) 0xC049}, DType.BFLOAT16, 2, 1), "v");
        assertEquals(List.of(1.0, -3.140625), brain.doubleColumn("v").asList());

        Table i8 = Tables.toTable(Tensor.of(new byte[]{-128, 127}, DType.INT8, 1, 2), "a", "b");
        assertEquals(ColumnType.INTEGER, i8.column("a").type());
        assertEquals(List.of(-128), i8.intColumn("a").asList());
        assertEquals(List.of(127), i8.intColumn("b").asList());
        Table u8 = Tables.toTable(Tensor.of(new byte[]{(byte) 255, (byte) 128}, DType.UINT8, 2, 1), "v");
        assertEquals(ColumnType.INTEGER, u8.column("v").type());
        assertEquals(List.of(255, 128), u8.intColumn("v").asList());

        long big = (1L << 53) + 1;
        Table longs = Tables.toTable(Tensor.of(new long[]{big, Long.MIN_VALUE + 1, -1, Long.MAX_VALUE}, 2, 2), "a", "b");
        assertEquals(ColumnType.LONG, longs.column("a").type());
        assertEquals(List.of(big, -1L), longs.longColumn("a").asList(), "int64 beyond 2^53 exactly");
        assertEquals(List.of(Long.MIN_VALUE + 1, Long.MAX_VALUE), longs.longColumn("b").asList());

        Table floats = Tables.toTable(Tensor.of(new float[]{1.5f, -0.25f}, 2, 1), "v");
        assertEquals(ColumnType.FLOAT, floats.column("v").type());
        assertEquals(List.of(1.5f, -0.25f), floats.floatColumn("v").asList());
    }

    @Test
    void errorsNameTheColumnAndTheShape() throws IOException {
        Table people = Table.read().csv(Files.writeString(dir.resolve("people.csv"), CSV).toFile());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tables.fromTable(people, "age", "name"));
        assertTrue(e.getMessage().contains("column 'name'") && e.getMessage().contains("STRING")
                && e.getMessage().contains("numeric columns: [age, height, score]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tables.fromTable(people));
        assertTrue(e.getMessage().contains("column 'name'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tables.fromTable(people, "weight"));
        assertTrue(e.getMessage().contains("no column 'weight'"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> Tables.toTable(Tensor.zeros(2, 3), "a", "b"));
        assertEquals("toTable: 2 column names [a, b] for a tensor of shape [2, 3], which has 3 columns", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tables.toTable(Tensor.zeros(4), "a"));
        assertTrue(e.getMessage().contains("expected a 2-D tensor") && e.getMessage().contains("reshape(-1, 1)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tables.toTable(Tensor.zeros(1, 2), "a", "a"));
        assertTrue(e.getMessage().contains("repeat a name"), e.getMessage());
    }
}
