package dev.cwb.container;

import dev.cwb.CwbException;
import dev.cwb.image.ImageConfig;
import dev.cwb.kernel.InRoot;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a container's process runs with, taken from the image's config as the OCI image spec defines it
 * (config.md, "Properties"): {@code Entrypoint} + {@code Cmd} (a command given by the learner replaces
 * {@code Cmd}), {@code Env}, {@code WorkingDir} and {@code User}.
 */
public record ProcessSpec(List<String> argv, List<String> env, String workingDir, String user) {
    /** PATH when the image sets none: the one runc's and Docker's defaults use. */
    public static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /** The image's defaults, with {@code command} (if not empty) in place of Cmd. */
    public static ProcessSpec of(ImageConfig.RunConfig config, List<String> command) {
        List<String> argv = new ArrayList<>();
        List<String> env = new ArrayList<>();
        String workdir = "/";
        String user = "";
        if (config != null) {
            if (config.entrypoint() != null) {
                argv.addAll(config.entrypoint());
            }
            if (config.env() != null) {
                env.addAll(config.env());
            }
            if (config.workingDir() != null && !config.workingDir().isBlank()) {
                workdir = config.workingDir();
            }
            if (config.user() != null) {
                user = config.user();
            }
        }
        if (command != null && !command.isEmpty()) {
            argv.addAll(command);
        } else if (config != null && config.cmd() != null) {
            argv.addAll(config.cmd());
        }
        if (argv.isEmpty()) {
            throw CwbException.badInput("the image names no command (no Entrypoint or Cmd in its config)",
                    "give one, e.g. exec /bin/sh");
        }
        if (env.stream().noneMatch(e -> e.startsWith("PATH="))) {
            env.add(0, "PATH=" + DEFAULT_PATH);
        }
        return new ProcessSpec(List.copyOf(argv), List.copyOf(env), workdir, user);
    }

    /** The value of an environment variable, or null. */
    public String getenv(String name) {
        for (String e : env) {
            if (e.startsWith(name + "=")) {
                return e.substring(name.length() + 1);
            }
        }
        return null;
    }

    /**
     * {@link #env()} as the command gets it, with what runc and Docker add when the image does not set it:
     * {@code HOME} from the user's entry in the container's own /etc/passwd ({@code credentials[0]}, root
     * when null; read inside {@code root}, {@link InRoot}), {@code /} when it has none (runc's
     * {@code user.GetExecUser} default); and with a terminal ({@code term} not null) {@code TERM}, the
     * host's, where {@code docker run -t} sets {@code xterm}.
     */
    public List<String> environment(Path root, int[] credentials, String term) {
        List<String> out = new ArrayList<>(env);
        if (getenv("HOME") == null) {
            int uid = credentials == null ? 0 : credentials[0];
            String[] parts = user == null ? new String[] {""} : user.split(":", 2);
            String[] entry = !parts[0].isEmpty() && !parts[0].matches("\\d+") ? lookup(root, "/etc/passwd", parts[0])
                    : lookupUid(root, "/etc/passwd", uid);
            String home = entry != null && entry.length >= 6 && entry[5].startsWith("/") ? entry[5] : "/";
            out.add("HOME=" + home);
        }
        if (term != null && getenv("TERM") == null) {
            out.add("TERM=" + term);
        }
        return List.copyOf(out);
    }

    /**
     * The program's path: {@code argv[0]} itself when it has a slash, else the first PATH directory that
     * has it under {@code root} (the container's root as the host reaches it), as execvp(3) would search —
     * looked up inside that root ({@link InRoot}), so an image's absolute links lead where the container's
     * own lookups lead, never into the host's tree.
     */
    public String resolveProgram(Path root) {
        String name = argv.get(0);
        if (name.contains("/")) {
            return name;
        }
        String path = getenv("PATH");
        try (InRoot inside = InRoot.open(root)) {
            for (String dir : (path == null ? DEFAULT_PATH : path).split(":")) {
                if (dir.isEmpty() || !dir.startsWith("/")) {
                    continue; // execvp(3) would try a relative one against the working directory: not a lookup we make
                }
                String candidate = (dir.endsWith("/") ? dir : dir + "/") + name;
                if (inside.exists(candidate)) {
                    return candidate;
                }
            }
        } catch (IOException e) {
            throw new CwbException(CwbException.IO, "exec: cannot look for \"" + name + "\" inside the container's root: "
                    + CwbException.reason(e), "give the program's full path");
        }
        throw CwbException.notFound("exec: \"" + name + "\": executable file not found in $PATH (" + path + ")",
                "give the program's full path, or check the spelling: it must exist inside the container's root");
    }

    /**
     * The numeric uid, gid and groups of {@link #user()} ({@code uid}, {@code uid:gid}, {@code name},
     * {@code name:group}), names looked up in the container's /etc/passwd and /etc/group; null when the
     * image names no user (the process stays root).
     */
    public int[] credentials(Path root) {
        return userAndGroup(root);
    }

