// The one way a scheduled kernel becomes a plan and source for a device: the realizer, BEAM and %graph all ask here.
package dev.jtiny.runtime.engine;

import dev.jtiny.runtime.codegen.Kernel;
import dev.jtiny.runtime.codegen.opt.KernelOptimizer;
import dev.jtiny.runtime.codegen.LinearKernel;
import dev.jtiny.runtime.codegen.Renderer;
import dev.jtiny.runtime.device.Capabilities;
import dev.jtiny.runtime.device.Device;

import java.util.List;

/**
 * Lowering needs to know four things of a device, its {@link Target}: the renderer that writes its kernels, the
 * output elements a work item computes at once, whether reductions may run as work-groups, and how many compute
 * units there are to fill. A target can be made from an open device or written down (tests pin one, so the source
 * they check does not depend on the machine).
 */
public final class Lowering {
    private Lowering() {}

    /** What lowering needs to know of a device. */
    public record Target(Renderer renderer, int lanes, boolean groups, int computeUnits) {
        public static Target of(Device d) {
            Capabilities c = d.capabilities();
            return new Target(d.renderer(), c.vectorLanes(), c.groupsReductions(), c.computeUnits());
        }
    }

    /** A kernel's plan rendered: the source, its class or function name, and the plan's listing (logged with every launch). */
    public record Rendered(LinearKernel linear, String source, String symbol, String listing) {}

    /** The heuristics' plan for a kernel on a target: what a realize launches unless BEAM picked another. */
    public static LinearKernel plan(Kernel k, Target t) {
        return KernelOptimizer.optimize(k, t.lanes(), t.groups(), t.computeUnits());
    }

    /** The plans BEAM times for a kernel on a target, the heuristics' first. */
    static List<LinearKernel> choices(Kernel k, Target t) {
        return KernelOptimizer.choices(k, t.lanes(), t.groups(), t.computeUnits());
    }

    /** The heuristics' plan for a kernel on a target, rendered. */
    public static Rendered lower(Kernel k, Target t) { return render(plan(k, t), t.renderer()); }

    public static Rendered render(LinearKernel lk, Renderer renderer) {
        Renderer.Named n = renderer.named(lk);
        return new Rendered(lk, n.source(), n.symbol(), lk.listing());
    }
}
