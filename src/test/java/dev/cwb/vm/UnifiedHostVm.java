package dev.cwb.vm;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A virtual machine that is a pure cgroup v2 host, for running test classes on one when this machine is
 * hybrid. qemu emulates it ({@code -accel tcg}: no KVM needed), boots a Debian generic kernel with an
 * initramfs made here (busybox, the virtio/9p/overlay modules and {@code init} from this package's
 * resources), and that init makes the host's own {@code /} the VM's root: shared read-only over
 * virtio-9p, with a tmpfs overlay for writes. So the VM runs the host's JDK on the host's built classes,
 * but on its own kernel, where only cgroup2 is mounted at {@code /sys/fs/cgroup}.
 *
 * <p>The VM has no network device at all ({@code -nic none}, {@code -nodefaults}). Its one way out is the
 * work directory's {@code out/}, shared read-write at the same path, where the JUnit Platform console
 * launcher writes its XML report and stage 2 its exit status. It powers itself off when the tests end;
 * the host kills qemu if it has not by the timeout.
 */
final class UnifiedHostVm {
    /**
     * The modules init loads, each after what it depends on: virtio-pci and virtio-blk, the 9p transport
     * and file system, ext4 for the disk, overlayfs; crc32c is the checksum ext4 and jbd2 ask the crypto
     * layer for (their softdep); loop, for the loop device the device-cgroup tests keep a container from.
     */
    private static final List<String> MODULES = List.of("virtio_pci", "virtio_blk", "9pnet_virtio", "9p",
            "crc32c_generic", "ext4", "overlay", "loop");
    /** The VM's disk: sparse, so only what the VM writes takes space. */
    private static final long DISK_BYTES = 8L << 30;

    /** What one boot did. {@code exitStatus} is the launcher's, absent when the VM never got that far. */
    record Result(OptionalInt exitStatus, boolean timedOut, Duration took, Path console, Path out) {
        Path reports() {
            return out.resolve("reports");
        }

        /** The last {@code n} lines of the serial console, for failure messages. */
        String consoleTail(int n) {
            try {
                List<String> lines = Files.readAllLines(console, StandardCharsets.ISO_8859_1);
                return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
            } catch (IOException e) {
                return "(no console log: " + e.getMessage() + ")";
            }
        }
    }

    private final Path qemu;
    private final VmKernel kernel;
    private final Path busybox;
    private final Path work;
    private final Path mkfs;
    private int memoryMiB = 3072;
    private int cpus = 2;
    private Duration timeout = Duration.ofMinutes(15);

    UnifiedHostVm(Path qemu, VmKernel kernel, Path busybox, Path mkfs, Path work) {
        this.qemu = qemu;
        this.mkfs = mkfs;
        this.kernel = kernel;
        this.busybox = busybox;
        this.work = work;
    }

    UnifiedHostVm timeout(Duration t) {
        this.timeout = t;
        return this;
    }

    /**
     * Boots the VM and runs {@code launcherArgs} (after {@code ConsoleLauncher execute}) in it with
     * {@code java} on {@code classpath}, in {@code directory}, with {@code env}.
     */
    Result runTests(Path java, List<String> jvmOptions, List<String> classpath, Path directory, Map<String, String> env,
            List<String> launcherArgs) throws IOException, InterruptedException {
        Files.createDirectories(work);
        Path out = work.resolve("out");
        deleteTree(out);
        Files.createDirectories(out.resolve("reports"));
        Path initramfs = work.resolve("initramfs.cpio");
        Path console = work.resolve("console.log");
        Path disk = work.resolve("disk.img");
        makeDisk(disk);

        List<String> javaArgs = new ArrayList<>(jvmOptions);
        javaArgs.add("-cp");
        javaArgs.add(String.join(":", classpath));
        javaArgs.add("org.junit.platform.console.ConsoleLauncher");
        javaArgs.add("execute");
        javaArgs.add("--disable-banner");
        javaArgs.add("--disable-ansi-colors");
        javaArgs.add("--details=tree");
        javaArgs.add("--fail-if-no-tests");
        javaArgs.add("--reports-dir=" + out.resolve("reports"));
        javaArgs.addAll(launcherArgs);
        Files.writeString(out.resolve("java.args"), argFile(javaArgs));
        writeInitramfs(initramfs, out, stage2(java, directory, env, out));

        List<String> command = List.of(qemu.toString(),
                // One host thread runs both vCPUs in turn. With a thread per vCPU (MTTCG), JVMs in the VM died now
                // and then in freshly patched JIT code (SIGILL, SIGSEGV at a method's entry): code one vCPU
                // rewrote while the other ran it. Taking turns leaves no such race, and one core to the rest.
                "-accel", "tcg,thread=single", "-nodefaults", "-no-reboot",
                "-m", Integer.toString(memoryMiB), "-smp", Integer.toString(cpus),
                "-nic", "none", "-display", "none", "-monitor", "none", "-serial", "stdio",
                "-drive", "file=" + disk.toString().replace(",", ",,") + ",format=raw,if=virtio,cache=unsafe",
                "-kernel", kernel.vmlinuz().toString(), "-initrd", initramfs.toString(),
                // panic=-1: if PID 1 dies, the kernel reboots at once, and -no-reboot turns that into qemu's exit.
                "-append", "console=ttyS0 quiet loglevel=4 panic=-1",
                "-virtfs", "local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap",
                "-virtfs", "local,path=" + out.toString().replace(",", ",,")
                        + ",mount_tag=out,security_model=none,multidevs=remap");
        Files.writeString(work.resolve("qemu.command"), String.join(" ", command) + "\n");
        long start = System.nanoTime();
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(console.toFile())
                .redirectInput(ProcessBuilder.Redirect.PIPE).start();
        p.getOutputStream().close();
        boolean exited = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!exited) {
            p.destroyForcibly();
            p.waitFor();
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        Path status = out.resolve("exit-status");
        OptionalInt exit = OptionalInt.empty();
        if (Files.isRegularFile(status)) {
            String s = Files.readString(status).trim();
            if (s.matches("\\d+")) {
                exit = OptionalInt.of(Integer.parseInt(s));
            }
        }
        return new Result(exit, !exited, took, console, out);
    }

