// A failure on a device that the user can act on: out of memory, a build error, a driver error.
package dev.jtiny.runtime.device;

public class DeviceException extends RuntimeException {
    public DeviceException(String message) { super(message); }
    public DeviceException(String message, Throwable cause) { super(message, cause); }
}
