// The Jupyter kernel: jjava-jupyter speaks the protocol, an Engine runs the cells.
package dev.jtiny.kernel.jupyter;

import dev.jtiny.kernel.Startup;
import dev.jtiny.kernel.engine.EngineAgent;
import dev.jtiny.kernel.jupyter.Engine.CellError;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.SourceCodeAnalysis.Completeness;
import org.dflib.jjava.jupyter.channels.JupyterConnection;
import org.dflib.jjava.jupyter.channels.Loop;
import org.dflib.jjava.jupyter.channels.ShellChannel;
import org.dflib.jjava.jupyter.channels.ShellReplyEnvironment;
import org.dflib.jjava.jupyter.kernel.BaseKernel;
import org.dflib.jjava.jupyter.kernel.BaseKernelBuilder;
import org.dflib.jjava.jupyter.kernel.KernelConnectionProperties;
import org.dflib.jjava.jupyter.kernel.LanguageInfo;
import org.dflib.jjava.jupyter.kernel.ReplacementOptions;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.dflib.jjava.jupyter.messages.ContentType;
import org.dflib.jjava.jupyter.messages.Header;
import org.dflib.jjava.jupyter.messages.MessageType;
import org.dflib.jjava.jupyter.messages.ReplyType;
import org.dflib.jjava.jupyter.messages.reply.CommInfoReply;
import org.dflib.jjava.jupyter.messages.request.CommInfoRequest;
import org.dflib.jjava.jupyter.messages.request.InterruptRequest;
import org.dflib.jjava.jupyter.messages.request.ShutdownRequest;
import org.dflib.jjava.jupyter.messages.Message;
import org.dflib.jjava.jupyter.messages.publish.PublishDisplayData;
import org.dflib.jjava.jupyter.messages.publish.PublishError;
import org.dflib.jjava.jupyter.messages.publish.PublishExecuteInput;
import org.dflib.jjava.jupyter.messages.publish.PublishExecuteResult;
import org.dflib.jjava.jupyter.messages.publish.PublishStatus;
import org.dflib.jjava.jupyter.messages.publish.PublishUpdateDisplayData;
import org.dflib.jjava.jupyter.messages.reply.ErrorReply;
import org.dflib.jjava.jupyter.messages.reply.ExecuteReply;
import org.dflib.jjava.jupyter.messages.reply.HistoryReply;
import org.dflib.jjava.jupyter.messages.request.ExecuteRequest;
import org.dflib.jjava.jupyter.messages.reply.KernelInfoReply;
import org.dflib.jjava.jupyter.messages.request.HistoryRequest;
import org.dflib.jjava.jupyter.messages.request.KernelInfoRequest;

public final class JtinyKernel extends BaseKernel {
    /**
     * History lives in memory for the kernel process: one session, numbered {@value}; a restart (a new process)
     * starts an empty one.
     */
    static final int SESSION = 1;

    /** This kernel process's session id, for messages that answer no request. */
    static final String KERNEL_SESSION = java.util.UUID.randomUUID().toString();

    private final Engine engine;
    private final CellMagics magics;
    /** Every executed cell, in order: {cell number, input, text/plain of its result or null}. */
    private final List<Cell> cells = Collections.synchronizedList(new ArrayList<>());

    /** The request whose cell is running: display(...) from cell code publishes there. */
    private volatile ShellReplyEnvironment running;
    /** Rich forms of cell results that came through the engine's side channel, by id, until evalRaw takes them. */
    private final Map<String, Map<String, String>> results = new ConcurrentHashMap<>();

    private record Cell(int number, String input, String output) {
        /** The protocol's [session, line, input] or [session, line, [input, output]]. */
        List<Object> entry(boolean withOutput) {
            return List.of(SESSION, number, withOutput ? java.util.Arrays.asList(input, output) : input);
        }
    }

    private JtinyKernel(Builder b, Engine.Factory engines) {
        super(b.name(), b.version(), new LanguageInfo("java", Runtime.version().toString(), "text/x-java", ".jshell",
                        "java", "java", "script"), List.of(), b.history(), b.io(), b.comms(), b.renderer(), null,
                b.magics(), false, b.styler());
        this.engine = engines.start(DisplayChannel.wrap(io.out, this::engineMessage), io.err, io.in);
        this.magics = new CellMagics(engine);
    }

