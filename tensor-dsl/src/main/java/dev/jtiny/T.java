// Static-import facade: `import static dev.jtiny.T.*;` gives the shortest spelling for notebooks and scripts.
package dev.jtiny;

public final class T {
    private T() {}
}
