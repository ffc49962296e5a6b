// jtiny quickstart: lazy tensors, fused kernels, and what the runtime did. Run with ./jtiny demo.
System.out.println("jtiny on " + Devices.defaultName() + ": " + Devices.get(Devices.defaultName()).description());
System.out.println("devices here: " + Devices.available());

manualSeed(0);
var x = rand(4, 8);                 // data waits on the host until a kernel needs it
var w = randn(8, 3).mul(0.5);
var b = tensor(0.1f, -0.2f, 0.3f);

// Nothing runs yet: this only builds a graph.
var y = x.matmul(w).add(b).relu();
System.out.println("y is lazy: shape " + java.util.Arrays.toString(y.shape()) + ", realized = " + y.isRealized());

// DEBUG=2 traces every kernel launch: device, number, name, buffers, time, GFLOPS, GB/s and the user ops it fused.
Config.set("DEBUG", "2");
y.realize();
var p = y.softmax(1);
System.out.println(p);
Config.set("DEBUG", null);

// matmul + add + relu became one kernel; here is the source the runtime generated for it.
var first = KernelLog.entries().stream().filter(e -> e.kind().equals("kernel")).findFirst().orElseThrow();
System.out.println("\n--- kernel " + first.name() + " " + first.fusedOps() + " on " + first.device());
System.out.println(first.source());

// Reductions are accurate: a float32 sum of 16M values against a float64 sum of the same values.
var big = rand(1 << 24);
var host = big.toFloatArray();
double exact = 0;
for (float v : host) exact += v;
var t0 = System.nanoTime();
var s = big.sum().item();
System.out.printf("sum of 16M floats: %.1f (float64: %.1f, relative error %.1e) in %.1f ms%n",
        s, exact, Math.abs(s - exact) / exact, (System.nanoTime() - t0) / 1e6);
