package dev.cwb.cli;

import dev.cwb.image.Descriptor;
import dev.cwb.image.ImageStore;
import dev.cwb.image.Reference;
import dev.cwb.registry.HttpTrace;
import dev.cwb.registry.ImagePusher;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;

/** {@code push IMAGE REF}: upload a stored image to a registry under a new name, e.g. to fill a classroom registry. */
@Command(name = "push", description = {"Upload an image from the store to a registry under REF (blobs first, then the manifest).",
        "Blobs the registry already has are not sent again; the manifest keeps its digest."})
public final class PushCommand extends WorkbenchCommand {
    @Parameters(index = "0", paramLabel = "IMAGE", description = "The stored image (name:tag or image id).")
    String image;

    @Parameters(index = "1", paramLabel = "REF", description = "Where to push it: HOST[:PORT]/NAME:TAG, e.g. localhost:5000/alpine:latest")
    String reference;

    @Mixin
    RegistryOptions registry;

    @Override
    protected int run() throws InterruptedException {
        PrintWriter out = out();
        ImageStore store = workbench.images();
        ImageStore.ImageEntry entry = store.find(image);
        Reference target = Reference.parse(reference);
        out.println("The push refers to repository [" + target.name() + "]");
        out.flush();
        HttpTrace trace = registry.trace(out);
        Descriptor pushed = new ImagePusher(store, registry.settings(workbench), trace, (digest, status) -> {
            out.println(digest.shortId() + ": " + status);
            out.flush();
        }).push(entry, target);
        out.println(target.tag() + ": digest: " + pushed.digest() + " size: " + pushed.size());
        return 0;
    }
}
