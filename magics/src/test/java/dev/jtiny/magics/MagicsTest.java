// The magics' Java API as a script uses it: plain calls that return printable results, errors naming the choices.
package dev.jtiny.magics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jtiny.T;
import dev.jtiny.Tensor;
import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.Counters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MagicsTest {
    @AfterEach void reset() {
        for (String k : new String[] {"DEVICE", "DEBUG", "BEAM", "JIT"}) Config.set(k, null);
    }

    @Test
    void kernelsListsWhatRanSinceThePreviousCallAndTheBodyOfACellForm() throws Exception {
        Config.set("DEVICE", "JAVA");
        Magics.kernels();
        Counters.reset();
        Tensor x = T.arange(64).reshape(8, 8);
        x.mul(2).add(1).relu().sum(1).realize();
        x.exp().max(1).realize();
        KernelsReport r = Magics.kernels("--none");
        assertEquals(Counters.kernelCount(), r.kernelCount());
        assertEquals(0, Magics.kernels().kernelCount(), "a second call starts where the first ended");
        KernelsReport cell = Magics.kernels("--opts", () -> x.sub(1).sum());
        assertEquals(1, cell.kernelCount());
        assertTrue(cell.text().contains("sub") && cell.text().contains("sum"), cell.text());
        var bad = assertThrows(IllegalArgumentException.class, () -> Magics.kernels("--everything"));
        assertEquals("kernels: unknown option '--everything'; valid options: --source, --graph, --opts, --none", bad.getMessage());
    }

    @Test
    void settingsAndTheirErrorsNameTheValidChoices() {
        assertTrue(Magics.beam(4).text().startsWith("BEAM=4: each new kernel on an OpenCL device or on JAVA times up to 16 layouts"));
        assertEquals("4", Config.get("BEAM", null));
        Magics.jit(false);
        assertEquals(0, Config.getInt("JIT", 1));
        Magics.debug(3);
        assertEquals(3, Config.debug());
        assertThrows(IllegalArgumentException.class, () -> Magics.debug(9));
        var device = assertThrows(IllegalArgumentException.class, () -> Magics.device("TPU"));
        assertTrue(device.getMessage().startsWith("device: no device 'TPU'; available: JAVA"), device.getMessage());
        assertEquals("default device: JAVA", Magics.device("cpu").text());
        assertTrue(Magics.cache("info").text().startsWith("compile cache "), Magics.cache("info").text());
        assertThrows(IllegalArgumentException.class, () -> Magics.cache("purge"));
        assertThrows(IllegalArgumentException.class, () -> Magics.graph());
    }

    @Test
    void lsmagicAndHelpCoverEveryMagic() {
        String ls = Magics.lsmagic().text();
        for (MagicSpec m : MagicSpec.all()) {
            if (m.line()) assertTrue(ls.contains("%" + m.name()), m.name());
            if (m.cell()) assertTrue(ls.contains("%%" + m.name()), m.name());
            assertTrue(Magics.help(m.name()).text().startsWith(m.usage()), m.name());
        }
        assertTrue(Magics.help("%%bench").text().contains("--devices"));
        var unknown = assertThrows(IllegalArgumentException.class, () -> Magics.help("frob"));
        assertTrue(unknown.getMessage().startsWith("unknown magic %frob; magics are %debug, %%debug, %kernels"), unknown.getMessage());
        assertTrue(Magics.lsmagic().richForms().get("text/html").startsWith("<pre>"));
    }
}
