// CHECKNAN=1 stops at the first kernel that writes NaN or infinity and names it.
package dev.jtiny;

import dev.jtiny.runtime.Config;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckNanTest {
    @AfterEach void reset() {
        Config.set("CHECKNAN", null);
        Config.set("DEVICE", null);
    }

    @ParameterizedTest @ValueSource(strings = {"JAVA", "OPENCL:0"})
    void aLossThatTurnsNanIsCaughtAtItsKernel(String device) {
        Config.set("DEVICE", device);
        Tensor x = Tensor.of(new float[]{1, 0, -1}, 3).realize();
        // Without the switch, NaN flows through silently.
        assertTrue(Float.isNaN(x.log().mean().item()));
        Config.set("CHECKNAN", "1");
        ArithmeticException e = assertThrows(ArithmeticException.class, () -> x.log().mul(x).sum().item());
        assertTrue(e.getMessage().contains("CHECKNAN: kernel r_") && e.getMessage().contains("log") && e.getMessage().contains(device), e.getMessage());
        // Finite work still runs with the switch on.
        assertArrayEquals(new float[]{2, 1, 0}, x.add(1).toFloatArray());
    }
}
