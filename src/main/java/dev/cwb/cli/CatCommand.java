package dev.cwb.cli;

import dev.cwb.CwbException;
import dev.cwb.image.Image;
import dev.cwb.layer.ContentBuffer;
import dev.cwb.layer.FileFinder;
import dev.cwb.layer.FilesystemView;
import dev.cwb.layer.LayerEntry;
import dev.cwb.layer.LayerFile;
import dev.cwb.layer.LayerReader;
import dev.cwb.layer.LayerSelector;
import dev.cwb.view.ContentKinds;
import dev.cwb.view.Printable;
import dev.cwb.view.Sizes;
import dev.cwb.view.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Reader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/**
 * {@code cat IMAGE[@LAYER] PATH}: prints a file as the image leaves it after a layer (default: the top),
 * read straight from the layer tars — nothing is unpacked. Layers are read from the top down and only
 * until one decides the path ({@link FileFinder}); symbolic and hard links are followed inside the image.
 *
 * <p>Written to a file or a pipe ({@code ./cwb cat busybox /bin/sh > sh}), the content is its exact bytes.
 * On a screen it is shown, not replayed: escape sequences appear as {@code \x1b}, and, like {@code git show},
 * content with a NUL byte in its first 8000 bytes counts as binary and is not written to the terminal: the command says what the file is instead, and {@code -o FILE} saves its exact
 * bytes ({@code --hex} shows its start). A directory is listed.
 */
@Command(name = "cat", description = "Print a file of an image, as the image leaves it after a layer (default: the top one).",
        footer = {"", "Examples:",
                "  cat busybox /etc/passwd",
                "  cat busybox /bin/sh              a symlink to a program: says what it is",
                "  cat -o sh.bin busybox /bin/sh    saves the exact bytes",
                "  cat layers-demo@4 /var/lib/apt/lists   the directory after layer 4",
                "LAYER is a number (1 is the bottom) or a prefix of the layer's digest or",
                "diff_id.", ""})
public final class CatCommand extends WorkbenchCommand {
    static final int HEX_BYTES = 512;

    @Parameters(index = "0", paramLabel = "IMAGE[@LAYER]", description = "The image, optionally '@' and the layer to stop at.")
    String imageArg;

    @Parameters(index = "1", paramLabel = "PATH", description = "The path inside the image, e.g. /etc/passwd.")
    String path;

    @Option(names = {"-f", "--force"}, description = "With -o: replace FILE if it exists.")
    boolean force;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write the file's exact bytes to FILE (binary or not).")
    Path output;

    @Option(names = "--hex", description = "Show a hex dump of the first " + HEX_BYTES + " bytes instead of the content.")
    boolean hex;

    @Override
    protected int run() throws IOException {
        Target target = target(imageArg);
        LayerReader reader = new LayerReader(workbench.images(), target.image());
        String name = target.image().reference().familiar();
        if (reader.count() == 0) {
            throw CwbException.notFound(name + " has no layers, so it has no files", null);
        }
        int top = target.layer() == null ? reader.count() : LayerSelector.select(target.image(), target.layer());
        FileFinder finder = new FileFinder(reader, top);
        try {
            FileFinder.Found found = find(finder, path);
            String where = "/" + found.path();
            String after = top == reader.count() ? "" : " after layer " + top;
            String hops = found.hops().isEmpty() ? null : describeHops(found.hops()) + " (in " + name + after + ")";
            LayerFile file = found.file();
            if (file.isDirectory()) {
                if (hops != null) {
                    out().println(Printable.of(hops));
                }
                return listDirectory(finder, found, name, top, top == reader.count() ? name : name + "@" + top);
            }
            if (!file.isRegularFile()) {
                throw CwbException.badInput("'" + where + "' in " + name + after + " is a " + file.typeName() + " (layer " + found.layer()
                        + "): it has no content to print", null);
            }
            try (ContentBuffer content = finder.content(found)) {
                return print(content, where, found.layer(), name, hops);
            }
        } finally {
            finder.release();
        }
    }

    /**
     * The file {@code userPath} names; if there is none, the file it names as {@code diff} and {@code cat}
     * print names ({@code a\\xff} for a name with the byte 0xff, see {@link Printable#name}), so a name
     * that is not UTF-8, or holds a newline, can be typed.
     */
    private static FileFinder.Found find(FileFinder finder, String userPath) {
        try {
            return finder.find(userPath);
        } catch (CwbException e) {
            String unescaped = Printable.unescapeName(userPath);
            if (e.exitCode() != CwbException.NOT_FOUND || unescaped.equals(userPath)) {
                throw e;
            }
            return finder.find(unescaped);
        }
    }

