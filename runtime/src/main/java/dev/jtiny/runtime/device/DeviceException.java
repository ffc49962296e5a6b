// A failure on a device that the user can act on: out of memory, a build error, a driver error.
package dev.jtiny.runtime.device;

public class DeviceException extends RuntimeException {
    public DeviceException(String message) { super(message); }
    public DeviceException(String message, Throwable cause) { super(message, cause); }

    /** Kernel source with line numbers, for build-failure messages. */
    public static String numbered(String source) {
        String[] lines = source.stripTrailing().split("\n", -1);
        int width = String.valueOf(lines.length).length();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines.length; i++) sb.append(String.format("%" + width + "d | %s%n", i + 1, lines[i]));
        return sb.toString();
    }
}