    /** Starts the kernel on a connection file's sockets and returns when a client shuts it down. */
    public static void serve(String connectionJson, String classPath, List<String> engineOptions,
                             List<Startup.Script> startup, int engineTimeoutSeconds) throws Exception {
        var kernel = new JtinyKernel(new Builder(),
                (out, err, in) -> new Engine(classPath, engineOptions, startup, engineTimeoutSeconds, out, err, in));
        var connection = new Connection(KernelConnectionProperties.parse(connectionJson));
        kernel.becomeHandlerForConnection(connection);
        connection.connect();
        connection.surviveBadMessages();
        connection.waitUntilClose();
        kernel.engine.close();
    }

    /**
     * jjava-jupyter checks each message's HMAC signature, but a bad one throws out of the shell channel's loop and
     * ends it: one forged message would leave the kernel deaf. Here the loop logs the rejected message to stderr,
     * drops it and goes on.
     */
    private static final class Connection extends JupyterConnection {
        private final KernelConnectionProperties properties;

        Connection(KernelConnectionProperties properties) throws Exception {
            super(properties);
            this.properties = properties;
        }

        /**
         * The library's connect, except that the first iopub message (status: starting) has a session in its
         * header, as protocol 5.3 requires of every message (the library sends it with none).
         */
        @Override public void connect() {
            for (var socket : List.of(heartbeat, shell, control, stdin, iopub)) socket.bind(properties);
            try {
                var connected = JupyterConnection.class.getDeclaredField("isConnected");
                connected.setAccessible(true);
                connected.setBoolean(this, true);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("jtiny kernel: jjava-jupyter's JupyterConnection changed shape", e);
            }
            var header = new Header<>(java.util.UUID.randomUUID().toString(), Header.KERNEL_USERNAME, KERNEL_SESSION,
                    org.dflib.jjava.jupyter.messages.KernelTimestamp.now(), PublishStatus.MESSAGE_TYPE, Header.PROTOCOL_VERISON);
            iopub.sendMessage(new Message<>(header, PublishStatus.STARTING));
        }

        void surviveBadMessages() throws ReflectiveOperationException {
            var loopField = ShellChannel.class.getDeclaredField("ioloop");
            loopField.setAccessible(true);
            for (var channel : List.of(shell, control)) {
                String which = channel == shell ? "shell" : "control";
                ((Loop) loopField.get(channel)).onError(t -> {
                    System.err.println("jtiny kernel: dropped a message on the " + which + " channel: "
                            + (t instanceof SecurityException ? "rejected signature (" + t.getMessage() + ")" : t));
                    System.err.flush();
                    return 0;
                });
            }
        }
    }

    @Override public Object evalRaw(String code) {
        int number = executionCount.get() - 1;
        int index;
        synchronized (cells) {
            index = cells.size();
            cells.add(new Cell(number, code, null));
        }
        String value = magics.run(number, code);
        if (value == null) return null;
        var data = new DisplayData();
        String[] rich = EngineAgent.rich(value);
        if (rich != null) {
            Map<String, String> forms = results.remove(rich[0]);
            if (forms != null) forms.forEach((mime, form) -> { if (!mime.equals("text/plain")) data.putData(mime, form); });
            value = rich[1];
        }
        data.putText(value);
        cells.set(index, new Cell(number, code, value));
        return data;
    }

    /**
     * A message from the engine's side channel ({@link DisplayChannel}): a cell result's rich form, kept for
     * evalRaw, or display(...) / updateDisplay(...) from cell code, published at once as display_data /
     * update_display_data with the display id in "transient". Outside a running cell (a background thread that
     * outlives its cell) there is no request to attach the message to, and it is dropped.
     */
    private void engineMessage(String kind, String id, Map<String, String> forms) {
        if (kind.equals("result")) {
            results.put(id, forms);
            return;
        }
        ShellReplyEnvironment env = running;
        if (env == null) return;
        var data = new DisplayData();
        forms.forEach(data::putData);
        data.setDisplayId(id);
        if (kind.equals("update")) env.publish(new PublishUpdateDisplayData(data));
        else env.publish(new PublishDisplayData(data));
    }

