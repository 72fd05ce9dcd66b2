package dev.cwb.container;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@code state.json} in a container's workspace records, so that another workbench — {@code ps}
 * from a second terminal, or {@code cleanup} after this one was killed — can find the container's
 * processes, its cgroup and the mounts it made on the host.
 *
 * @param ownerPid      the workbench process that made it
 * @param ownerStart    that process's start time (ms since the epoch), to tell a reused pid apart
 * @param initPid       cwb-init's host pid
 * @param initStart     cwb-init's start time (ms since the epoch): a pid is only trusted with its start time
 * @param pid1          host pid of PID 1 after {@code unshare pid}, else 0
 * @param hostMounts    mount points in the host's namespace, to unmount on removal
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ContainerState(
        @JsonProperty("name") String name,
        @JsonProperty("image") String image,
        @JsonProperty("ownerPid") long ownerPid,
        @JsonProperty("ownerStart") long ownerStart,
        @JsonProperty("initPid") int initPid,
        @JsonProperty("initStart") long initStart,
        @JsonProperty("pid1") int pid1,
        @JsonProperty("pid1Start") long pid1Start,
        @JsonProperty("cgroup") String cgroup,
        @JsonProperty("hostMounts") List<String> hostMounts,
        @JsonProperty("created") long created) {

    /** The state of a live container of this workbench. */
    static ContainerState of(Container c, long created) {
        ProcessHandle self = ProcessHandle.current();
        return new ContainerState(c.name(), c.image().reference().familiar(), self.pid(),
                self.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(0L), c.first().pid(),
                HostPids.startMillis(c.first().pid()), c.pid1(), HostPids.startMillis(c.pid1()),
                c.cgroup() == null ? null : c.cgroup().name(), c.hostMounts(), created);
    }

    /** Replaces {@code file} whole (written aside, then renamed): a failure leaves the old one, and no part of the new. */
    void save(Path file) throws IOException {
        dev.cwb.AtomicFile.write(file, dev.cwb.image.FlatJson.bytes(this));
    }

    static ContainerState load(Path file) throws IOException {
        return dev.cwb.image.FlatJson.read(Files.readAllBytes(file), ContainerState.class, file.toString());
    }
}
