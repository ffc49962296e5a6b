// Splits a long reduction into few outputs, or a GPU matmul too small to fill the device (split-k), into two kernels.
package dev.jtiny.runtime.schedule;

import dev.jtiny.runtime.Op;
import dev.jtiny.runtime.Settings;
import dev.jtiny.runtime.device.Devices;
import dev.jtiny.runtime.graph.LazyBuffer;
import dev.jtiny.runtime.codegen.opt.KernelOptimizer;
import dev.jtiny.runtime.device.Device;
import dev.jtiny.runtime.view.View;

import java.util.Arrays;

/**
 * A sum of 16M floats into one output would otherwise be one work item looping 16M times: serial, and
 * inaccurate in float32. Splitting it into partial sums of a few thousand elements each makes the first stage
 * parallel and keeps every float32 accumulation short. CPUs read each partial's elements contiguously; GPUs read
 * them strided, so that neighbouring threads read neighbouring addresses (coalesced).
 */
public final class ReduceSplit {
    private ReduceSplit() {}

    public static LazyBuffer split(LazyBuffer x, Op op, int[] axes, int[] outShape) {
        long outputs = View.numel(outShape);
        long r = x.numel() / Math.max(outputs, 1);
        Device d = Devices.get(x.device);
        long minOutputs = d.isGpu() ? 4096 : 8L * d.computeUnits();
        long minLength = d.isGpu() ? 1 << 14 : 1 << 15;
        if (outputs >= minOutputs || r < minLength || r > Integer.MAX_VALUE) return null;
        int inner = d.isGpu() ? chooseGpuInner((int) r) : chooseCpuInner((int) r);
        if (inner <= 1 || inner >= r) return null;
        int parts = (int) (r / inner);

        // Move the reduced axes last and merge them: (kept..., r).
        int n = x.shape().length;
        int[] order = new int[n];
        int k = 0;
        boolean[] reduced = new boolean[n];
        for (int a : axes) reduced[a] = true;
        for (int i = 0; i < n; i++) if (!reduced[i]) order[k++] = i;
        int kept = k;
        for (int i = 0; i < n; i++) if (reduced[i]) order[k++] = i;
        int[] flatShape = new int[kept + 1];
        for (int i = 0; i < kept; i++) flatShape[i] = x.shape()[order[i]];
        flatShape[kept] = (int) r;
        // float16 and bfloat16 partials stay in float32 (their compute type), so only the result is rounded.
        LazyBuffer flat = x.permute(order).reshape(flatShape).cast(x.dtype.computeType());

        int[] twoStage = new int[kept + 2];
        System.arraycopy(flatShape, 0, twoStage, 0, kept);
        LazyBuffer partial;
        if (d.isGpu()) {
            twoStage[kept] = inner;
            twoStage[kept + 1] = parts;
            partial = flat.reshape(twoStage).reduceWhole(op, kept).contiguous();
        } else {
            twoStage[kept] = parts;
            twoStage[kept + 1] = inner;
            partial = flat.reshape(twoStage).reduceWhole(op, kept + 1).contiguous();
        }
        int[] partsShape = new int[kept + 1];
        System.arraycopy(flatShape, 0, partsShape, 0, kept);
        partsShape[kept] = parts;
        return partial.reshape(partsShape).reduce(op, kept).reshape(outShape).cast(x.dtype);
    }

    /** Output elements a GPU work-group of a tiled reduction computes: 256 items with a register tile of 64. */
    static final long TILED_GROUP_OUTPUTS = 256 * 64;
    /** The most parts split-k cuts a reduction into, and the fewest elements each part keeps. */
    static final int SPLITK_MAX = 16, SPLITK_MIN_LENGTH = 256;

    /**
     * Split-k: a GPU reduction into a large 2-D output (a matmul) too small to give every compute unit a tiled
     * work-group (a 64-row matmul, a 1024 one on a large GPU) is cut along its longest reduced axis into
     * {@code parts} slices reduced side by side, into a (parts, output) buffer, and then summed over the parts.
     * More work-groups run at once, each over a shorter loop, for one extra write and read of the partials. Null
     * when that does not apply. SPLITK=0 turns it off; SPLITK=N forces N parts on any device (for tests).
     */
    public static LazyBuffer splitK(LazyBuffer x, Op op, int[] axes, int[] outShape) {
        int forced = Settings.SPLITK.getInt();
        Device d = Devices.get(x.device);
        if (forced == 0 || (forced < 0 && !d.isGpu())) return null;
        int[] shape = x.shape();
        int axis = axes[0];
        for (int a : axes) if (shape[a] > shape[axis]) axis = a;
        int parts = forced > 1 ? forced : splitKParts(outShape, shape[axis], d.computeUnits());
        if (parts <= 1 || shape[axis] % parts != 0 || shape[axis] == parts) return null;
        // (..., k, ...) -> (..., parts, k / parts, ...) -> (parts, ..., k / parts, ...): each reduced axis moves one up.
        int n = shape.length;
        int[] cut = new int[n + 1];
        for (int i = 0, j = 0; i < n; i++) {
            if (i == axis) {
                cut[j++] = parts;
                cut[j++] = shape[i] / parts;
            } else {
                cut[j++] = shape[i];
            }
        }
        int[] order = new int[n + 1];
        order[0] = axis;
        for (int i = 1; i <= n; i++) order[i] = i <= axis ? i - 1 : i;
        int[] moved = Arrays.stream(axes).map(a -> a + 1).toArray();
        LazyBuffer partial = x.reshape(cut).permute(order).cast(x.dtype.computeType()).reduceWhole(op, moved).contiguous();
        return partial.reduceWhole(op, 0).reshape(outShape).cast(x.dtype);
    }

    /**
     * Parts for split-k on a GPU with {@code computeUnits}: the fewest (a power of two, at most
     * {@value #SPLITK_MAX}, each at least {@value #SPLITK_MIN_LENGTH} long) that give every compute unit a
     * work-group of {@link #TILED_GROUP_OUTPUTS}; 1 for an output that is grouped instead (fewer than
     * {@link KernelOptimizer#GROUP_BELOW_OUTPUTS} elements) or is not 2-D, so not tiled.
     */
    static int splitKParts(int[] outShape, int extent, int computeUnits) {
        long outputs = View.numel(outShape);
        long wide = Arrays.stream(outShape).filter(e -> e > 1).count();
        if (outputs < KernelOptimizer.GROUP_BELOW_OUTPUTS || wide < 2) return 1;
        long target = computeUnits * TILED_GROUP_OUTPUTS;
        int parts = 1;
        while (outputs * parts < target && parts < SPLITK_MAX && extent % (parts * 2) == 0
                && extent / (parts * 2) >= SPLITK_MIN_LENGTH) parts *= 2;
        return parts;
    }

    /** A divisor of r near 4096: partial sums that long are accurate in float32 and cheap to schedule. */
    private static int chooseCpuInner(int r) {
        for (int len = 4096; len >= 512; len--) if (r % len == 0) return len;
        for (int len = 4097; len <= 16384; len++) if (r % len == 0) return len;
        return 1;
    }

    /** Enough threads (about 2^18) to fill a large GPU, each summing a strided slice. */
    private static int chooseGpuInner(int r) {
        int target = Math.max(16, r >> 18);
        for (int len = target; len >= Math.max(2, target / 4); len--) if (r % len == 0) return len;
        for (int len = target + 1; len <= target * 4; len++) if (r % len == 0) return len;
        return 1;
    }
}
