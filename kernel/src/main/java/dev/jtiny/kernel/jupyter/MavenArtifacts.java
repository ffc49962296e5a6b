// What %maven runs in the kernel's process: Maven coordinates to jar files, with their dependencies.
package dev.jtiny.kernel.jupyter;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import org.eclipse.aether.RepositoryException;
import org.eclipse.aether.RepositorySystem;
import org.eclipse.aether.RepositorySystemSession;
import org.eclipse.aether.artifact.Artifact;
import org.eclipse.aether.artifact.ArtifactType;
import org.eclipse.aether.artifact.DefaultArtifact;
import org.eclipse.aether.collection.CollectRequest;
import org.eclipse.aether.collection.DependencyCollectionException;
import org.eclipse.aether.graph.Dependency;
import org.eclipse.aether.graph.DependencyNode;
import org.eclipse.aether.repository.RemoteRepository;
import org.eclipse.aether.resolution.ArtifactDescriptorException;
import org.eclipse.aether.resolution.ArtifactResolutionException;
import org.eclipse.aether.resolution.ArtifactResult;
import org.eclipse.aether.resolution.DependencyRequest;
import org.eclipse.aether.resolution.DependencyResolutionException;
import org.eclipse.aether.resolution.DependencyResult;
import org.eclipse.aether.resolution.VersionRangeResolutionException;
import org.eclipse.aether.supplier.RepositorySystemSupplier;
import org.eclipse.aether.supplier.SessionBuilderSupplier;
import org.eclipse.aether.transfer.ArtifactNotFoundException;
import org.eclipse.aether.transfer.RepositoryOfflineException;
import org.eclipse.aether.util.artifact.JavaScopes;
import org.eclipse.aether.util.filter.DependencyFilterUtils;
import org.eclipse.aether.util.repository.SimpleResolutionErrorPolicy;

/**
 * What {@code %maven group:artifact:version [...]} runs: resolves Maven coordinates and their
 * transitive compile- and runtime-scope dependencies (Maven Resolver 2, Maven 3 semantics) through
 * the local repository and Maven Central, and gives the jar files.
 *
 * <p>The local repository is the system property {@code maven.repo.local}, else the environment
 * variable {@code JTINY_MAVEN_REPO}, else {@code ~/.m2/repository}. Offline
 * ({@link #offlineFromEnv()}: {@code JTINY_MAVEN_OFFLINE=1}) only the local repository is used.
 * Every failure is an {@link IllegalArgumentException} whose message is one line starting with
 * {@code "maven: "}; the resolver prints nothing.
 */
final class MavenArtifacts {
    static final String CENTRAL_URL = "https://repo.maven.apache.org/maven2/";

    /** One part of a coordinate: no colon, no white space, no path separator. */
    private static final Pattern PART = Pattern.compile("[^:\\s/\\\\]+");
    private static final int MAX_REASON = 200;

    /**
     * HttpClient 4 logs through commons-logging, which (with no other binding) goes to
     * java.util.logging and its console handler; held here so the level stays set.
     */
    private static final Logger HTTP_CLIENT_LOG = Logger.getLogger("org.apache.http");

    static {
        // The resolver logs through slf4j, which has no provider in the kernel: keep its
        // "no providers" notice quiet unless someone asked for it.
        if (System.getProperty("slf4j.internal.verbosity") == null) {
            System.setProperty("slf4j.internal.verbosity", "ERROR");
        }
        if (HTTP_CLIENT_LOG.getLevel() == null) {
            HTTP_CLIENT_LOG.setLevel(Level.OFF);
        }
    }

    private MavenArtifacts() {}

    /** A coordinate as the user wrote it, split into its parts (packaging and classifier may be empty). */
    private record Coordinate(String text, String groupId, String artifactId, String packaging,
                              String classifier, String version) {
        /** Group, artifact and version, the way messages name it. */
        String gav() {
            return groupId + ":" + artifactId + ":" + version;
        }
    }

