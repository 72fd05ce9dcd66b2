package dev.cwb.cli;

import dev.cwb.CwbException;
import dev.cwb.image.Json;
import dev.cwb.view.Sizes;
import dev.cwb.view.Table;
import dev.cwb.volume.Volumes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code volume create|ls|inspect|rm|prune}: the named volumes, as {@code docker volume} shows and takes them
 * (the {@code local} driver only). A volume is a directory, {@code $CWB_HOME/volumes/NAME/_data}, that
 * {@code run -v NAME:/path} bind-mounts into a container: it is no part of the overlay, so what is written
 * there is not in the container's upper directory and outlives the container.
 */
@Command(name = "volume", description = "Named volumes (docker volume): volume create, ls, inspect, rm, prune.",
        subcommands = {VolumeCommand.Create.class, VolumeCommand.Ls.class, VolumeCommand.Inspect.class, VolumeCommand.Rm.class,
                VolumeCommand.Prune.class},
        footer = {"", "Each is $CWB_HOME/volumes/NAME/_data, bind-mounted by run -v NAME:/path: made there",
                "on first use, and filled from the image's files at /path while it is empty.",
                "What a container writes there bypasses the overlay and stays after rm.",
                "Example: volume create data    run -v data:/data busybox sh    volume inspect data"})
public final class VolumeCommand extends WorkbenchCommand {
    @Mixin
    JsonOption json;

    @Override
    protected int run() {
        return list(this, false, List.of(), json.enabled());
    }

    static Volumes store(WorkbenchCommand c) {
        return new Volumes(c.workbench.home());
    }

    static int list(WorkbenchCommand c, boolean quiet, List<String> filters, boolean json) {
        Volumes store = store(c);
        List<Volumes.Volume> shown = new ArrayList<>();
        for (Volumes.Volume v : store.all()) {
            if (matches(store, v, filters)) {
                shown.add(v);
            }
        }
        if (json) {
            c.out().println(Json.pretty(shown));
        } else if (quiet) {
            shown.forEach(v -> c.out().println(v.name()));
        } else {
            Table table = new Table("DRIVER", "VOLUME NAME");
            shown.forEach(v -> table.row(v.driver(), v.name()));
            c.out().println(table.render(c.workbench.unicode(), 0, c.workbench.terminalWidth()));
        }
        return 0;
    }

    /** Docker's {@code --filter}s for volumes: {@code dangling=true|false}, {@code name=TEXT}, {@code label=KEY[=VALUE]}. */
    private static boolean matches(Volumes store, Volumes.Volume v, List<String> filters) {
        for (String f : filters) {
            String[] kv = f.split("=", 2);
            if (kv.length < 2) {
                throw CwbException.badInput("--filter " + f + ": KEY=VALUE", "dangling=true, name=TEXT or label=KEY[=VALUE]");
            }
            switch (kv[0]) {
                case "dangling" -> {
                    boolean unused = store.users(v.name()).isEmpty();
                    if (unused != Boolean.parseBoolean(kv[1])) {
                        return false;
                    }
                }
                case "name" -> {
                    if (!v.name().contains(kv[1])) {
                        return false;
                    }
                }
                case "label" -> {
                    String[] lv = kv[1].split("=", 2);
                    String have = v.labels() == null ? null : v.labels().get(lv[0]);
                    if (have == null || (lv.length == 2 && !have.equals(lv[1]))) {
                        return false;
                    }
                }
                default -> throw CwbException.badInput("--filter " + f + ": unknown filter '" + kv[0] + "'", "dangling, name or label");
            }
        }
        return true;
    }

    @Command(name = "create", description = "Make a volume (a random name without NAME); an existing one is left as it is.")
    static final class Create extends WorkbenchCommand {
        @Parameters(arity = "0..1", paramLabel = "NAME", description = "[a-zA-Z0-9][a-zA-Z0-9_.-]+")
        String name;

        @Option(names = {"-d", "--driver"}, paramLabel = "DRIVER", description = "Only local (a directory here).")
        String driver = "local";

        @Option(names = "--label", paramLabel = "KEY=VALUE", description = "A label, shown by inspect.")
        List<String> labels = new ArrayList<>();

        @Option(names = {"-o", "--opt"}, paramLabel = "KEY=VALUE", description = "Driver options: the local driver's mount options are not offered.")
        List<String> opts = new ArrayList<>();

        @Override
        protected int run() {
            if (!driver.equals("local")) {
                throw new CwbException(CwbException.UNSUPPORTED, "volume driver " + driver + ": the workbench has only the local driver",
                        "leave out --driver");
            }
            if (!opts.isEmpty()) {
                throw new CwbException(CwbException.UNSUPPORTED, "--opt " + opts.get(0) + ": the local driver's mount options (type, o, device) are not offered",
                        "make a directory and bind-mount it: run -v /path:/data");
            }
            Map<String, String> l = new LinkedHashMap<>();
            for (String label : labels) {
                String[] kv = label.split("=", 2);
                l.put(kv[0], kv.length > 1 ? kv[1] : "");
            }
            Volumes store = store(this);
            out().println(store.create(name != null ? name : Volumes.randomName(), l).name());
            return 0;
        }
    }

