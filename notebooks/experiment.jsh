// A small experiment as a script: fit sin(x) on [-pi, pi] with a 1-32-1 MLP and Adam, print the loss as it
// falls, then what the runtime did (the magics' Java forms print text tables in a script).
// Run from the repository root:   ./jtiny run notebooks/experiment.jsh [steps]     (default 200 steps)
// notebooks/scripting.ipynb runs this file with ./jtiny run and the same code in its cells, side by side.
int steps = ARGS.length > 0 ? Integer.parseInt(ARGS[0]) : 200;

manualSeed(0);
var x = linspace(-Math.PI, Math.PI, 256).reshape(256, 1);
var y = x.sin();
var model = new Sequential(new Linear(1, 32), Layer.of(Tensor::tanh), new Linear(32, 1));
var opt = new Adam(model.parameters(), 0.01);
var losses = new java.util.ArrayList<Double>();
long t0 = System.nanoTime();
for (int step = 1; step <= steps; step++) {
    opt.zeroGrad();
    var loss = Losses.mse(model.forward(x), y);
    loss.backward();
    opt.step();
    losses.add((double) loss.item());
    if (step % 50 == 0) System.out.printf("step %3d  loss %.6f%n", step, loss.item());
}
System.out.println("%d steps in %.2f s on %s, final loss %.6f".formatted(steps, (System.nanoTime() - t0) / 1e9,
        Devices.defaultName(), losses.getLast()));

// The kernels one forward pass runs, and a benchmark of it.
System.out.println(Magics.kernels("--none", () -> model.forward(x).realize()));
System.out.println(Magics.bench("-n 20 --warmup 3", () -> model.forward(x)));