    // history_request: tail, range and search (a glob: * any text, ? one character) over this process's cells.
    @Override protected void handleHistoryRequest(ShellReplyEnvironment env, Message<HistoryRequest> request) {
        env.setBusyDeferIdle();
        HistoryRequest r = request.getContent();
        List<Cell> all;
        synchronized (cells) {
            all = List.copyOf(cells);
        }
        List<Cell> found = switch (r) {
            case HistoryRequest.Tail t -> last(all, t.getMaxReturnLength());
            case HistoryRequest.Range g -> g.getSessionIndex() != 0 && g.getSessionIndex() != SESSION ? List.of()
                    : all.stream().filter(c -> c.number() >= g.getStart() && (g.getStop() <= 0 || c.number() < g.getStop())).toList();
            case HistoryRequest.Search q -> {
                Pattern glob = glob(q.getPattern());
                List<Cell> matches = all.stream().filter(c -> glob.matcher(c.input()).matches()).toList();
                if (q.filterUnique()) { // the latest of equal inputs, in order
                    var seen = new java.util.HashSet<String>();
                    var unique = new ArrayList<Cell>();
                    for (int i = matches.size() - 1; i >= 0; i--) if (seen.add(matches.get(i).input())) unique.addFirst(matches.get(i));
                    matches = unique;
                }
                yield last(matches, q.getMaxReturnLength());
            }
            default -> List.of();
        };
        env.reply(new HistoryOk(found.stream().map(c -> c.entry(r.includeOutput())).toList()));
    }

    private static List<Cell> last(List<Cell> cells, int n) {
        return n <= 0 || n >= cells.size() ? cells : cells.subList(cells.size() - n, cells.size());
    }

    static Pattern glob(String glob) {
        var regex = new StringBuilder();
        for (char ch : (glob == null || glob.isEmpty() ? "*" : glob).toCharArray()) {
            regex.append(switch (ch) {
                case '*' -> ".*";
                case '?' -> ".";
                default -> Pattern.quote(String.valueOf(ch));
            });
        }
        return Pattern.compile(regex.toString(), Pattern.DOTALL);
    }

    // jjava-jupyter's reply serializes its entries as objects, not the protocol's tuples, and has no "status".
    private static final class HistoryOk extends HistoryReply {
        @SuppressWarnings("unused") // serialized by Gson
        private final String status = "ok";

        @SuppressWarnings({"unchecked", "rawtypes"}) // Gson writes each entry by its runtime type, a list
        HistoryOk(List<List<Object>> history) { super((List) history); }
    }

    @Override public DisplayData inspect(String code, int at, boolean extraDetail) {
        int[] span = engine.snippetAt(code, at);
        var docs = engine.shell().sourceCodeAnalysis().documentation(code.substring(span[0], span[1]), at - span[0], true);
        if (docs.isEmpty()) return null;
        String text = docs.stream()
                .map(d -> d.signature() + (d.javadoc() == null ? "" : "\n\n" + d.javadoc().strip()))
                .collect(Collectors.joining("\n\n"));
        return new DisplayData(text);
    }

    @Override public ReplacementOptions complete(String code, int at) {
        int lineStart = code.lastIndexOf('\n', Math.max(0, at - 1)) + 1;
        if (at > 0 && code.charAt(at - 1) == '\n') lineStart = at;
        String line = code.substring(lineStart, at);
        if (line.stripLeading().startsWith("%")) return completeMagic(line, lineStart, at);
        int[] span = engine.snippetAt(code, at);
        int[] anchor = new int[1];
        List<SourceCodeAnalysis.Suggestion> suggestions = engine.shell().sourceCodeAnalysis()
                .completionSuggestions(code.substring(span[0], at), at - span[0], anchor);
        // Those that fit the expected type first, as jshell lists them.
        var names = new LinkedHashSet<String>();
        suggestions.stream().filter(SourceCodeAnalysis.Suggestion::matchesType).forEach(s -> names.add(s.continuation()));
        suggestions.forEach(s -> names.add(s.continuation()));
        return new ReplacementOptions(new ArrayList<>(names), span[0] + anchor[0], at);
    }

