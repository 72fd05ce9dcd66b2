package dev.cwb.container;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@code detached.json} in a detached container's workspace records, beside {@code state.json}: who
 * keeps the container (its shim), what it runs, how it ended, and what {@code exec} must give a process
 * it starts inside (the seccomp profile and capabilities of {@code run}). The shim writes it when PID 1 has
 * started, and again with the wait status once PID 1 has ended; {@code ps}, {@code logs}, {@code exec},
 * {@code stop}, {@code rm} and {@code cleanup} of any later workbench read it.
 *
 * @param shimPid         the shim process (a workbench JVM in a session of its own)
 * @param shimStart       its start time (ms since the epoch): a pid is only trusted with its start time
 * @param command         PID 1's command line
 * @param started         when PID 1 exec'd its command (ms since the epoch)
 * @param exited          PID 1 has ended and the shim recorded it
 * @param waitStatus      the wait(2) status PID 1 ended with (when {@code exited})
 * @param finished        when it ended (ms since the epoch; 0 while it runs)
 * @param autoRemove      {@code --rm}: the shim removes everything when PID 1 ends
 * @param stopSignal      the image's StopSignal ({@code SIGTERM} when it names none)
 * @param seccomp         {@code default}, {@code unconfined} or the profile file {@code run} loaded
 * @param noNewPrivileges whether PID 1 runs with no_new_privs
 * @param capabilities    the capability bits PID 1 kept
 * @param user            PID 1's {@code -u} (or null: the image's User)
 * @param args            {@code run}'s arguments, for {@code start}
 * @param init            {@code --init}: where PID 1's init, cwb-pid1, is inside (its read-only bind), else null
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Detached(
        @JsonProperty("shimPid") long shimPid,
        @JsonProperty("shimStart") long shimStart,
        @JsonProperty("command") String command,
        @JsonProperty("started") long started,
        @JsonProperty("exited") boolean exited,
        @JsonProperty("waitStatus") int waitStatus,
        @JsonProperty("finished") long finished,
        @JsonProperty("autoRemove") boolean autoRemove,
        @JsonProperty("stopSignal") String stopSignal,
        @JsonProperty("seccomp") String seccomp,
        @JsonProperty("noNewPrivileges") boolean noNewPrivileges,
        @JsonProperty("capabilities") long capabilities,
        @JsonProperty("user") String user,
        @JsonProperty("args") List<String> args,
        @JsonProperty("init") String init) {

    /** The file in a workspace. */
    public static Path file(Path workspace) {
        return workspace.resolve("detached.json");
    }

    /** The same, ended with {@code status} now. */
    public Detached ended(dev.cwb.kernel.WaitStatus status) {
        return new Detached(shimPid, shimStart, command, started, true, status.raw(), System.currentTimeMillis(), autoRemove,
                stopSignal, seccomp, noNewPrivileges, capabilities, user, args, init);
    }

    /** The shell's view of how PID 1 ended: its exit code, or 128 + the signal. */
    public int exitCode() {
        return new dev.cwb.kernel.WaitStatus(waitStatus).shellStatus();
    }

    public void save(Path workspace) throws IOException {
        dev.cwb.AtomicFile.write(file(workspace), dev.cwb.image.FlatJson.bytes(this));
    }

    /** The record in {@code workspace}, or null when it is not a detached container's. */
    public static Detached load(Path workspace) {
        Path f = file(workspace);
        try {
            return dev.cwb.image.FlatJson.read(Files.readAllBytes(f), Detached.class, f.toString());
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
