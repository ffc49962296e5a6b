// Learning-rate schedules: call the returned function's apply(step) each step, or use step()/cosine() directly.
package dev.jtiny.optim;

public final class Schedules {
    private Schedules() {}

    /** lr * gamma^(floor(step / every)). */
    public static void step(Optimizer opt, double baseLr, int step, int every, double gamma) {
        opt.setLearningRate(baseLr * Math.pow(gamma, Math.floorDiv(step, every)));
    }

    /** Cosine decay from baseLr to minLr over total steps (then held at minLr). */
    public static void cosine(Optimizer opt, double baseLr, double minLr, int step, int total) {
        double t = Math.min(step, total) / (double) total;
        opt.setLearningRate(minLr + 0.5 * (baseLr - minLr) * (1 + Math.cos(Math.PI * t)));
    }
}
