package dev.cwb.lesson.check;

import dev.cwb.CwbException;
import dev.cwb.kernel.SyscallRecord;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks on the session's system call log, the record {@code trace} prints: every call a container's
 * processes made, as they returned. A container that {@code run} made is removed when its command exits,
 * and the log is then what is left of it, so this is how a lesson sees what {@code run} did.
 *
 * <p>A container's calls are found through its overlay mount, which names its workspace
 * ({@code mount("overlay", ".../run/containers/NAME/rootfs", ...)}, or the {@code move_mount} onto it of an overlay
 * made elsewhere: the workbench's, for a root that is nobody outside): the calls of the cwb-init it started
 * from (the process whose clone made that mount, or the one that made it) and of that cwb-init's children
 * with host pids (PID 1 of its PID namespace, which is the command itself under {@code run}).
 */
public final class TraceChecks {
    private TraceChecks() {
    }

    static void register(CheckVocabulary v) {
        v.define("trace-shows NAME CALL...", "the session's trace holds these calls of container NAME, in this order, each successful "
                + "(a CALL is a system call's name, or the start of its line: 'unshare(CLONE_NEWNS')", 2, 12,
                a -> new Shows(a.get(0), a.subList(1, a.size())));
    }

    /** The calls of container {@code name}'s processes in {@code log}, oldest first; empty when none is found. */
    static List<SyscallRecord> callsOf(List<SyscallRecord> log, String rootfs) {
        String target = "\"" + rootfs + "\"";
        int mount = -1;
        for (int i = log.size() - 1; i >= 0; i--) {
            SyscallRecord r = log.get(i);
            boolean mounted = r.name().equals("mount") && r.args().size() > 2 && r.args().get(1).equals(target)
                    && r.args().get(2).equals("\"overlay\"");
            boolean moved = r.name().equals("move_mount") && r.args().size() > 3 && r.args().get(3).equals(target); // made outside
            if ((mounted || moved) && !r.failed()) {
                mount = i;
                break;
            }
        }
        if (mount < 0) {
            return List.of();
        }
        long first = log.get(mount).tid();
        for (int i = mount - 1; i >= 0; i--) {
            SyscallRecord r = log.get(i);
            if (isClone(r) && r.result() == first) {
                first = r.tid(); // the mount was made by PID 1, a clone of cwb-init
                break;
            }
        }
        int start = 0;
        for (int i = mount - 1; i >= 0; i--) {
            if (log.get(i).tid() == first && startsProcess(log.get(i))) {
                start = i;
                break;
            }
        }
        Set<Long> tids = new LinkedHashSet<>(List.of(first));
        List<SyscallRecord> calls = new ArrayList<>();
        for (int i = start; i < log.size(); i++) {
            SyscallRecord r = log.get(i);
            if (i > start && r.tid() == first && startsProcess(r)) {
                break; // the pid was given to a new process
            }
            if (!tids.contains(r.tid())) {
                continue;
            }
            calls.add(r);
            if (r.tid() == first && isClone(r) && r.result() > 0) {
                tids.add(r.result());
            }
        }
        return calls;
    }

    /** clone(2), or clone3(2) as {@code run} makes PID 1. */
    private static boolean isClone(SyscallRecord r) {
        return r.name().equals("clone") || r.name().equals("clone3");
    }

    /** The first call of every process the workbench starts: it asks to die with its parent. */
    private static boolean startsProcess(SyscallRecord r) {
        return r.name().equals("prctl") && !r.args().isEmpty() && r.args().get(0).equals("PR_SET_PDEATHSIG");
    }

    static boolean matches(SyscallRecord r, String call) {
        return r.name().equals(call) || r.call().startsWith(call);
    }

    record Shows(String name, List<String> wanted) implements Check {
        public String expectation() {
            return "the trace of " + name + " shows " + String.join(", then ", wanted);
        }

        public CheckResult evaluate(CheckContext context) {
            try {
                String rootfs = context.workbench().containers().directory().resolve(name).resolve("rootfs").toString();
                List<SyscallRecord> calls = callsOf(context.workbench().containers().log().records(), rootfs);
                if (calls.isEmpty()) {
                    return CheckResult.fail("no overlay mount on " + rootfs + " in this session's trace: no container " + name + " was set up");
                }
                int at = 0;
                for (String call : wanted) {
                    while (at < calls.size() && !(matches(calls.get(at), call) && !calls.get(at).failed())) {
                        at++;
                    }
                    if (at == calls.size()) {
                        return CheckResult.fail(calls.size() + " calls of " + name + " in the trace, but no successful " + call
                                + (wanted.indexOf(call) > 0 ? " after " + wanted.get(wanted.indexOf(call) - 1) : ""));
                    }
                    at++;
                }
                return CheckResult.pass(calls.size() + " calls of " + name + " in the trace, these among them in this order");
            } catch (CwbException e) {
                return CheckResult.fail(e.getMessage());
            }
        }
    }
}
