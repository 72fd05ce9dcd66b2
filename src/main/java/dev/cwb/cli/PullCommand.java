package dev.cwb.cli;

import dev.cwb.image.Platform;
import dev.cwb.image.Reference;
import dev.cwb.registry.HttpTrace;
import dev.cwb.registry.ImagePuller;
import dev.cwb.registry.PlatformSelector;
import dev.cwb.registry.PullProgress;
import dev.cwb.registry.PullResult;
import dev.cwb.registry.RegistrySettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;

/** {@code pull REF}: download an image from a registry into the store, as {@code docker pull} does. */
@Command(name = "pull", description = {
        "Download an image from a registry (Docker Hub unless the name starts with a host) into the store.",
        "Every blob is checked against its digest; if anything fails or you press Ctrl-C, nothing is added."},
        footer = {"", "Environment: CWB_REGISTRY_MIRROR=http://HOST:PORT (a classroom mirror of Docker Hub),",
                "CWB_INSECURE_REGISTRIES=HOST:PORT,... (plain HTTP), DOCKER_CONFIG (where config.json with saved logins lives)."})
public final class PullCommand extends WorkbenchCommand {
    /** Blobs downloaded at once: a few connections fill a link without hammering the registry. */
    static final int PARALLEL_DOWNLOADS = 3;

    @Parameters(index = "0", paramLabel = "REF", description = "The image: alpine, alpine:3.20, alpine@sha256:..., localhost:5000/team/app:1.0")
    String reference;

    @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]", description = "Which platform to take from a multi-platform image (default: this machine's).")
    String platform;

    @Mixin
    RegistryOptions registry;

    @Override
    protected int run() throws InterruptedException {
        PrintWriter out = out();
        Reference ref = Reference.parse(reference);
        Platform wanted = platform == null ? Platform.host() : PlatformSelector.parse(platform);
        RegistrySettings settings = registry.settings(workbench);
        HttpTrace trace = registry.trace(out);
        PullProgress progress = new PullProgress(out, workbench.color() && !registry.explain());
        PullResult result = new ImagePuller(workbench::images, settings, trace, progress, registry.explain() ? 1 : PARALLEL_DOWNLOADS).pull(ref, wanted);
        out.println("Digest: " + result.digest());
        out.println("Status: " + (result.upToDate() ? "Image is up to date for " : "Downloaded newer image for ") + ref.familiar());
        out.println(ref);
        return 0;
    }
}
