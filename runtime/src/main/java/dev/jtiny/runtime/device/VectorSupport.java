// Whether this JVM has the Vector API (jdk.incubator.vector), and the float vector width it prefers.
package dev.jtiny.runtime.device;

public final class VectorSupport {
    private static final int LANES = probe();

    private VectorSupport() {}

    /** Float lanes of the preferred vector species, or 0 when the JVM was started without the Vector API. */
    public static int floatLanes() { return LANES; }

    private static int probe() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) return 0;
        try {
            return Species.lanes();
        } catch (LinkageError e) {
            return 0;
        }
    }

    /** Touches the Vector API only once its module is known to be there. */
    private static final class Species {
        static int lanes() { return jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length(); }
    }
}
