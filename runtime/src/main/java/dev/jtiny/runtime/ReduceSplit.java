// Splits a long reduction into few outputs into two kernels, so every core (or GPU thread) gets a share.
package dev.jtiny.runtime;

import dev.jtiny.runtime.device.Device;
import dev.jtiny.runtime.view.View;

/**
 * A sum of 16M floats into one output would otherwise be one work item looping 16M times: serial, and
 * inaccurate in float32. Splitting it into partial sums of a few thousand elements each makes the first stage
 * parallel and keeps every float32 accumulation short. CPUs read each partial's elements contiguously; GPUs read
 * them strided, so that neighbouring threads read neighbouring addresses (coalesced).
 */
final class ReduceSplit {
    private ReduceSplit() {}

    static LazyBuffer split(LazyBuffer x, Op op, int[] axes, int[] outShape) {
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
