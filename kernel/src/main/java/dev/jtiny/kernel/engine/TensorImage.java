// A 2-D or 3-D tensor as a picture: grey levels or RGB(A), scaled up so that small images (28x28) can be seen.
package dev.jtiny.kernel.engine;

import dev.jtiny.Tensor;
import java.awt.image.BufferedImage;
import java.util.Arrays;

final class TensorImage {
    /** Small images are enlarged (nearest neighbour) until their shorter side reaches this many pixels. */
    static final int MIN_SIDE = 140;
    static final int MAX_PIXELS = 16 << 20;

    private TensorImage() {}

    /**
     * [H, W] and [1, H, W] / [H, W, 1] are grey; [3|4, H, W] (channels first) and [H, W, 3|4] (channels last) are
     * RGB(A); a shape that reads both ways ([3, H, 4]) is taken as channels first. Values in [0, 1] map to 0..255; values already in 0..255 of an integer dtype are kept; anything else
     * is stretched from its minimum to its maximum. {@code scale} 0 picks one (see {@link #MIN_SIDE}).
     */
    static BufferedImage of(Tensor t, int scale) {
        int[] s = t.shape();
        int h, w, channels;
        boolean channelsFirst;
        if (s.length == 2) { h = s[0]; w = s[1]; channels = 1; channelsFirst = true; }
        else if (s.length == 3 && (s[0] == 1 || s[0] == 3 || s[0] == 4)) { // channels first, as conv2d's tensors are
            channels = s[0]; h = s[1]; w = s[2]; channelsFirst = true;
        } else if (s.length == 3 && (s[2] == 1 || s[2] == 3 || s[2] == 4)) {
            h = s[0]; w = s[1]; channels = s[2]; channelsFirst = false;
        } else {
            throw new IllegalArgumentException("image: a tensor of shape " + Arrays.toString(s) + " is not a picture; expected "
                    + "[H, W] (grey), [C, H, W] or [H, W, C] with C = 1, 3 or 4");
        }
        if (h == 0 || w == 0) throw new IllegalArgumentException("image: shape " + Arrays.toString(s) + " has no pixels");
        if (scale < 0) throw new IllegalArgumentException("image: scale " + scale + " must be 0 (automatic) or positive");
        int k = scale > 0 ? scale : Math.max(1, Math.min(16, (MIN_SIDE + Math.min(h, w) - 1) / Math.min(h, w)));
        if ((long) h * w * k * k > MAX_PIXELS) {
            throw new IllegalArgumentException("image: " + w + "x" + h + " scaled " + k + "x is over " + MAX_PIXELS + " pixels; "
                    + "pass a smaller scale or shrink the tensor");
        }
        float[] v = t.toFloatArray();
        float lo = Float.POSITIVE_INFINITY, hi = Float.NEGATIVE_INFINITY;
        for (float x : v) if (Float.isFinite(x)) { lo = Math.min(lo, x); hi = Math.max(hi, x); }
        double offset, gain;
        if (lo >= 0 && hi <= 1) { offset = 0; gain = 255; }
        else if (lo >= 0 && hi <= 255 && !t.dtype().isFloat()) { offset = 0; gain = 1; }
        else { offset = lo; gain = hi > lo ? 255.0 / (hi - lo) : 0; }
        var img = new BufferedImage(w * k, h * k, channels == 4 ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int[] c = new int[4];
                c[3] = 255;
                for (int ch = 0; ch < channels; ch++) {
                    float f = v[channelsFirst ? (ch * h + y) * w + x : (y * w + x) * channels + ch];
                    c[ch] = Float.isFinite(f) ? (int) Math.round(Math.clamp((f - offset) * gain, 0, 255)) : 0;
                }
                if (channels == 1) c[1] = c[2] = c[0];
                int argb = c[3] << 24 | c[0] << 16 | c[1] << 8 | c[2];
                for (int dy = 0; dy < k; dy++) for (int dx = 0; dx < k; dx++) img.setRGB(x * k + dx, y * k + dy, argb);
            }
        }
        return img;
    }
}