    /** Prints the content, or what it is; the links followed go to stderr unless the content is not printed. */
    private int print(ContentBuffer content, String where, int layer, String name, String hops) throws IOException {
        byte[] head = content.head();
        String what = where + " (layer " + layer + " of " + name + ")";
        // to a file or a pipe the bytes go as they are, binary or not, as cat(1) writes them; a screen gets text
        boolean raw = output == null && !hex && workbench.rawOutput();
        boolean refused = output == null && !hex && !raw && ContentKinds.isBinary(head);
        if (hops != null && refused) {
            out().println(Printable.of(hops));
        } else if (hops != null) {
            workbench.err().println(Printable.of(hops));
            workbench.err().flush();
        }
        if (output != null) {
            save(content, output, force);
            workbench.err().println("wrote " + content.size() + " bytes of " + Printable.name(what) + " to " + output + ": " + ContentKinds.describe(head));
            workbench.err().flush();
            return 0;
        }
        if (hex) {
            out().print(ContentKinds.hexDump(head, HEX_BYTES));
            if (content.size() > HEX_BYTES) {
                out().println("(first " + HEX_BYTES + " of " + content.size() + " bytes of " + Printable.name(what) + "; -o FILE saves all of it)");
            }
            return 0;
        }
        if (raw) {
            out().flush();
            OutputStream bytes = workbench.outBytes();
            try (InputStream in = content.open()) {
                byte[] buf = new byte[65536];
                for (int n; (n = in.read(buf)) >= 0; ) {
                    if (Thread.currentThread().isInterrupted()) {
                        throw new java.io.InterruptedIOException("cancelled");
                    }
                    bytes.write(buf, 0, n);
                }
            }
            bytes.flush();
            return 0;
        }
        if (refused) {
            out().println(Printable.name(what) + ": " + ContentKinds.describe(head) + ", " + Sizes.human(content.size()) + " (" + content.size() + " bytes).");
            out().println("Binary content is not printed to the terminal: '-o FILE' saves its exact bytes, '--hex' shows the first "
                    + HEX_BYTES + ".");
            return 0;
        }
        try (Reader text = new InputStreamReader(content.open(), StandardCharsets.UTF_8)) {
            // shown, not replayed: escape sequences in the file appear as \x1b..., '-o FILE' keeps the exact bytes
            java.io.Writer shown = Printable.textWriter(out());
            text.transferTo(shown);
            shown.flush();
        }
        out().flush();
        return 0;
    }

    /** Writes beside the target, then renames: an interrupted or failed write leaves no half file. */
    private static void save(ContentBuffer content, Path output, boolean force) throws IOException {
        if (Files.isDirectory(output)) {
            throw CwbException.badInput(output + " is a directory", "give -o the name of a file to write, e.g. " + output.resolve("file"));
        }
        if (Files.exists(output, java.nio.file.LinkOption.NOFOLLOW_LINKS) && !force) {
            throw CwbException.badInput(output + " already exists", "choose another file name, or add --force to replace it");
        }
        Path dir = output.toAbsolutePath().getParent();
        Path tmp;
        try {
            tmp = Files.createTempFile(dir, ".cwb-cat", ".tmp");
        } catch (IOException e) {
            throw CwbException.io("cannot write " + output, e, "choose a file in a directory that exists and that you may write to");
        }
        try {
            try (InputStream in = content.open(); OutputStream out = Files.newOutputStream(tmp)) {
                in.transferTo(out);
            }
            Files.move(tmp, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private int listDirectory(FileFinder finder, FileFinder.Found dir, String name, int top, String imageAtLayer) {
        List<Map.Entry<String, FilesystemView.Node>> children = finder.list(dir);
        out().println("/" + Printable.name(dir.path()) + (dir.path().isEmpty() ? "" : "/") + " is a directory in " + name + " after layer " + top + "; "
                + (children.isEmpty() ? "it is empty." : "it holds " + children.size() + " entr" + (children.size() == 1 ? "y" : "ies") + ":"));
        if (children.isEmpty()) {
            return 0;
        }
        Table table = new Table("TYPE", "SIZE", "LAYER", "NAME").alignRight(1, 2);
        String arrow = workbench.unicode() ? " → " : " -> ";
        for (Map.Entry<String, FilesystemView.Node> e : children) {
            LayerFile f = e.getValue().file();
            String shown = e.getKey() + (f.isDirectory() ? "/" : "")
                    + (f.kind() == LayerEntry.Kind.SYMLINK ? arrow + f.linkTarget() : "")
                    + (f.kind() == LayerEntry.Kind.HARDLINK ? " (hard link to /" + f.linkTarget() + ")" : "");
            table.row(f.typeName(), f.isRegularFile() ? Sizes.human(f.size()) : "", e.getValue().layer(), shown);
        }
        out().println(table.render(workbench.unicode(), 0, workbench.terminalWidth()));
        out().println("LAYER: the layer that last changed the entry. 'cat " + imageAtLayer + " /" + (dir.path().isEmpty() ? "" : dir.path() + "/")
                + "NAME' prints a file.");
        return 0;
    }

    private String describeHops(List<FileFinder.Hop> hops) {
        String arrow = workbench.unicode() ? " → " : " -> ";
        StringBuilder sb = new StringBuilder("following links: ");
        for (int i = 0; i < hops.size(); i++) {
            FileFinder.Hop h = hops.get(i);
            sb.append(i == 0 ? "" : ", ").append('/').append(h.link()).append(h.hardlink() ? " is a hard link to /" : " is a symlink to ")
                    .append(h.target());
        }
        return sb.toString().replace(" is a symlink to ", arrow).replace(" is a hard link to ", " (hard link)" + arrow);
    }

    record Target(Image image, String layer) {
    }

    /**
     * {@code IMAGE@LAYER}: the part after the last '@' is a layer unless the whole text names an image
     * ({@code busybox@sha256:...} is an image reference by digest).
     */
    private Target target(String text) {
        int at = text.lastIndexOf('@');
        if (at <= 0) {
            return new Target(workbench.images().image(text), null);
        }
        String layer = text.substring(at + 1);
        if (layer.startsWith("sha256:") && layer.length() == 71) {
            try {
                return new Target(workbench.images().image(text), null);
            } catch (CwbException notAnImage) {
                // not an image by digest: read it as IMAGE@LAYER-DIGEST
            }
        }
        if (layer.isEmpty()) {
            throw new CwbException(CwbException.USAGE, "'" + text + "' ends with '@' but names no layer", "e.g. 'cat busybox@1 /etc/passwd'");
        }
        return new Target(workbench.images().image(text.substring(0, at)), layer);
    }
}
