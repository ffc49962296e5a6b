// %devices: JAVA and every OpenCL device the driver lists, the default marked, peaks once measured.
package dev.jtiny.magics;

import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.device.opencl.OpenCLDevice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

class DevicesReportTest {
    @AfterEach void reset() { Config.set("DEVICE", null); }

    @Test
    void listsJavaAndEveryOpenCLDeviceWithTheDefaultMarked() {
        Config.set("DEVICE", "JAVA");
        DevicesReport r = DevicesReport.list();
        List<OpenCLDevice.Info> cl = OpenCLDevice.list();
        assertEquals(1 + cl.size(), r.rows().size());
        DevicesReport.Row java = r.rows().getFirst();
        assertEquals("JAVA", java.name());
        assertEquals(Runtime.getRuntime().availableProcessors(), java.computeUnits());
        assertEquals(Runtime.getRuntime().maxMemory(), java.memoryBytes());
        assertTrue(java.isDefault());
        assertEquals(1, r.rows().stream().filter(DevicesReport.Row::isDefault).count());
        for (int i = 0; i < cl.size(); i++) {
            DevicesReport.Row row = r.rows().get(i + 1);
            assertEquals("OPENCL:" + cl.get(i).index(), row.name());
            assertEquals(cl.get(i).computeUnits(), row.computeUnits());
            assertEquals(cl.get(i).globalMemBytes(), row.memoryBytes());
            assertTrue(row.kind().startsWith("opencl "));
        }

        String text = r.text();
        assertTrue(text.startsWith("device"), text);
        assertTrue(text.lines().anyMatch(l -> l.startsWith("JAVA ") && l.contains("*")), text);
        assertTrue(text.contains("default: JAVA"), text);

        String html = r.richForms().get("text/html");
        Matcher body = Pattern.compile("(?s)<tbody>(.*?)</tbody>").matcher(html);
        assertTrue(body.find());
        assertEquals(r.rows().size(), BenchTest.count(body.group(1), "<tr"));
    }

    @Test
    void showsMeasuredPeaksAndAWrongDefault() {
        Peaks p = Peaks.of("JAVA"); // measured once per machine, then read from the cache
        Config.set("DEVICE", "OPENCL:42");
        DevicesReport r = DevicesReport.list();
        DevicesReport.Row java = r.rows().getFirst();
        assertEquals(p.copyGBps(), java.copyGBps());
        assertEquals(p.gflops(), java.gflops());
        assertFalse(java.isDefault());
        assertTrue(r.text().contains("default: OPENCL:42 (not available here: check DEVICE)"), r.text());
    }
}