    /** Magic names after % or %%, then the magic's options. */
    private static ReplacementOptions completeMagic(String line, int lineStart, int at) {
        String text = line.stripLeading();
        int start = lineStart + line.length() - text.length();
        boolean cell = text.startsWith("%%");
        String afterPercent = text.substring(cell ? 2 : 1);
        int space = afterPercent.indexOf(' ');
        if (space < 0) {
            List<String> names = dev.jtiny.magics.MagicSpec.all().stream()
                    .filter(m -> (cell ? m.cell() : m.line()) && m.name().startsWith(afterPercent))
                    .map(m -> (cell ? "%%" : "%") + m.name()).toList();
            return new ReplacementOptions(names, start, at);
        }
        String name = afterPercent.substring(0, space);
        String word = text.substring(text.lastIndexOf(' ') + 1);
        List<String> options = dev.jtiny.magics.MagicSpec.all().stream().filter(m -> m.name().equals(name))
                .flatMap(m -> m.options().stream()).filter(o -> o.startsWith(word)).toList();
        return new ReplacementOptions(options, at - word.length(), at);
    }

    @Override public String isComplete(String code) {
        SourceCodeAnalysis analysis = engine.shell().sourceCodeAnalysis();
        int pos = 0;
        while ((pos = Engine.skipBlank(code, pos)) < code.length()) {
            var info = analysis.analyzeCompletion(code.substring(pos));
            switch (info.completeness()) {
                case EMPTY: return IS_COMPLETE_YES;
                case DEFINITELY_INCOMPLETE, CONSIDERED_INCOMPLETE: return "    ";
                case UNKNOWN: return IS_COMPLETE_BAD;
                default: break;
            }
            int next = code.length() - info.remaining().length();
            if (next <= pos) return IS_COMPLETE_MAYBE;
            pos = next;
        }
        return IS_COMPLETE_YES;
    }

    @Override public void interrupt() { engine.stop(); }

    @Override public List<String> formatError(Throwable e) {
        if (e instanceof CellError c) return c.getMessage().lines().toList();
        return super.formatError(e);
    }

    /**
     * The library's handler with one change: a failed cell's {@code ename} is what failed (the exception's class,
     * CompilationError, EngineRestarted, Interrupted) instead of the Java class that carried it.
     */
    @Override protected synchronized void handleExecuteRequest(ShellReplyEnvironment env, Message<ExecuteRequest> message) {
        commManager.setMessageContext(message);
        ExecuteRequest request = message.getContent();
        int count = executionCount.getAndIncrement();
        env.setBusyDeferIdle();
        env.publish(new PublishExecuteInput(request.getCode(), count));
        replaceOutputStreams(env);
        org.dflib.jjava.jupyter.kernel.JtinyIoAccess.attach(io, env, request.isStdinEnabled());
        running = env;
        env.defer(() -> { if (running == env) running = null; });
        results.clear();
        try {
            DisplayData result;
            try {
                result = eval(request.getCode());
            } finally { // everything the cell printed goes out before its result, its error and the idle status
                io.out.flush();
                io.err.flush();
            }
            if (result != null) env.publish(new PublishExecuteResult(count, result));
            env.defer().reply(new ExecuteReply(count, Collections.emptyMap()));
        } catch (Exception e) {
            ErrorReply reply;
            PublishError published;
            if (e instanceof CellError c) {
                List<String> lines = formatError(c);
                reply = new ErrorReply(c.name, c.getMessage(), lines);
                published = new PublishError(c.name, c.getMessage(), lines);
            } else {
                reply = ErrorReply.of(e);
                published = PublishError.of(e, this::formatError);
            }
            reply.setExecutionCount(count);
            env.publish(published);
            env.defer().replyError(ExecuteReply.MESSAGE_TYPE.error(), reply);
        }
    }