    /** Stage 2: runs in the new root as PID 1, runs the launcher, records its status, powers off. */
    private static String stage2(Path java, Path directory, Map<String, String> env, Path out) {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        all.put("HOME", "/root");
        all.put("LANG", "C.UTF-8");
        all.putAll(env);
        StringBuilder s = new StringBuilder("#!/bin/busybox sh\n");
        s.append("# Written by dev.cwb.vm.UnifiedHostVm: runs the tests in the VM, then powers it off.\n");
        all.forEach((k, v) -> s.append("export ").append(k).append('=').append(quote(v)).append('\n'));
        String o = quote(out.toString());
        s.append("/bin/busybox hostname cwb-v2-vm\n");
        s.append("/bin/busybox ip link set lo up\n");
        // What the tests will see: the VM's mount table and the cgroup2 root's controllers.
        s.append("cat /proc/self/mountinfo > ").append(o).append("/mountinfo\n");
        s.append("cat /sys/fs/cgroup/cgroup.controllers > ").append(o).append("/cgroup.controllers\n");
        s.append("echo \"cwb-vm: $(uname -r) up $(cut -d' ' -f1 /proc/uptime) s; /sys/fs/cgroup offers $(cat ")
                .append(o).append("/cgroup.controllers)\"\n");
        s.append("cd ").append(quote(directory.toString())).append(" || /bin/busybox poweroff -f\n");
        s.append(quote(java.toString())).append(" @").append(quote(out.resolve("java.args").toString()))
                .append(" </dev/null\n");
        s.append("echo $? > ").append(o).append("/exit-status\n");
        s.append("echo \"cwb-vm: tests done at $(cut -d' ' -f1 /proc/uptime) s\"\n");
        s.append("sync\n");
        s.append("/bin/busybox poweroff -f\n");
        return s.toString();
    }

    private void writeInitramfs(Path file, Path out, String stage2) throws IOException {
        try (OutputStream os = Files.newOutputStream(file); Initramfs cpio = new Initramfs(os)) {
            for (String d : List.of("dev", "proc", "sys", "mnt", "bin", "vm")) {
                cpio.dir(d);
            }
            cpio.charDevice("dev/console", 5, 1, 0600);
            cpio.copy(busybox, "bin/busybox");
            try (InputStream init = UnifiedHostVm.class.getResourceAsStream("init")) {
                if (init == null) {
                    throw new IOException("resource dev/cwb/vm/init is missing from the test classpath");
                }
                cpio.file("init", init.readAllBytes(), 0755);
            }
            cpio.file("vm/out", (out + "\n").getBytes(StandardCharsets.UTF_8), 0644);
            cpio.file("vm/stage2", stage2.getBytes(StandardCharsets.UTF_8), 0755);
            List<Path> modules = KernelModules.index(kernel.modules()).loadOrder(MODULES);
            StringBuilder order = new StringBuilder();
            for (Path ko : modules) {
                String name = kernel.release() + "/" + kernel.modules().relativize(ko);
                cpio.copy(ko, "lib/modules/" + name);
                order.append(name).append('\n');
            }
            cpio.file("vm/modules", order.toString().getBytes(StandardCharsets.UTF_8), 0644);
        }
    }

    /** A fresh ext4 file system in a sparse file: mkfs.ext4 (e2fsprogs), quietly, without reserved blocks. */
    private void makeDisk(Path disk) throws IOException, InterruptedException {
        Files.deleteIfExists(disk);
        try (var f = new java.io.RandomAccessFile(disk.toFile(), "rw")) {
            f.setLength(DISK_BYTES);
        }
        Process p = new ProcessBuilder(mkfs.toString(), "-q", "-F", "-m", "0", "-L", "cwb-vm", disk.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException(mkfs + " " + disk + " failed: " + out);
        }
    }

    /** A word for sh: single-quoted, with each ' written as '\''. */
    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** A java @argfile: each argument double-quoted, with \ and " escaped (the launcher's own syntax). */
    static String argFile(List<String> args) {
        StringBuilder b = new StringBuilder();
        for (String a : args) {
            b.append('"').append(a.replace("\\", "\\\\").replace("\"", "\\\"")).append("\"\n");
        }
        return b.toString();
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(x);
            }
        }
    }
}
