// The optimiser's entry point: the default layout of a kernel for a device, and the layouts BEAM may time.
package dev.jtiny.runtime.codegen.opt;

import dev.jtiny.runtime.codegen.Kernel;
import dev.jtiny.runtime.codegen.LinearKernel;
import java.util.List;

/**
 * What the rest of the runtime calls; the work lives beside it: {@link Heuristics} (the default pick),
 * {@link CostModel} (estimates that rank layouts), {@link SearchSpace} (BEAM's candidates), {@link TileChoice}
 * (one register-tiled layout).
 */
public final class KernelOptimizer {
    private KernelOptimizer() {}

    /**
     * Outputs below which a GPU reduction is grouped: fewer would leave most of a large GPU idle. The scheduler's
     * split-k reads it too: an output this small is grouped here, not tiled, so it is not split.
     */
    public static final long GROUP_BELOW_OUTPUTS = 1 << 18;

    /** The default layout on a CPU with {@code lanes} vector lanes. */
    public static LinearKernel optimize(Kernel k, int lanes) { return optimize(k, lanes, false, 1); }

    /**
     * The default layout: {@code groups} when the device runs work-groups well (a GPU), {@code computeUnits} so that
     * a tiled kernel still gives each of them work. See {@link Heuristics#optimize}.
     */
    public static LinearKernel optimize(Kernel k, int lanes, boolean groups, int computeUnits) {
        return Heuristics.optimize(k, lanes, groups, computeUnits);
    }

    /** What BEAM search may time, the default layout first, each once. See {@link SearchSpace#choices}. */
    public static List<LinearKernel> choices(Kernel k, int lanes, boolean groups, int computeUnits) {
        return SearchSpace.choices(k, lanes, groups, computeUnits);
    }

    /** The cost model's estimate for a tiled reduction, for ranking; lower is better. See {@link CostModel#cost}. */
    public static double cost(LinearKernel lk, int computeUnits) { return CostModel.cost(lk, computeUnits); }
}