    /** Whether {@code JTINY_MAVEN_OFFLINE} asks for offline resolution (1, true or yes). */
    static boolean offlineFromEnv() {
        String value = System.getenv("JTINY_MAVEN_OFFLINE");
        if (value == null) return false;
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "1", "true", "yes" -> true;
            default -> false;
        };
    }

    /** The local repository: {@code maven.repo.local}, else {@code JTINY_MAVEN_REPO}, else ~/.m2/repository. */
    static Path localRepository() {
        String dir = System.getProperty("maven.repo.local");
        if (dir == null || dir.isBlank()) dir = System.getenv("JTINY_MAVEN_REPO");
        if (dir == null || dir.isBlank()) {
            return Path.of(System.getProperty("user.home"), ".m2", "repository");
        }
        return Path.of(dir.strip());
    }

    /**
     * The jar files of {@code coordinates} ({@code group:artifact:version},
     * {@code group:artifact:packaging:version} or {@code group:artifact:packaging:classifier:version})
     * and of their transitive compile and runtime dependencies: the requested artifacts first, in
     * the order given, then the dependencies; each file once.
     *
     * @throws IllegalArgumentException with a one-line message for a malformed coordinate or when
     *     something cannot be resolved
     */
    static List<Path> resolve(List<String> coordinates, boolean offline) {
        List<Coordinate> requested = parse(coordinates);
        RepositorySystem system;
        try {
            system = new RepositorySystemSupplier().get();
        } catch (RuntimeException | LinkageError e) {
            throw new IllegalArgumentException("maven: cannot start the resolver: " + oneLine(rootCause(e)));
        }
        try (RepositorySystemSession.CloseableSession session = new SessionBuilderSupplier(system).get()
                .withLocalRepositoryBaseDirectories(localRepository())
                .setOffline(offline)
                .setSystemProperties(System.getProperties())
                // Retry what failed before rather than remember "not found" for a day.
                .setResolutionErrorPolicy(new SimpleResolutionErrorPolicy(false, false))
                // Honour -Dhttps.proxyHost and friends.
                .setConfigProperty("aether.transport.apache.useSystemProperties", Boolean.TRUE)
                .build()) {
            List<Artifact> artifacts = new ArrayList<>();
            CollectRequest collect = new CollectRequest();
            for (Coordinate c : requested) {
                Artifact artifact = artifact(c, session);
                artifacts.add(artifact);
                collect.addDependency(new Dependency(artifact, JavaScopes.COMPILE));
            }
            RemoteRepository central = new RemoteRepository.Builder("central", "default", CENTRAL_URL).build();
            collect.setRepositories(system.newResolutionRepositories(session, List.of(central)));
            DependencyRequest request =
                    new DependencyRequest(collect, DependencyFilterUtils.classpathFilter(JavaScopes.RUNTIME));
            DependencyResult result;
            try {
                result = system.resolveDependencies(session, request);
            } catch (DependencyResolutionException e) {
                throw new IllegalArgumentException(failure(e, requested, artifacts, offline));
            }
            return jars(result.getArtifactResults(), artifacts);
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("maven: ")) throw e;
            throw generic(requested, e);
        } catch (RuntimeException e) {
            throw generic(requested, e);
        } finally {
            system.shutdown();
        }
    }

    private static IllegalArgumentException generic(List<Coordinate> requested, Throwable e) {
        String names = String.join(" ", requested.stream().map(Coordinate::gav).toList());
        return new IllegalArgumentException("maven: cannot resolve " + names + ": " + oneLine(rootCause(e)));
    }

    private static List<Coordinate> parse(List<String> coordinates) {
        if (coordinates == null || coordinates.isEmpty()) {
            throw new IllegalArgumentException("maven: no coordinates given, expected group:artifact:version");
        }
        List<Coordinate> parsed = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (String raw : coordinates) {
            String text = raw == null ? "" : raw.strip();
            String[] p = text.split(":", -1);
            boolean ok = p.length >= 3 && p.length <= 5;
            for (int i = 0; ok && i < p.length; i++) ok = PART.matcher(p[i]).matches();
            if (!ok) {
                throw new IllegalArgumentException(
                        "maven: '" + oneLine(raw == null ? "null" : raw) + "' is not group:artifact:version");
            }
            if (!seen.add(text)) continue;
            parsed.add(switch (p.length) {
                case 3 -> new Coordinate(text, p[0], p[1], "", "", p[2]);
                case 4 -> new Coordinate(text, p[0], p[1], p[2], "", p[3]);
                default -> new Coordinate(text, p[0], p[1], p[2], p[3], p[4]);
            });
        }
        return parsed;
    }

    /** The artifact of a coordinate; a packaging Maven knows as a type (test-jar, maven-plugin, ...) gets its extension. */
    private static Artifact artifact(Coordinate c, RepositorySystemSession session) {
        String packaging = c.packaging().isEmpty() ? "jar" : c.packaging();
        ArtifactType type = session.getArtifactTypeRegistry().get(packaging);
        String extension = type != null ? type.getExtension() : packaging;
        String classifier = !c.classifier().isEmpty() || type == null ? c.classifier() : type.getClassifier();
        return type != null
                ? new DefaultArtifact(c.groupId(), c.artifactId(), classifier, extension, c.version(), type)
                : new DefaultArtifact(c.groupId(), c.artifactId(), classifier, extension, c.version());
    }

    /** The .jar files of {@code results}: those of {@code requested} first, each file once. */
    private static List<Path> jars(List<ArtifactResult> results, List<Artifact> requested) {
        Set<Path> files = new LinkedHashSet<>();
        for (Artifact want : requested) {
            for (ArtifactResult r : results) {
                if (r.getArtifact() != null && sameArtifact(r.getArtifact(), want)) addJar(files, r.getArtifact());
            }
        }
        for (ArtifactResult r : results) {
            if (r.getArtifact() != null) addJar(files, r.getArtifact());
        }
        return List.copyOf(files);
    }

    private static void addJar(Set<Path> files, Artifact artifact) {
        Path path = artifact.getPath();
        if (path != null && path.getFileName().toString().endsWith(".jar") && Files.isRegularFile(path)) {
            files.add(path.toAbsolutePath().normalize());
        }
    }

    /** Same group, artifact, extension and classifier (the version may have lost a conflict). */
    private static boolean sameArtifact(Artifact a, Artifact b) {
        return a.getGroupId().equals(b.getGroupId()) && a.getArtifactId().equals(b.getArtifactId())
                && a.getExtension().equals(b.getExtension()) && a.getClassifier().equals(b.getClassifier());
    }

    // ---- one-line failure messages -------------------------------------------------------------

    /** "maven: cannot resolve g:a:v: reason" for the first thing that failed. */
    private static String failure(DependencyResolutionException e, List<Coordinate> requested,
                                  List<Artifact> artifacts, boolean offline) {
        Artifact failed = null;
        DependencyNode failedNode = null;
        List<Exception> causes = List.of();
        Throwable cause = e.getCause();
        if (cause instanceof ArtifactResolutionException are) {
            for (ArtifactResult r : are.getResults()) {
                if (!r.isResolved() && !r.getExceptions().isEmpty()) {
                    failed = r.getRequest().getArtifact();
                    failedNode = r.getRequest().getDependencyNode();
                    causes = r.getExceptions();
                    break;
                }
            }
        }
        if (failed == null) {
            List<Exception> collect = cause instanceof DependencyCollectionException dce
                    ? dce.getResult().getExceptions()
                    : e.getResult() != null ? e.getResult().getCollectExceptions() : List.of();
            for (Exception x : collect) {
                Artifact a = null;
                if (x instanceof ArtifactDescriptorException ade && ade.getResult() != null) {
                    a = ade.getResult().getRequest().getArtifact();
                } else if (x instanceof VersionRangeResolutionException vre && vre.getResult() != null) {
                    a = vre.getResult().getRequest().getArtifact();
                }
                failed = a;
                causes = List.of(x);
                break;
            }
        }
        if (causes.isEmpty()) causes = List.of(cause instanceof Exception x ? x : e);
        String reason = reason(causes, offline);

        // Name the requested coordinate the failure belongs to.
        if (failed != null) {
            for (int i = 0; i < artifacts.size(); i++) {
                if (sameArtifact(failed, artifacts.get(i))
                        && failed.getBaseVersion().equals(artifacts.get(i).getBaseVersion())) {
                    return "maven: cannot resolve " + requested.get(i).gav() + ": " + reason;
                }
            }
            String dependency = failed.getGroupId() + ":" + failed.getArtifactId() + ":" + failed.getBaseVersion();
            Coordinate owner = requested.size() == 1 ? requested.getFirst() : null;
            DependencyNode root = e.getResult() != null ? e.getResult().getRoot() : null;
            if (owner == null && root != null) {
                for (DependencyNode top : root.getChildren()) {
                    if (contains(top, failedNode, failed, new IdentityHashMap<>())) {
                        owner = ownerOf(top, requested, artifacts);
                        if (owner != null) break;
                    }
                }
            }
            return owner != null
                    ? "maven: cannot resolve " + owner.gav() + ": dependency " + dependency + " " + reasonAfterName(reason)
                    : "maven: cannot resolve " + dependency + ": " + reason;
        }
        String names = String.join(" ", requested.stream().map(Coordinate::gav).toList());
        return "maven: cannot resolve " + names + ": " + reason;
    }

    /** "not found ..." reads on after a name; anything else after a colon. */
    private static String reasonAfterName(String reason) {
        return reason.startsWith("not ") ? reason : "(" + reason + ")";
    }

    private static Coordinate ownerOf(DependencyNode top, List<Coordinate> requested, List<Artifact> artifacts) {
        Artifact a = top.getArtifact();
        if (a == null) return null;
        for (int i = 0; i < artifacts.size(); i++) {
            if (sameArtifact(a, artifacts.get(i))) return requested.get(i);
        }
        return null;
    }

    private static boolean contains(DependencyNode node, DependencyNode target, Artifact artifact,
                                    Map<DependencyNode, Boolean> seen) {
        if (node == null || seen.put(node, Boolean.TRUE) != null) return false;
        if (node == target) return true;
        Artifact a = node.getArtifact();
        if (target == null && a != null && sameArtifact(a, artifact)
                && a.getBaseVersion().equals(artifact.getBaseVersion())) return true;
        for (DependencyNode child : node.getChildren()) {
            if (contains(child, target, artifact, seen)) return true;
        }
        return false;
    }

    /** Short reason: "not found in Maven Central", "not in the local repository (offline)" or the root cause's first line. */
    private static String reason(List<Exception> causes, boolean offline) {
        boolean notFound = !causes.isEmpty();
        for (Exception x : causes) {
            notFound &= isNotFound(x);
        }
        if (notFound) return offline ? "not in the local repository (offline)" : "not found in Maven Central";
        Throwable root = rootCause(causes.getFirst());
        String text = oneLine(root);
        if (root instanceof java.net.UnknownHostException || root instanceof java.net.ConnectException
                || root instanceof java.net.NoRouteToHostException || root instanceof java.net.SocketTimeoutException) {
            return "cannot reach Maven Central (" + text + ")";
        }
        return text;
    }

    private static boolean isNotFound(Throwable x) {
        for (Throwable t = x; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ArtifactNotFoundException || t instanceof RepositoryOfflineException) return true;
            if (t instanceof ArtifactDescriptorException ade && ade.getResult() != null
                    && !ade.getResult().getExceptions().isEmpty()
                    && ade.getResult().getExceptions().stream().allMatch(MavenArtifacts::isNotFound)) {
                return true;
            }
        }
        return false;
    }

    private static Throwable rootCause(Throwable e) {
        Throwable t = Objects.requireNonNull(e);
        Set<Throwable> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        while (t.getCause() != null && seen.add(t)) {
            // A resolver exception with its own message says more than a bare wrapped one.
            if (t instanceof RepositoryException && t.getCause().getMessage() == null) break;
            t = t.getCause();
        }
        return t;
    }

    /** The first non-blank line of a throwable's message (or its class name), at most MAX_REASON characters. */
    private static String oneLine(Throwable t) {
        String message = t.getMessage();
        if (message == null || message.isBlank()) return t.getClass().getSimpleName();
        return oneLine(message);
    }

    private static String oneLine(String text) {
        String line = text.strip().lines().map(String::strip).filter(s -> !s.isEmpty()).findFirst().orElse("");
        if (line.endsWith(":")) line = line.substring(0, line.length() - 1);
        return line.length() <= MAX_REASON ? line : line.substring(0, MAX_REASON - 1) + "…";
    }
}
