// Capture a function's kernels once, then replay them: no graph building, scheduling or codegen per call.
package dev.jtiny;

import dev.jtiny.runtime.graph.Buffer;
import dev.jtiny.runtime.Settings;
import dev.jtiny.runtime.Counters;
import dev.jtiny.runtime.DType;
import dev.jtiny.runtime.graph.LazyBuffer;
import dev.jtiny.runtime.KernelLog;
import dev.jtiny.runtime.engine.Realizer;
import dev.jtiny.runtime.Trace;
import dev.jtiny.runtime.device.Device;
import dev.jtiny.runtime.device.Program;
import dev.jtiny.runtime.device.RawBuffer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * {@code var step = Jit.of(in -> { ...; return new Tensor[]{loss}; });} then {@code step.call(x, y)} each step.
 * The first call runs normally; the second runs normally and records every kernel launch and copy; later calls
 * replay the recording against the new inputs. What a replay needs to know is each buffer's role: a function
 * input (replaced by the new input's buffer), a tensor the step updates with {@code assign} (parameters,
 * optimizer state: read from its current buffer, written to its other one, alternating), or a fixed buffer
 * (constants and intermediates, reused). Inputs must keep their shapes, dtypes and devices; the function must
 * build the same graph each call (no data-dependent Java control flow); returned tensors are overwritten by the
 * next call (copy what you keep).
 */
public final class Jit {
    /** The function to capture: tensors in, tensors out. */
    public interface Fn {
        Tensor[] apply(Tensor... inputs);
    }

    private sealed interface Role {}
    private record Input(int index) implements Role {}
    private record StateIn(int index) implements Role {}
    private record StateOut(int index) implements Role {}
    private record Fixed(Buffer buffer) implements Role {}

    private sealed interface Step {}
    /** {@code prepared} and {@code bound} are made at capture: a replay fills {@code bound} and runs, allocating nothing. */
    private record Launch(Device device, Program program, int[] global, int[] local, Role[] args, KernelLog.Entry logged,
                          Device.Prepared prepared, RawBuffer[] bound) implements Step {}
    private record Copy(Role src, Role dst) implements Step {}

    private record Signature(int[] shape, DType dtype, String device) {
        static Signature of(Tensor t) { return new Signature(t.shape(), t.dtype(), t.device()); }
        boolean matches(Tensor t) { return Arrays.equals(shape, t.shape()) && dtype == t.dtype() && device.equals(t.device()); }
        @Override public String toString() { return Arrays.toString(shape) + " " + dtype + " on " + device; }
    }

    /** While a Jit captures, it hears of every assign: the tensors a step updates (its state). */
    static final ThreadLocal<BiConsumer<Tensor, LazyBuffer>> ON_ASSIGN = new ThreadLocal<>();

    private final Fn fn;
    private int calls;
    private Signature[] inputs;
    private List<Step> steps;
    private List<Tensor> state;
    private Buffer[][] stateBuffers; // [j] = {buffer before the captured call, buffer after it}
    private Role[] outputs;
    private int[][] outputShapes;

    private Jit(Fn fn) { this.fn = fn; }

    public static Jit of(Fn fn) { return new Jit(fn); }

    /** Kernels launched per replay (after the capture). */
    public int kernelsPerCall() {
        return steps == null ? -1 : (int) steps.stream().filter(s -> s instanceof Launch).count();
    }

    public Tensor[] call(Tensor... given) {
        // Inputs become computed buffers first (outside any recording): those are what a replay swaps.
        Tensor[] in = new Tensor[given.length];
        for (int i = 0; i < given.length; i++) in[i] = given[i].contiguous().realize();
        if (Settings.JIT.getInt() == 0) { // JIT=0 (%jit off): run the function as written; capture afresh later
            calls = 0;
            steps = null;
            return realized(fn.apply(in));
        }
        calls++;
        if (calls == 1) return realized(fn.apply(in));
        if (calls == 2) return capture(in);
        return replay(in);
    }

    private static Tensor[] realized(Tensor[] outs) {
        Tensor[] r = new Tensor[outs.length];
        for (int i = 0; i < outs.length; i++) r[i] = outs[i].contiguous();
        Tensor.realize(r);
        return r;
    }

