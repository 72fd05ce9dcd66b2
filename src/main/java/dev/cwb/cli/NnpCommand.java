package dev.cwb.cli;

import dev.cwb.container.Container;
import dev.cwb.container.SecurityStep;
import picocli.CommandLine.Command;

/** {@code nnp}: prctl(PR_SET_NO_NEW_PRIVS, 1) in the container's process. */
@Command(name = "nnp", description = "Set no_new_privs in the container's process: no program it starts can gain privileges (setuid bits, file capabilities).",
        footer = {"", "prctl(PR_SET_NO_NEW_PRIVS, 1), as runc does for --security-opt no-new-privileges. It cannot be unset, and it lets",
                "a process without CAP_SYS_ADMIN load a seccomp filter."})
public final class NnpCommand extends ContainerCommand {
    @Override
    protected int run() throws Exception {
        Container c = container();
        traced(c, () -> {
            SecurityStep.noNewPrivileges(c);
            return null;
        });
        said("no_new_privs set in pid " + c.current().pid() + " (NoNewPrivs: 1 in /proc/" + c.current().pid()
                + "/status): execve can no longer raise privileges, for it and everything it starts.");
        return 0;
    }
}