    /**
     * {@link #credentials(Path)} followed by the supplementary groups: those /etc/group lists the user
     * in (as runc's {@code user.GetExecUser} finds them), then {@code groupAdd} (names or gids, Docker's
     * {@code --group-add}). {@code {uid, gid, gid, groups...}}: the primary group comes first in the list
     * setgroups(2) is given, as runc gives it. With no user and no groups, null (root stays as it is).
     */
    public int[] credentials(Path root, List<String> groupAdd) {
        int[] base = userAndGroup(root);
        if (base == null && groupAdd.isEmpty()) {
            return null;
        }
        if (base == null) {
            base = new int[] {0, 0};
        }
        java.util.LinkedHashSet<Integer> groups = new java.util.LinkedHashSet<>();
        groups.add(base[1]);
        String name = userName(root, base[0]);
        for (String line : linesInside(root, "/etc/group")) { // none when the image has no /etc/group
            String[] f = line.split(":", -1);
            if (name != null && f.length >= 4 && f[2].matches("\\d+") && List.of(f[3].split(",")).contains(name)) {
                groups.add(Integer.parseInt(f[2]));
            }
        }
        for (String g : groupAdd) {
            if (g.matches("\\d+")) {
                groups.add(Integer.parseInt(g));
            } else {
                String[] entry = lookup(root, "/etc/group", g);
                if (entry == null) {
                    throw CwbException.notFound("--group-add " + g + ": unable to find group " + g + " in the image's /etc/group",
                            "use a numeric gid");
                }
                groups.add(Integer.parseInt(entry[2]));
            }
        }
        int[] out = new int[2 + groups.size()];
        out[0] = base[0];
        out[1] = base[1];
        int i = 2;
        for (int g : groups) {
            out[i++] = g;
        }
        return out;
    }

    private String userName(Path root, int uid) {
        String[] parts = user == null ? new String[] {""} : user.split(":", 2);
        if (!parts[0].isEmpty() && !parts[0].matches("\\d+")) {
            return parts[0];
        }
        String[] entry = lookupUid(root, "/etc/passwd", uid);
        return entry == null ? null : entry[0];
    }

    private int[] userAndGroup(Path root) {
        if (user == null || user.isBlank()) {
            return null;
        }
        String[] parts = user.split(":", 2);
        int uid;
        int gid = -1;
        if (parts[0].matches("\\d+")) {
            uid = Integer.parseInt(parts[0]);
        } else {
            String[] entry = lookup(root, "/etc/passwd", parts[0]);
            if (entry == null) {
                throw CwbException.notFound("unable to find user " + parts[0] + ": no matching entries in passwd file",
                        "use a numeric uid, or an image whose /etc/passwd has that user");
            }
            uid = Integer.parseInt(entry[2]);
            gid = Integer.parseInt(entry[3]);
        }
        if (parts.length == 2) {
            if (parts[1].matches("\\d+")) {
                gid = Integer.parseInt(parts[1]);
            } else {
                String[] entry = lookup(root, "/etc/group", parts[1]);
                if (entry == null) {
                    throw CwbException.notFound("unable to find group " + parts[1] + ": no matching entries in group file",
                            "use a numeric gid");
                }
                gid = Integer.parseInt(entry[2]);
            }
        }
        if (gid < 0) {
            String[] entry = lookupUid(root, "/etc/passwd", uid);
            gid = entry == null ? uid : Integer.parseInt(entry[3]);
        }
        return new int[] {uid, gid};
    }

    /** Bigger than any /etc/passwd a container image has; a larger one is read up to here. */
    private static final int MAX_ACCOUNTS_FILE = 4 << 20;

    /**
     * The lines of {@code file} inside {@code root}, read there ({@link InRoot}): a link in the image to an
     * absolute path stays in the image, so it can never make the workbench read the host's own files.
     * A missing or unreadable file has no entries, as for runc's user lookup.
     */
    private static List<String> linesInside(Path root, String file) {
        try (InRoot inside = InRoot.open(root)) {
            return inside.readString(file, MAX_ACCOUNTS_FILE).lines().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static String[] lookup(Path root, String file, String name) {
        for (String line : linesInside(root, file)) {
            String[] f = line.split(":", -1);
            if (f.length >= 4 && f[0].equals(name) && f[2].matches("\\d+") && (f[3].matches("\\d+") || file.endsWith("group"))) {
                return f;
            }
        }
        return null;
    }

    private static String[] lookupUid(Path root, String file, int uid) {
        for (String line : linesInside(root, file)) {
            String[] f = line.split(":", -1);
            if (f.length >= 4 && f[2].equals(Integer.toString(uid)) && f[3].matches("\\d+")) {
                return f;
            }
        }
        return null;
    }
}
