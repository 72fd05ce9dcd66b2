package dev.cwb.cli;

import dev.cwb.CwbException;
import dev.cwb.image.archive.ArchiveSaver;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Path;

/** {@code save IMAGE FILE}: write an image as a tar that docker load and skopeo read. */
@Command(name = "save", description = {
        "Write an image to a tar file that is both a 'docker save' archive and an OCI archive (as Docker 25+ writes).",
        "Read it back with 'load', 'docker load', or skopeo's docker-archive: and oci-archive: transports. FILE '-' writes to standard output."})
public final class SaveCommand extends WorkbenchCommand {
    @Parameters(index = "0", paramLabel = "IMAGE", description = "The image to save.")
    String image;

    @Parameters(index = "1", paramLabel = "FILE", description = "The tar file to write, or '-' for standard output.")
    String file;

    @Option(names = {"-f", "--force"}, description = "Replace FILE if it exists.")
    boolean force;

    @Override
    protected int run() throws IOException {
        ArchiveSaver saver = new ArchiveSaver(workbench.images(), workbench.home().pending());
        if (file.equals("-")) {
            return saveToStdout(saver);
        }
        Path target = Path.of(file);
        ArchiveSaver.SaveResult r = saver.save(image, target, force);
        out().println("Saved " + r.reference().familiar() + " (sha256:" + r.imageId().shortId() + ") to " + target
                + ": " + r.blobs() + " blobs, " + LoadCommand.human(r.bytes()));
        return 0;
    }

    /** The tar goes to the process's standard output; the summary to stderr, so it does not corrupt the tar. */
    private int saveToStdout(ArchiveSaver saver) throws IOException {
        if (System.console() != null) {
            throw CwbException.badInput("refusing to write a tar archive to the terminal",
                    "redirect standard output to a file or pipe (save IMAGE - > image.tar), or give a file name");
        }
        OutputStream stdout = new FileOutputStream(FileDescriptor.out);
        ArchiveSaver.SaveResult r = saver.write(image, stdout);
        stdout.flush();
        PrintWriter err = spec.commandLine().getErr();
        err.println("Saved " + r.reference().familiar() + " (sha256:" + r.imageId().shortId() + ") to standard output: "
                + r.blobs() + " blobs, " + LoadCommand.human(r.bytes()));
        return 0;
    }
}