    // jjava-jupyter's comm_info, shutdown and interrupt replies have no "status", which protocol 5.x requires of every
    // reply; these handlers answer with one.
    @Override public void becomeHandlerForConnection(JupyterConnection connection) {
        super.becomeHandlerForConnection(connection);
        connection.setHandler(MessageType.COMM_INFO_REQUEST, this::handleCommInfoRequest);
    }

    private void handleCommInfoRequest(ShellReplyEnvironment env, Message<CommInfoRequest> request) {
        String target = request.getContent().getTargetName();
        var comms = new java.util.LinkedHashMap<String, CommInfoReply.CommInfo>();
        for (var comm : commManager) {
            if (target == null || target.equals(comm.getTargetName())) comms.put(comm.getID(), new CommInfoReply.CommInfo(comm.getTargetName()));
        }
        env.reply(new CommInfoOk(comms));
    }

    private static final class CommInfoOk extends CommInfoReply {
        @SuppressWarnings("unused") // serialized by Gson
        private final String status = "ok";

        CommInfoOk(Map<String, CommInfo> comms) { super(comms); }
    }

    @Override protected void handleShutdownRequest(ShellReplyEnvironment env, Message<ShutdownRequest> request) {
        boolean restart = request.getContent().isRestart();
        env.setBusyDeferIdle();
        env.defer().reply(new StatusOk(MessageType.SHUTDOWN_REPLY, MessageType.SHUTDOWN_REQUEST, restart));
        onShutdown(restart);
        env.resolveDeferrals();
        env.markForShutdown();
    }

    @Override protected void handleInterruptRequest(ShellReplyEnvironment env, Message<InterruptRequest> request) {
        env.setBusyDeferIdle();
        env.defer().reply(new StatusOk(MessageType.INTERRUPT_REPLY, MessageType.INTERRUPT_REQUEST, null));
        interrupt();
    }

    /** A reply whose content is {"status": "ok"} (and "restart" for shutdown_reply). */
    @SuppressWarnings({"rawtypes", "unused"}) // the library types a reply by its content class; Gson writes the fields
    private static final class StatusOk implements ContentType, ReplyType {
        private final transient MessageType type, requestType;
        private final String status = "ok";
        private final Boolean restart;

        StatusOk(MessageType type, MessageType requestType, Boolean restart) {
            this.type = type;
            this.requestType = requestType;
            this.restart = restart;
        }

        @Override public MessageType getType() { return type; }
        @Override public MessageType getRequestType() { return requestType; }
    }

    @Override protected void handleKernelInfoRequest(ShellReplyEnvironment env, Message<KernelInfoRequest> request) {
        env.setBusyDeferIdle();
        env.reply(new KernelInfoOk(name, version, languageInfo, getBanner()));
    }

    private static final class KernelInfoOk extends KernelInfoReply {
        @SuppressWarnings("unused") // serialized by Gson
        private final String status = "ok";

        KernelInfoOk(String name, String version, LanguageInfo language, String banner) {
            super(Header.PROTOCOL_VERISON, name, version, language, banner, List.of());
        }
    }

    /** Reaches the library's default parts, which only its builder makes. */
    private static final class Builder extends BaseKernelBuilder<Builder, JtinyKernel> {
        Builder() { name("jtiny"); version(Builder.class.getPackage().getImplementationVersion() == null
                ? "0.1.0" : Builder.class.getPackage().getImplementationVersion()); }
        @Override public JtinyKernel build() { throw new UnsupportedOperationException("use JtinyKernel.serve"); }
        String name() { return buildName(); }
        String version() { return buildVersion(); }
        org.dflib.jjava.jupyter.kernel.JupyterIO io() { return buildJupyterIO(StandardCharsets.UTF_8); }
        org.dflib.jjava.jupyter.kernel.comm.CommManager comms() { return buildCommManager(); }
        org.dflib.jjava.jupyter.kernel.display.Renderer renderer() { return buildRenderer(); }
        org.dflib.jjava.jupyter.kernel.magic.MagicsRegistry magics() { return buildMagicsRegistry(); }
        org.dflib.jjava.jupyter.kernel.util.StringStyler styler() { return buildErrorStyler(); }
        org.dflib.jjava.jupyter.kernel.history.HistoryManager history() { return buildHistoryManager(); }
    }
}
