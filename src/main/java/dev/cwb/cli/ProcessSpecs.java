package dev.cwb.cli;

import dev.cwb.CwbException;
import dev.cwb.cgroup.Cgroup;
import dev.cwb.container.ProcessSpec;
import dev.cwb.kernel.WaitStatus;

import java.util.ArrayList;
import java.util.List;

/** What {@code exec} and {@code run} share: options over the image's defaults, and the line on how the command ended. */
final class ProcessSpecs {
    private ProcessSpecs() {
    }

    /** {@code spec} with the learner's --user, --workdir and --env applied. */
    static ProcessSpec withOverrides(ProcessSpec spec, String user, String workdir, List<String> env) {
        List<String> e = new ArrayList<>(spec.env());
        for (String kv : env) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw CwbException.badInput("not NAME=VALUE: '" + kv + "'", "for example: -e GREETING=hello");
            }
            String name = kv.substring(0, eq + 1);
            e.removeIf(x -> x.startsWith(name));
            e.add(kv);
        }
        if (workdir != null && !workdir.startsWith("/")) {
            throw CwbException.badInput("the working directory must be an absolute path: " + workdir, "for example: -w /tmp");
        }
        return new ProcessSpec(spec.argv(), List.copyOf(e), workdir != null ? workdir : spec.workingDir(),
                user != null ? user : spec.user());
    }

    /**
     * Why the kernel may refuse to exec a program (ENOEXEC): most often an image made for another processor,
     * which a container cannot fix — it shares this machine's kernel and CPU.
     */
    static String notRunnableHere(dev.cwb.image.Image image) {
        dev.cwb.image.Platform platform = image.config().platform();
        dev.cwb.image.Platform here = dev.cwb.image.Platform.host();
        if (!here.matches(platform)) {
            return "the image is for " + platform + ", this machine is " + here + " — a container shares the host's kernel "
                    + "and processor (pull the image for " + here + ")";
        }
        return "the file is no program this kernel runs: not an ELF executable for this processor, and no #! line";
    }

    /**
     * {@code sh (pid 4321 on the host, 2 inside) exited 0}, or killed by a signal — by the OOM killer, when it
     * was; a SIGKILL the cgroup's unreadable oom_kill count cannot explain says so ({@code oomUnknown}).
     */
    static String ending(String command, int hostPid, int containerPid, WaitStatus status, boolean oom, String oomUnknown,
                         boolean cancelled, Cgroup cgroup) {
        String who = command + " (pid " + hostPid + " on the host" + (containerPid != hostPid ? ", " + containerPid + " inside" : "") + ")";
        if (oom) {
            return who + " was killed by the OOM killer (" + status + "): it went over the cgroup's memory limit"
                    + (cgroup == null ? "." : " (" + cgroup.name() + ", oom_kill count " + cgroup.oomKills() + ").");
        }
        if (cancelled) {
            return who + " was stopped by Ctrl-C (" + status + ").";
        }
        if (oomUnknown != null && status.signaled() && status.signal() == 9) {
            return who + " " + status + "; whether the OOM killer killed it is unknown: " + oomUnknown + ".";
        }
        return who + " " + status + ".";
    }
}
