// Which devices exist, which one is the default, and the open instance of each (opened once, on first use).
package dev.jtiny.runtime.engine;

import dev.jtiny.runtime.device.Capabilities;
import dev.jtiny.runtime.device.Device;
import dev.jtiny.runtime.device.DeviceException;
import dev.jtiny.runtime.Config;
import dev.jtiny.runtime.Settings;
import dev.jtiny.runtime.Trace;
import dev.jtiny.runtime.device.java.JavaDevice;
import dev.jtiny.runtime.device.opencl.OpenCLDevice;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

public final class Devices {
    private static final Map<String, Device> open = new ConcurrentHashMap<>();
    private static volatile String autoDefault;

    private Devices() {}

    /** The canonical name for what a user typed: "opencl" is "OPENCL:0", "java" is "JAVA". */
    public static String canonical(String name) {
        String n = name.trim().toUpperCase(Locale.ROOT);
        if (n.equals("OPENCL") || n.equals("CL") || n.equals("GPU")) return "OPENCL:0";
        if (n.startsWith("CL:")) return "OPENCL:" + n.substring(3);
        if (n.equals("CPU")) return "JAVA";
        return n;
    }

    /** DEVICE when set, else the first OpenCL GPU, else JAVA (on CPUs the Java backend measured faster than PoCL: see README). */
    public static String defaultName() {
        String configured = Settings.DEVICE.get();
        if (configured != null) return canonical(configured);
        String d = autoDefault;
        if (d == null) {
            d = "JAVA";
            for (OpenCLDevice.Info i : OpenCLDevice.list()) {
                if (i.isGpu()) { d = "OPENCL:" + i.index(); break; }
            }
            autoDefault = d;
        }
        return d;
    }

    /** What the device of that name can do, opening it if needed: the scheduler's view of a device. */
    public static Capabilities capabilities(String name) { return get(name).capabilities(); }

    public static Device get(String name) {
        String n = canonical(name);
        return open.computeIfAbsent(n, Devices::openDevice);
    }

    private static Device openDevice(String n) {
        Device d;
        if (n.equals("JAVA")) d = new JavaDevice();
        else if (n.startsWith("OPENCL:")) {
            int index;
            try {
                index = Integer.parseInt(n.substring(7));
            } catch (NumberFormatException e) {
                throw new DeviceException("unknown device " + n + "; expected JAVA or OPENCL:N (available: " + available() + ")");
            }
            if (OpenCLDevice.list().stream().noneMatch(i -> i.index() == index)) {
                throw new DeviceException("unknown device " + n + "; available: " + available());
            }
            d = OpenCLDevice.open(index);
        } else {
            throw new DeviceException("unknown device " + n + "; expected JAVA or OPENCL:N (available: " + available() + ")");
        }
        if (Config.debug() >= 1) Trace.out().println("opened device " + d.name() + ": " + d.description());
        return d;
    }

    /** Names of every device that can be opened here. */
    public static List<String> available() {
        List<String> names = new ArrayList<>();
        names.add("JAVA");
        for (OpenCLDevice.Info i : OpenCLDevice.list()) names.add("OPENCL:" + i.index());
        return names;
    }
}