    private Tensor[] capture(Tensor[] in) {
        inputs = new Signature[in.length];
        for (int i = 0; i < in.length; i++) inputs[i] = Signature.of(in[i]);
        List<Object[]> raw = new ArrayList<>();
        Map<Tensor, LazyBuffer> assigned = new LinkedHashMap<>();
        Realizer.record(new Realizer.Recorder() {
            @Override public void kernel(Device device, Program program, int[] global, int[] local, Buffer[] args,
                                         KernelLog.Entry logged) {
                raw.add(new Object[]{device, program, global.clone(), local == null ? null : local.clone(), args.clone(), logged});
            }

            @Override public void copy(Buffer src, Buffer dst) { raw.add(new Object[]{src, dst}); }
        });
        ON_ASSIGN.set((t, before) -> assigned.putIfAbsent(t, before));
        Tensor[] outs;
        try {
            outs = fn.apply(in);
            Tensor[] all = Arrays.copyOf(realizedAll(outs), outs.length + assigned.size());
            int k = outs.length;
            for (Tensor t : assigned.keySet()) all[k++] = t;
            Tensor.realize(all);
            outs = Arrays.copyOf(all, outs.length);
        } finally {
            Realizer.record(null);
            ON_ASSIGN.remove();
        }

        Map<Buffer, Role> roles = new IdentityHashMap<>();
        for (int i = 0; i < in.length; i++) roles.put(bufferOf(in[i], "input " + i), new Input(i));
        state = new ArrayList<>(assigned.keySet());
        stateBuffers = new Buffer[state.size()][];
        for (int j = 0; j < state.size(); j++) {
            Tensor t = state.get(j);
            Buffer before = assigned.get(t).buffer(), after = bufferOf(t, "assigned tensor " + j);
            if (before == null || before == after) {
                throw new IllegalStateException("Jit: a tensor assigned in the function (shape " + Arrays.toString(t.shape())
                        + ") did not hold a computed buffer before the call; realize it before jitting");
            }
            stateBuffers[j] = new Buffer[]{before, after};
            roles.put(before, new StateIn(j));
            roles.put(after, new StateOut(j));
        }
        steps = new ArrayList<>();
        for (Object[] r : raw) {
            if (r.length == 2) {
                Buffer src = (Buffer) r[0], dst = (Buffer) r[1];
                Role d = roleOf(roles, dst);
                // Host data uploaded into a fixed buffer stays there; an input's upload is redone by the caller.
                if (src == null) continue;
                steps.add(new Copy(roleOf(roles, src), d));
            } else {
                Buffer[] args = (Buffer[]) r[4];
                Role[] rs = new Role[args.length];
                for (int i = 0; i < args.length; i++) rs[i] = roleOf(roles, args[i]);
                Device d = (Device) r[0];
                Program p = (Program) r[1];
                steps.add(new Launch(d, p, (int[]) r[2], (int[]) r[3], rs, (KernelLog.Entry) r[5],
                        d.prepare(p, (int[]) r[2], (int[]) r[3]), new RawBuffer[rs.length]));
            }
        }
        outputs = new Role[outs.length];
        outputShapes = new int[outs.length][];
        for (int i = 0; i < outs.length; i++) {
            outputs[i] = roleOf(roles, bufferOf(outs[i], "output " + i));
            outputShapes[i] = outs[i].shape();
        }
        return outs;
    }

    private static Tensor[] realizedAll(Tensor[] outs) {
        Tensor[] r = new Tensor[outs.length];
        for (int i = 0; i < outs.length; i++) r[i] = outs[i].contiguous();
        return r;
    }

    private static Role roleOf(Map<Buffer, Role> roles, Buffer b) { return roles.computeIfAbsent(b, Fixed::new); }

    private static Buffer bufferOf(Tensor t, String what) {
        Buffer b = t.lazyBuffer().buffer();
        if (b == null || !t.lazyBuffer().st.isContiguous()) {
            throw new IllegalStateException("Jit: " + what + " is not a computed contiguous buffer after the call");
        }
        return b;
    }

    private Tensor[] replay(Tensor[] in) {
        if (in.length != inputs.length) {
            throw new IllegalArgumentException("Jit: called with " + in.length + " inputs; it was captured with " + inputs.length);
        }
        for (int i = 0; i < in.length; i++) {
            if (!inputs[i].matches(in[i])) {
                throw new IllegalArgumentException("Jit: input " + i + " is " + Signature.of(in[i]) + "; it was captured with "
                        + inputs[i] + " (a jitted function replays fixed kernels: call it with the same shapes, or make a new Jit)");
            }
        }
        Buffer[] inBufs = new Buffer[in.length];
        for (int i = 0; i < in.length; i++) inBufs[i] = bufferOf(in[i], "input " + i);
        Buffer[] stateIn = new Buffer[state.size()], stateOut = new Buffer[state.size()];
        for (int j = 0; j < state.size(); j++) {
            Buffer now = state.get(j).lazyBuffer().buffer();
            Buffer[] pair = stateBuffers[j];
            if (now != pair[0] && now != pair[1]) {
                throw new IllegalStateException("Jit: a tensor the function assigns (shape " + Arrays.toString(state.get(j).shape())
                        + ") was given a new value outside it; the recording can no longer update it in place");
            }
            stateIn[j] = now;
            stateOut[j] = now == pair[0] ? pair[1] : pair[0];
        }
        for (Step s : steps) {
            switch (s) {
                case Launch l -> {
                    RawBuffer[] args = l.bound();
                    for (int i = 0; i < args.length; i++) args[i] = resolve(l.args()[i], inBufs, stateIn, stateOut).raw();
                    boolean timed = Trace.timed();
                    double seconds = l.prepared().run(args, timed);
                    Counters.kernelLaunched();
                    if (timed) KernelLog.replayed(l.logged(), seconds); // what %kernels and %%bench read
                }
                case Copy c -> resolve(c.dst(), inBufs, stateIn, stateOut).copyIn(resolve(c.src(), inBufs, stateIn, stateOut).copyOut());
            }
        }
        for (int j = 0; j < state.size(); j++) state.get(j).lb = LazyBuffer.ofBuffer(stateOut[j], state.get(j).shape());
        Tensor[] outs = new Tensor[outputs.length];
        for (int i = 0; i < outs.length; i++) outs[i] = new Tensor(LazyBuffer.ofBuffer(resolve(outputs[i], inBufs, stateIn, stateOut), outputShapes[i]));
        return outs;
    }

    private static Buffer resolve(Role r, Buffer[] in, Buffer[] stateIn, Buffer[] stateOut) {
        return switch (r) {
            case Input i -> in[i.index()];
            case StateIn s -> stateIn[s.index()];
            case StateOut s -> stateOut[s.index()];
            case Fixed f -> f.buffer();
        };
    }
}
