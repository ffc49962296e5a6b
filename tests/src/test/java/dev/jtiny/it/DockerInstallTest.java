// The Docker image's install steps, checked without Docker: docker/install.sh installs into a scratch prefix as the
// Dockerfile does (less the apt and PyPI parts), and Debian's Jupyter then finds the kernel there, makes it the
// default, runs the quickstart on it and serves it with the image's own start and health commands. The Dockerfile
// and compose file are read and checked for what the image promises (no engine runs here to build them).
package dev.jtiny.it;

import static dev.jtiny.it.Processes.PYTHON;
import static dev.jtiny.it.Processes.jupyterEnv;
import static dev.jtiny.it.Processes.root;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jtiny.it.Processes.Result;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DockerInstallTest {
    @TempDir static Path dir;
    static Path prefix;
    static Result firstInstall;

    static final Path HELPER = root().resolve("tests/src/test/python/docker_install.py");

    @BeforeAll
    static void install() throws Exception {
        assumeTrue(Files.isExecutable(Path.of(PYTHON)), PYTHON + " is missing (.ci/run installs it)");
        Result check = Processes.run(dir, List.of(PYTHON, "-c", "import jupyter_client, nbclient, nbformat, yaml"), Map.of());
        assumeTrue(check.exit() == 0, "jupyter_client, nbclient, nbformat or yaml is missing under " + PYTHON + ": " + check);
        prefix = dir.resolve("prefix");
        firstInstall = install(prefix);
        assertEquals(0, firstInstall.exit(), firstInstall::toString);
    }

    /** docker/install.sh --prefix DIR as CI can run it: no apt, no PyPI, never a Maven build. */
    static Result install(Path into, String... more) throws IOException, InterruptedException {
        var command = new ArrayList<>(List.of(root().resolve("docker/install.sh").toString(), "--prefix", into.toString(), "--no-build"));
        command.addAll(List.of(more));
        return Processes.run(dir, command, Map.of("JAVA_HOME", System.getProperty("java.home"), "HOME", dir.toString()));
    }

    /** Jupyter's environment with only the prefix's data and config paths (and HOME, runtime dirs in the temp dir). */
    static Map<String, String> prefixEnv() {
        var env = new HashMap<>(jupyterEnv(dir));
        env.put("JUPYTER_PATH", prefix.resolve("share/jupyter").toString());
        env.put("JUPYTER_CONFIG_PATH", prefix.resolve("etc/jupyter").toString());
        env.put("PATH", prefix.resolve("bin") + ":/usr/bin:/bin");
        return env;
    }

    /** The helper's "path=value" lines as a map. */
    static Map<String, String> ask(Map<String, String> env, String... args) throws IOException, InterruptedException {
        var command = new ArrayList<>(List.of(PYTHON, HELPER.toString()));
        command.addAll(List.of(args));
        Result r = Processes.run(dir, command, env);
        assertEquals(0, r.exit(), r::toString);
        var facts = new LinkedHashMap<String, String>();
        for (String line : r.out().split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) facts.put(line.substring(0, eq), line.substring(eq + 1));
        }
        return facts;
    }

    @Test
    void installsTheKernelTheLauncherAndTheNotebooksIntoThePrefix() throws Exception {
        Path jar = prefix.resolve("lib/jtiny/kernel/target/jtiny-kernel.jar");
        assertTrue(Files.isRegularFile(jar), () -> "no " + jar + "\n" + firstInstall);
        try (Stream<Path> libs = Files.list(prefix.resolve("lib/jtiny/kernel/target/lib"))) {
            List<String> names = libs.map(p -> p.getFileName().toString()).toList();
            assertTrue(names.stream().anyMatch(n -> n.startsWith("jtiny-runtime-")) && names.stream().anyMatch(n -> n.startsWith("jocl-")),
                    () -> "lib/ lacks the runtime or JOCL: " + names);
        }
        for (String command : List.of("jtiny", "jtiny-lab")) {
            assertTrue(Files.isExecutable(prefix.resolve("bin").resolve(command)), command + " is not installed in bin/");
        }
        List<String> shipped, installed;
        try (Stream<Path> a = Files.list(root().resolve("notebooks")); Stream<Path> b = Files.list(prefix.resolve("share/jtiny/notebooks"))) {
            shipped = a.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".ipynb") || n.endsWith(".jsh")).sorted().toList();
            installed = b.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".ipynb") || n.endsWith(".jsh")).sorted().toList();
        }
        assertTrue(shipped.contains("quickstart.ipynb") && shipped.contains("experiment.jsh"), shipped::toString);
        // The kernel's JTINY_HOME (the installed launcher's folder) has the scripts the notebooks run, as a checkout does.
        assertEquals(Files.readString(root().resolve("notebooks/experiment.jsh")),
                Files.readString(prefix.resolve("lib/jtiny/notebooks/experiment.jsh")));
        assertEquals(shipped, installed);
        assertTrue(firstInstall.err().contains("done: kernel 'jtiny'"), firstInstall::toString);
    }

    @Test
    void jupyterClientListsTheKernelFromThePrefixRunningTheInstalledBuild() throws Exception {
        Map<String, String> spec = ask(prefixEnv(), "kernelspec", "jtiny");
        assertEquals(prefix.resolve("share/jupyter/kernels/jtiny").toString(), spec.get("resource_dir"), spec::toString);
        assertEquals("Java (jtiny)", spec.get("spec.display_name"));
        assertEquals("java", spec.get("spec.language"));
        assertEquals(Path.of(System.getProperty("java.home"), "bin", "java").toString(), spec.get("spec.argv.0"));
        int cp = 0;
        while (spec.containsKey("spec.argv." + cp) && !spec.get("spec.argv." + cp).equals("-cp")) cp++;
        String classPath = spec.get("spec.argv." + (cp + 1));
        // The installed kernel must not reach back into the checkout it was installed from.
        assertEquals(prefix + "/lib/jtiny/kernel/target/jtiny-kernel.jar:" + prefix + "/lib/jtiny/kernel/target/lib/*", classPath, spec::toString);
        assertEquals("{connection_file}", spec.get("spec.argv.8"), spec::toString);
        assertEquals(prefix + "/lib/jtiny", spec.get("spec.env.JTINY_HOME"), spec::toString);
    }

    @Test
    void jtinyIsTheDefaultKernelForJupyterServerAndTheClassicNotebook() throws Exception {
        Map<String, String> config = ask(prefixEnv(), "config");
        assertEquals("jtiny", config.get("jupyter_server_config.MultiKernelManager.default_kernel_name"), config::toString);
        assertEquals("jtiny", config.get("jupyter_notebook_config.MultiKernelManager.default_kernel_name"), config::toString);
    }

    @Test
    void theQuickstartRunsEndToEndOnTheInstalledKernel() throws Exception {
        Path work = Files.createDirectories(dir.resolve("run-quickstart"));
        Path notebook = Files.copy(prefix.resolve("share/jtiny/notebooks/quickstart.ipynb"), work.resolve("quickstart.ipynb"));
        // One cell of our own at the end: the devices, where the engine's classes came from, and a computed value.
        ask(Map.of(), "append-cell", notebook.toString(), "System.out.println(\"devices \" + Devices.available());\n"
                + "System.out.println(System.getProperty(\"java.class.path\"));\ntensor(1f, 2f, 3f).mul(2).sum().item()");
        Path cells = work.resolve("cells");
        Result r = Processes.run(work, List.of(PYTHON, root().resolve("tests/src/test/python/run_notebook.py").toString(), "jtiny",
                notebook.toString(), work.resolve("executed.ipynb").toString(), cells.toString()), prefixEnv());
        assertEquals(0, r.exit(), () -> "the installed quickstart failed under nbclient\n" + r);
        int n = 0;
        for (; Files.exists(cells.resolve(n + ".source")); n++) {
            String error = Files.readString(cells.resolve(n + ".error"));
            int i = n;
            assertEquals("", error, () -> "cell " + i + " failed: " + error);
        }
        assertTrue(n >= 3, "only " + n + " code cells ran");
        String last = (n - 1) + ".";
        assertEquals("12.0", Files.readString(cells.resolve(last + "result")).strip());
        assertTrue(Files.readString(cells.resolve(last + "stdout")).contains("devices [JAVA"), () -> read(cells.resolve(last + "stdout")));
        assertTrue(Files.readString(cells.resolve(last + "stdout")).contains(prefix + "/lib/jtiny/kernel/target/jtiny-kernel.jar"),
                () -> "the engine did not run the installed jar: " + read(cells.resolve(last + "stdout")));
    }

    @Test
    void theScriptingNotebookFindsTheInstalledLauncherThroughTheKernelspec() throws Exception {
        // As in the image: the notebook is a copy in the user's folder, far from the launcher, and nothing but the
        // kernelspec tells the kernel where jtiny lives (prefixEnv has no JTINY_HOME).
        Path work = Files.createDirectories(dir.resolve("run-scripting"));
        Path notebook = Files.copy(prefix.resolve("share/jtiny/notebooks/scripting.ipynb"), work.resolve("scripting.ipynb"));
        var env = new HashMap<String, String>(prefixEnv());
        env.put("JTINY_HOME", null);
        Path cells = work.resolve("cells");
        Result r = Processes.run(work, List.of(PYTHON, root().resolve("tests/src/test/python/run_notebook.py").toString(), "jtiny",
                notebook.toString(), work.resolve("executed.ipynb").toString(), cells.toString()), env, Duration.ofMinutes(5));
        assertEquals(0, r.exit(), () -> "the installed scripting notebook failed under nbclient\n" + r);
        var stdout = new StringBuilder();
        int n = 0;
        for (; Files.exists(cells.resolve(n + ".source")); n++) {
            String error = Files.readString(cells.resolve(n + ".error"));
            int i = n;
            assertEquals("", error, () -> "cell " + i + " failed: " + error);
            stdout.append(Files.readString(cells.resolve(n + ".stdout")));
        }
        assertTrue(n >= 5, "only " + n + " code cells ran");
        String out = stdout.toString();
        assertTrue(out.contains("launcher: " + prefix + "/lib/jtiny/jtiny"), out);
        assertTrue(out.contains("script:   " + prefix + "/lib/jtiny/notebooks/experiment.jsh"), out);
        assertTrue(out.contains("exit code 0"), out);
    }

    @Test
    void theInstalledLauncherRunsScriptsWithoutTheCheckout() throws Exception {
        Path script = Files.writeString(dir.resolve("sum.jsh"), "System.out.println(tensor(1f, 2f, 3f).mul(2).sum().item());\n");
        Result r = Processes.run(dir, List.of(prefix.resolve("bin/jtiny").toString(), "run", script.toString()),
                Map.of("JAVA_HOME", System.getProperty("java.home"), "HOME", dir.toString(), "PATH", "/usr/bin:/bin"));
        assertEquals(0, r.exit(), r::toString);
        assertEquals("12.0", r.out().strip(), r::toString);
    }

    @Test
    void theImagesStartCommandServesTheKernelBehindATokenAndPassesItsHealthCheck() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/jupyter-notebook")), "Debian's jupyter-notebook is missing (.ci/run installs it)");
        int port;
        try (var socket = new ServerSocket(0)) { port = socket.getLocalPort(); }
        Path home = Files.createDirectories(dir.resolve("lab-home"));
        Path notebooks = Files.createDirectories(dir.resolve("lab-notebooks/examples"));
        Files.writeString(notebooks.resolve("quickstart.ipynb"), "mine"); // a user's copy: the start must keep it
        var env = new HashMap<>(prefixEnv());
        env.putAll(Map.of("HOME", home.toString(), "JTINY_LAB_IP", "127.0.0.1", "JTINY_LAB_PORT", String.valueOf(port),
                "JTINY_NOTEBOOKS", notebooks.getParent().toString(),
                "JTINY_LAB_APP", "notebook")); // Debian 12's classic Notebook: JupyterLab is the image's, from PyPI
        env.remove("JUPYTER_TOKEN");
        Path log = dir.resolve("lab.log");
        var builder = new ProcessBuilder(prefix.resolve("bin/jtiny-lab").toString()).directory(home.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().remove("JUPYTER_TOKEN");
        builder.environment().putAll(env);
        Process server = builder.start();
        try {
            Result health = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
            while (System.nanoTime() < deadline && server.isAlive()) {
                health = Processes.run(dir, List.of(prefix.resolve("bin/jtiny-lab").toString(), "health"), env);
                if (health.exit() == 0) break;
                Thread.sleep(500);
            }
            Result h = health;
            assertTrue(h != null && h.exit() == 0, () -> "the health check never passed: " + h + "\n--- server log:\n" + read(log));
            assertTrue(h.out().contains("default kernel jtiny"), h::toString);

            Result token = Processes.run(dir, List.of(prefix.resolve("bin/jtiny-lab").toString(), "token"), env);
            String t = token.out().strip();
            assertTrue(t.matches("[0-9a-f]{48}"), () -> "not a generated token: " + token);
            assertTrue(read(log).contains("open http://127.0.0.1:" + port + "/tree?token=" + t), () -> read(log));

            var http = HttpClient.newHttpClient();
            URI specs = URI.create("http://127.0.0.1:" + port + "/api/kernelspecs");
            var withToken = http.send(HttpRequest.newBuilder(specs).header("Authorization", "token " + t).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, withToken.statusCode(), withToken::body);
            assertTrue(Pattern.compile("\"default\":\\s*\"jtiny\"").matcher(withToken.body()).find(), withToken::body);
            assertTrue(withToken.body().contains("\"display_name\": \"Java (jtiny)\""), withToken::body);
            var without = http.send(HttpRequest.newBuilder(specs).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(403, without.statusCode(), "the server answers without the token");

            assertEquals("mine", Files.readString(notebooks.resolve("quickstart.ipynb")), "the start overwrote the user's notebook");
            assertTrue(Files.isRegularFile(notebooks.resolve("magics.ipynb")), "the shipped notebooks were not copied into examples/");
        } finally {
            server.destroy();
            if (!server.waitFor(15, TimeUnit.SECONDS)) server.destroyForcibly().waitFor();
        }
    }

    @Test
    void runningItAgainGivesTheSameInstallAndKeepsOtherJupyterSettings() throws Exception {
        Path config = prefix.resolve("etc/jupyter/jupyter_server_config.json");
        Map<String, String> before = tree(prefix);
        Files.writeString(config, "{\"ServerApp\": {\"shutdown_no_activity_timeout\": 600},"
                + " \"MultiKernelManager\": {\"default_kernel_name\": \"python3\"}}");
        Result again = install(prefix);
        assertEquals(0, again.exit(), again::toString);
        Map<String, String> settings = ask(prefixEnv(), "config");
        assertEquals("600", settings.get("jupyter_server_config.ServerApp.shutdown_no_activity_timeout"), settings::toString);
        assertEquals("jtiny", settings.get("jupyter_server_config.MultiKernelManager.default_kernel_name"), settings::toString);
        Map<String, String> after = tree(prefix);
        after.remove("etc/jupyter/jupyter_server_config.json");
        before.remove("etc/jupyter/jupyter_server_config.json");
        assertEquals(before, after, "a second install changed the prefix");
    }

    /** Every file under {@code p} with a digest of its bytes. */
    private static Map<String, String> tree(Path p) throws Exception {
        var files = new TreeMap<String, String>();
        try (Stream<Path> s = Files.walk(p)) {
            for (Path f : s.filter(Files::isRegularFile).toList()) {
                byte[] digest = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f));
                files.put(p.relativize(f).toString(), HexFormat.of().formatHex(digest));
            }
        }
        return files;
    }

    @Test
    void itFailsClearlyWithoutAJdk25OrABuildOrAPrefix() throws Exception {
        Path fakeJdk = Files.createDirectories(dir.resolve("jdk17/bin"));
        Path java = Files.writeString(fakeJdk.resolve("java"), "#!/bin/sh\necho '    java.specification.version = 17' >&2\n");
        assertTrue(java.toFile().setExecutable(true));
        var old = Processes.run(dir, List.of(root().resolve("docker/install.sh").toString(), "--prefix", dir.resolve("p17").toString()),
                Map.of("JAVA_HOME", fakeJdk.getParent().toString(), "PATH", "/usr/bin:/bin"));
        assertEquals(2, old.exit(), old::toString);
        assertTrue(old.err().contains("needs a JDK 25 or newer: " + fakeJdk.getParent() + " is Java 17"), old::toString);

        // A checkout with no kernel/target: --no-build must stop and say what to do, not start Maven.
        Path checkout = Files.createDirectories(dir.resolve("unbuilt/docker"));
        Files.copy(root().resolve("docker/install.sh"), checkout.resolve("install.sh"));
        Files.copy(root().resolve("jtiny"), checkout.getParent().resolve("jtiny"));
        var unbuilt = Processes.run(dir, List.of(checkout.resolve("install.sh").toString(), "--prefix", dir.resolve("p0").toString(), "--no-build"),
                Map.of("JAVA_HOME", System.getProperty("java.home")));
        assertEquals(2, unbuilt.exit(), unbuilt::toString);
        assertTrue(unbuilt.err().contains("no jtiny build in " + checkout.getParent().resolve("kernel/target") + " (jtiny-kernel.jar and lib/): run ./jtiny build"),
                unbuilt::toString);
        assertFalse(Files.exists(dir.resolve("p0/share/jupyter")), "a failed install wrote a kernelspec");

        var noPrefix = Processes.run(dir, List.of(root().resolve("docker/install.sh").toString()), Map.of());
        assertEquals(2, noPrefix.exit(), noPrefix::toString);
        assertTrue(noPrefix.err().contains("--prefix DIR is required"), noPrefix::toString);
    }

    // ---- the files Docker would read, checked for what the image promises

    /** The Dockerfile's instructions (continuation lines joined, comments dropped), each as [keyword, rest]. */
    static List<String[]> dockerfile() throws IOException {
        var out = new ArrayList<String[]>();
        String joined = Files.readString(root().resolve("docker/Dockerfile")).replaceAll("(?m)^\\s*#.*\\n", "").replace("\\\n", " ");
        for (String line : joined.split("\n")) {
            line = line.strip();
            if (line.isEmpty()) continue;
            String[] parts = line.split("\\s+", 2);
            out.add(new String[]{parts[0].toUpperCase(), parts.length > 1 ? parts[1].replaceAll("\\s+", " ") : ""});
        }
        return out;
    }

    /** The instructions after the last FROM: what the image that runs is made of. */
    static List<String[]> finalStage(List<String[]> all) {
        int last = 0;
        for (int i = 0; i < all.size(); i++) if (all.get(i)[0].equals("FROM")) last = i;
        return all.subList(last, all.size());
    }

    static List<String> args(List<String[]> instructions, String keyword) {
        return instructions.stream().filter(i -> i[0].equals(keyword)).map(i -> i[1]).toList();
    }

    @Test
    void theDockerfileBuildsOnJdk25AndDebian12AndRunsTheInstallScript() throws Exception {
        List<String[]> all = dockerfile();
        Map<String, String> argDefaults = new HashMap<>();
        for (String a : args(all, "ARG")) {
            String[] kv = a.split("=", 2);
            if (kv.length == 2) argDefaults.put(kv[0], kv[1]);
        }
        assertEquals("eclipse-temurin:25-jdk", argDefaults.get("JDK_IMAGE"), argDefaults::toString);
        assertEquals("debian:bookworm-slim", argDefaults.get("BASE_IMAGE"), argDefaults::toString);
        List<String> froms = args(all, "FROM");
        assertEquals(List.of("${JDK_IMAGE} AS jdk", "maven:3.9-eclipse-temurin-25 AS build", "${BASE_IMAGE}"), froms);

        List<String[]> image = finalStage(all);
        assertTrue(args(image, "COPY").contains("--from=jdk /opt/java/openjdk /opt/java/openjdk"), () -> args(image, "COPY").toString());
        String env = String.join(" ", args(image, "ENV"));
        for (String setting : List.of("JAVA_HOME=/opt/java/openjdk", "NVIDIA_VISIBLE_DEVICES=all", "NVIDIA_DRIVER_CAPABILITIES=compute,utility",
                "JTINY_NOTEBOOKS=/home/jtiny/notebooks", "JTINY_LAB_PORT=8888")) {
            assertTrue(env.contains(setting), () -> "ENV lacks " + setting + ": " + env);
        }
        String runs = String.join("\n", args(image, "RUN"));
        assertTrue(runs.contains("--mount=type=bind,from=build,source=/src,target=/src /src/docker/install.sh --prefix /usr/local --with-apt --with-jupyterlab --no-build"),
                runs);
        assertTrue(String.join("\n", args(all.subList(0, all.indexOf(image.getFirst())), "RUN")).contains("./jtiny build"), "the build stage does not build");

        List<String> users = args(image, "USER");
        assertFalse(users.isEmpty(), "the image runs as root");
        assertFalse(List.of("root", "0").contains(users.getLast().split(":")[0]), "USER " + users.getLast());
        assertTrue(runs.contains("useradd --create-home --uid 1000 --shell /bin/bash " + users.getLast()), runs);
        assertEquals(List.of("/home/jtiny/notebooks"), args(image, "WORKDIR"));
        assertEquals(List.of("8888"), args(image, "EXPOSE"));
        List<String> health = args(image, "HEALTHCHECK");
        assertEquals(1, health.size(), health::toString);
        assertTrue(health.getFirst().endsWith("CMD [\"jtiny-lab\", \"health\"]"), health::toString);
        assertEquals(List.of("[\"jtiny-lab\"]"), args(image, "CMD"));
        // The CMD and HEALTHCHECK name a command that install.sh put on the image's PATH (/usr/local/bin).
        assertTrue(Files.isExecutable(prefix.resolve("bin/jtiny-lab")));

        String ignore = Files.readString(root().resolve("docker/Dockerfile.dockerignore"));
        assertTrue(ignore.lines().toList().containsAll(List.of(".git", "**/target")), ignore);
    }

    @Test
    void theInstallScriptsSystemPartRegistersNvidiasOpenClAndPoclWithTheIcdLoader() throws Exception {
        // --with-apt needs root and the network, so CI reads it instead of running it.
        String script = Files.readString(root().resolve("docker/install.sh"));
        assertTrue(script.contains("echo libnvidia-opencl.so.1 | \"${sudo[@]}\" tee /etc/OpenCL/vendors/nvidia.icd"), "no nvidia.icd");
        var m = Pattern.compile("APT_PACKAGES=\\(([^)]*)\\)").matcher(script);
        assertTrue(m.find(), "no APT_PACKAGES");
        List<String> packages = List.of(m.group(1).strip().split("\\s+"));
        assertTrue(packages.containsAll(List.of("ocl-icd-libopencl1", "ocl-icd-opencl-dev", "pocl-opencl-icd", "dataset-fashion-mnist", "python3-venv")),
                packages::toString);
        // Each is in a Debian repository, where this machine has apt's package lists (one apt-cache call: it is slow).
        var command = new ArrayList<>(List.of("apt-cache", "policy", "bash"));
        command.addAll(packages);
        Result policy = Processes.run(dir, command, Map.of());
        var sections = new HashMap<String, String>();
        var header = Pattern.compile("(?m)^(\\S+):$").matcher(policy.out());
        var starts = new ArrayList<int[]>();
        while (header.find()) starts.add(new int[]{header.start(), header.end()});
        for (int i = 0; i < starts.size(); i++) {
            int end = i + 1 < starts.size() ? starts.get(i + 1)[0] : policy.out().length();
            sections.put(policy.out().substring(starts.get(i)[0], starts.get(i)[1] - 1), policy.out().substring(starts.get(i)[1], end));
        }
        assumeTrue(sections.getOrDefault("bash", "").contains(" Packages"), "apt has no package lists here");
        for (String p : packages) {
            assertTrue(sections.getOrDefault(p, "").contains(" Packages"), () -> p + " is in no Debian repository here:\n" + policy.out());
        }
    }

    @Test
    void theComposeFileReservesTheGpuPublishesTheServerAndKeepsTheNotebooks() throws Exception {
        Map<String, String> compose = ask(Map.of(), "yaml", root().resolve("docker/compose.yaml").toString());
        List<String> services = compose.keySet().stream().filter(k -> k.startsWith("services.")).map(k -> k.split("\\.")[1]).distinct().toList();
        assertEquals(List.of("jupyterlab"), services);
        String s = "services.jupyterlab.";
        Path context = root().resolve("docker").resolve(compose.get(s + "build.context")).normalize();
        assertEquals(root().resolve("docker/Dockerfile"), context.resolve(compose.get(s + "build.dockerfile")));
        assertTrue(compose.get(s + "ports.0").endsWith(":8888"), compose::toString);
        assertEquals("${JUPYTER_TOKEN:-}", compose.get(s + "environment.JUPYTER_TOKEN"));
        assertEquals("nvidia", compose.get(s + "deploy.resources.reservations.devices.0.driver"));
        assertEquals("all", compose.get(s + "deploy.resources.reservations.devices.0.count"));
        assertEquals("gpu", compose.get(s + "deploy.resources.reservations.devices.0.capabilities.0"));
        assertEquals("notebooks:/home/jtiny/notebooks", compose.get(s + "volumes.0"));
        assertTrue(compose.containsKey("volumes.notebooks"), "the notebooks volume is not declared");
        String cache = compose.get(s + "volumes.1");
        assertTrue(cache.endsWith(":/home/jtiny/.cache/jtiny") && compose.containsKey("volumes." + cache.split(":")[0]), cache);
        // The volume is mounted where the image serves notebooks from.
        String workdir = args(finalStage(dockerfile()), "WORKDIR").getFirst();
        assertEquals(workdir, compose.get(s + "volumes.0").split(":")[1]);
    }

    private static String read(Path p) {
        try { return Files.readString(p); } catch (IOException e) { return "(" + e + ")"; }
    }
}