    @Command(name = "ls", aliases = "list", description = "List the volumes: DRIVER and VOLUME NAME.")
    static final class Ls extends WorkbenchCommand {
        @Option(names = {"-q", "--quiet"}, description = "Only the names.")
        boolean quiet;

        @Option(names = {"-f", "--filter"}, paramLabel = "KEY=VALUE", description = "dangling=true (used by no container), name=TEXT, label=KEY[=VALUE].")
        List<String> filters = new ArrayList<>();

        @Mixin
        JsonOption json;

        @Override
        protected int run() {
            return list(this, quiet, filters, json.enabled());
        }
    }

    @Command(name = "inspect", description = "A volume's details as Docker prints them (JSON): Mountpoint is its directory on the host.")
    static final class Inspect extends WorkbenchCommand {
        @Parameters(arity = "1..*", paramLabel = "NAME", description = "The volumes.")
        List<String> names;

        @Override
        protected int run() {
            Volumes store = store(this);
            List<Volumes.Volume> found = new ArrayList<>();
            for (String n : names) {
                found.add(store.get(n));
            }
            out().println(Json.pretty(found));
            return 0;
        }
    }

    @Command(name = "rm", aliases = "remove", description = "Remove volumes and their data; one a container uses is refused.")
    static final class Rm extends WorkbenchCommand {
        @Parameters(arity = "1..*", paramLabel = "NAME", description = "The volumes.")
        List<String> names;

        @Option(names = {"-f", "--force"}, description = "No error for a volume that does not exist (one in use is still refused).")
        boolean force;

        @Override
        protected int run() {
            Volumes store = store(this);
            for (String n : names) {
                Volumes.checkName(n);
                if (force && store.find(n).isEmpty()) {
                    continue;
                }
                store.remove(n);
                out().println(n);
            }
            return 0;
        }
    }

    @Command(name = "prune", description = "Remove the anonymous volumes no container uses (-a: every unused volume).",
            footer = {"", "At a terminal it names the volumes it would remove and asks first, as docker volume prune does",
                    "(-f: no question). Without a terminal to ask at (a script, a pipe) it removes nothing unless -f is given.",
                    "Example: volume prune    volume prune -a -f    volume prune --filter label=test"})
    static final class Prune extends WorkbenchCommand {
        @Option(names = {"-a", "--all"}, description = "Named volumes too, not only anonymous ones.")
        boolean all;

        @Option(names = {"-f", "--force"}, description = "Do not ask: remove them.")
        boolean force;

        @Option(names = "--filter", paramLabel = "KEY=VALUE", description = "label=KEY[=VALUE], name=TEXT.")
        List<String> filters = new ArrayList<>();

        @Override
        protected int run() throws Exception {
            Volumes store = store(this);
            List<Volumes.Volume> unused = new ArrayList<>();
            for (Volumes.Volume v : store.all()) {
                if ((all || v.anonymous()) && store.users(v.name()).isEmpty() && matches(store, v, filters)) {
                    unused.add(v);
                }
            }
            if (!force && !unused.isEmpty()) {
                String what = (all ? "every local volume" : "the anonymous local volumes") + " no container uses: " + unused.size()
                        + (unused.size() == 1 ? " volume, " : " volumes, ") + String.join(", ", unused.stream().map(v -> VolumeStepNames.shortName(v.name())).toList())
                        + " (" + Sizes.human(unused.stream().mapToLong(v -> store.size(v.name())).sum()) + ")";
                java.util.Optional<Boolean> yes = workbench.confirm("WARNING! This will remove " + what + ", and their data.\nAre you sure you want to continue?");
                if (yes.isEmpty()) {
                    throw dev.cwb.CwbException.badInput("volume prune would remove " + what + ", and there is no terminal to ask at",
                            "volume prune -f removes them without asking (volume ls -f dangling=true lists them)");
                }
                if (!yes.get()) {
                    workbench.err().println("Nothing removed.");
                    return 0;
                }
            }
            List<String> deleted = new ArrayList<>();
            long reclaimed = 0;
            for (Volumes.Volume v : unused) {
                if (!store.users(v.name()).isEmpty()) {
                    continue; // a container took it meanwhile
                }
                long size = store.size(v.name());
                store.remove(v.name());
                deleted.add(v.name());
                reclaimed += size;
            }
            if (!deleted.isEmpty()) {
                out().println("Deleted Volumes:");
                deleted.forEach(out()::println);
                out().println();
            }
            out().println("Total reclaimed space: " + Sizes.human(reclaimed));
            return 0;
        }
    }

    /** A volume's name as {@code ps} shows ids: an anonymous one's 64 hex digits cut to 12. */
    static final class VolumeStepNames {
        private VolumeStepNames() {
        }

        static String shortName(String volume) {
            return volume.length() == 64 ? volume.substring(0, 12) : volume;
        }
    }
}
