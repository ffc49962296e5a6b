// What a device can do, as the scheduler and the optimiser need to know it: asked of the device, never guessed from its name.
package dev.jtiny.runtime.device;

import dev.jtiny.runtime.Settings;

/**
 * @param gpu          a GPU: long reductions are split so neighbouring threads read neighbouring addresses, and small
 *                     matmuls are split along k to fill the device
 * @param computeUnits parallel compute units (cores on a CPU, SMs on an NVIDIA GPU)
 * @param workGroups   kernels can run as work-groups that share local memory and synchronise (grouped reductions,
 *                     staged register tiles, BEAM's timed candidates)
 * @param vectorLanes  output elements a work item computes at once when the kernel allows it (1: no upcasting)
 * @param fp64         double precision arithmetic in kernels
 * @param fp16         half precision arithmetic in kernels (storage alone is always supported: values are widened)
 * @param tensorCores  matrix-multiply units a kernel can address directly
 */
public record Capabilities(boolean gpu, int computeUnits, boolean workGroups, int vectorLanes, boolean fp64,
                           boolean fp16, boolean tensorCores) {
    /**
     * Whether reductions run as one work-group per output: on GPUs with work-groups, unless GROUPREDUCE=0;
     * GROUPREDUCE=1 forces it on any device with work-groups (so CPU OpenCL, as in CI, tests the grouped code).
     */
    public boolean groupsReductions() {
        int setting = Settings.GROUPREDUCE.getInt();
        if (!workGroups || setting == 0) return false;
        return setting > 0 || gpu;
    }
}
