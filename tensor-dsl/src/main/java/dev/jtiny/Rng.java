// The seeded random source behind rand, randn and dropout: values are drawn on the host, so a seed gives the same tensors on every device.
package dev.jtiny;

import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.view.View;

import java.util.SplittableRandom;

final class Rng {
    private Rng() {}

    private static SplittableRandom random = new SplittableRandom(0);

    static void manualSeed(long seed) { random = new SplittableRandom(seed); }

    static Tensor rand(int... shape) {
        Creation.checkShape("rand", shape);
        float[] d = new float[(int) View.numel(shape)];
        for (int i = 0; i < d.length; i++) d[i] = (float) random.nextDouble();
        return Creation.fromHost(d, DType.FLOAT32, shape);
    }

    static Tensor randn(int... shape) {
        Creation.checkShape("randn", shape);
        float[] d = new float[(int) View.numel(shape)];
        for (int i = 0; i < d.length; i += 2) {
            // Box-Muller: two normals from two uniforms.
            double u1 = 1.0 - random.nextDouble(), u2 = random.nextDouble();
            double rr = Math.sqrt(-2 * Math.log(u1));
            d[i] = (float) (rr * Math.cos(2 * Math.PI * u2));
            if (i + 1 < d.length) d[i + 1] = (float) (rr * Math.sin(2 * Math.PI * u2));
        }
        return Creation.fromHost(d, DType.FLOAT32, shape);
    }
}
