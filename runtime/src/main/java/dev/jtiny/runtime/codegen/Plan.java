// A kernel's plan: the optimisation steps it was linearized with, printable for DEBUG 3, compared by value.
package dev.jtiny.runtime.codegen;

import dev.jtiny.runtime.codegen.Opt.Kind;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Plans are values: BEAM caches them by {@link #key} and tells two choices apart by {@link #equals}; the launcher
 * asks {@link #has}. What {@link #describe} prints is for people and is never read back.
 */
public record Plan(List<Opt> opts) {
    public static final Plan NONE = new Plan(List.of());

    public Plan {
        opts = List.copyOf(opts);
    }

    /** The plan a linearizer applies for {@code up} in work-groups of {@code group} items, or tiles of tileRows x tileCols. */
    static Plan of(Linearizer.Upcast up, int group, int tileRows, int tileCols) {
        List<Opt> o = new ArrayList<>();
        if (up.axis2() >= 0) {
            o.add(Opt.of(Kind.UPCAST, up.axis(), up.lanes() / up.lanes2()));
            o.add(Opt.of(Kind.UPCAST, up.axis2(), up.lanes2()));
            if (up.unroll() > 1) o.add(Opt.of(Kind.UNROLL, -1, up.unroll()));
            if (up.stage() > 0) o.add(Opt.of(Kind.STAGE, -1, up.stage()));
            if (up.prefetch() > 0) o.add(Opt.of(Kind.PREFETCH, -1, up.prefetch()));
        } else if (up.lanes() > 1) {
            o.add(Opt.of(up.onReduce() ? Kind.UPCAST_REDUCE : Kind.UPCAST, up.axis(), up.lanes()));
        }
        if (tileRows > 0) {
            o.add(Opt.of(Kind.LOCAL, up.axis(), tileRows));
            o.add(Opt.of(Kind.LOCAL, up.axis2(), tileCols));
        }
        if (group > 0) o.add(Opt.of(Kind.GROUP, -1, group));
        return new Plan(o);
    }

    /** Work items over the output axes before {@code axis}, loops over the others. */
    static Plan looped(int axis) { return new Plan(List.of(Opt.of(Kind.LOOP, axis, 0))); }

    /** A row per work-group of {@code group} items. */
    static Plan rows(int group) { return new Plan(List.of(Opt.of(Kind.GROUP_ROW, -1, group))); }

    public boolean has(Kind kind) { return opts.stream().anyMatch(o -> o.kind() == kind); }

    private List<Opt> all(Kind kind) { return opts.stream().filter(o -> o.kind() == kind).toList(); }

    private int amount(Kind kind) { return opts.stream().filter(o -> o.kind() == kind).mapToInt(Opt::amount).findFirst().orElse(0); }

    /** The plan in words, a line per step group, as DEBUG 3, %kernels and the kernel log show it. */
    public List<String> describe() {
        List<String> lines = new ArrayList<>();
        List<Opt> up = all(Kind.UPCAST), locals = all(Kind.LOCAL);
        if (up.size() == 2) {
            int prefetch = amount(Kind.PREFETCH);
            lines.add("upcast output axes " + up.get(0).axis() + "," + up.get(1).axis() + " by " + up.get(0).amount() + "x"
                    + up.get(1).amount() + (has(Kind.UNROLL) ? ", unroll reduce by " + amount(Kind.UNROLL) : "")
                    + (has(Kind.STAGE) ? ", stage reduce by " + amount(Kind.STAGE) + " in local memory"
                    + (prefetch == Linearizer.Upcast.PREFETCHED ? ", prefetched" : prefetch == Linearizer.Upcast.DOUBLE_BUFFERED ? ", double-buffered" : "") : ""));
        } else if (up.size() == 1) {
            lines.add("upcast output axis " + up.getFirst().axis() + " by " + up.getFirst().amount());
        }
        for (Opt r : all(Kind.UPCAST_REDUCE)) lines.add("upcast reduce axis " + r.axis() + " by " + r.amount());
        if (locals.size() == 2) lines.add("tile " + locals.get(0).amount() + "x" + locals.get(1).amount() + " items");
        if (has(Kind.GROUP)) lines.add("group reduce by " + amount(Kind.GROUP));
        if (has(Kind.GROUP_ROW)) lines.add("row per group of " + amount(Kind.GROUP_ROW));
        for (Opt o : all(Kind.LOOP)) lines.add("loop output axes " + o.axis() + ".. in each item");
        return lines;
    }

    /** A stable encoding of the steps (kind, axis, amount), for BEAM's on-disk cache. */
    public String key() {
        return opts.stream().map(o -> o.kind() + ":" + o.axis() + ":" + o.amount()).collect(Collectors.joining(" "));
    }

    @Override public String toString() { return describe().toString(); }
}
