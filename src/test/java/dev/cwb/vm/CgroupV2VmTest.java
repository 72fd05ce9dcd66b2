package dev.cwb.vm;

import dev.cwb.kernel.MountInfo;
import dev.cwb.testing.Requirements;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The container and cgroup test classes once more, on a pure cgroup v2 host: a VM ({@link UnifiedHostVm})
 * whose kernel mounts only cgroup2, as Debian 12 and Ubuntu 22.04 boot. This machine is hybrid, so
 * without it the v2 driver would only ever meet a cgroup2 mount with no controllers.
 *
 * <p>Each test case that ran in the VM becomes one dynamic test here, named after it and failing with its
 * failure, so the VM's results are in this run's report like any other test's. The VM's console log and
 * the launcher's XML report stay in {@code target/cgroup-v2-vm/} for reading afterwards.
 */
class CgroupV2VmTest {
    /** The classes that make groups or containers: what the cgroup driver decides. */
    static final List<String> IN_THE_VM = List.of(
            "dev.cwb.cgroup.CgroupHostTest",
            "dev.cwb.cgroup.UnifiedCgroupKernelTest",
            "dev.cwb.cgroup.CgroupKernelTest",
            "dev.cwb.cgroup.CgroupJanitorTest",
            "dev.cwb.cgroup.DeviceProgramKernelTest",
            "dev.cwb.container.DeviceAndCgroupRootTest",
            "dev.cwb.container.CgroupLimitsKernelTest",
            "dev.cwb.container.NamespaceIsolationTest",
            "dev.cwb.container.TeardownTest",
            "dev.cwb.container.RootlessTest",
            "dev.cwb.container.RootIsNobodyTest",
            "dev.cwb.container.DetachedContainerTest",
            "dev.cwb.container.SecurityOptionsTest",
            "dev.cwb.container.OverlayLayersTest",
            "dev.cwb.container.RootEscapeTest",
            "dev.cwb.lesson.CgroupChecksTest");

    /** {@link #IN_THE_VM}, or the classes named in {@code -Dcwb.vm.tests=A,B} (to try one class in the VM). */
    private static List<String> selection() {
        String only = System.getProperty("cwb.vm.tests", "").trim();
        return only.isEmpty() ? IN_THE_VM : List.of(only.split("\\s*,\\s*"));
    }

    @TestFactory
    List<DynamicTest> theContainerAndCgroupTestsPassOnAPureCgroupV2Host() throws Exception {
        Requirements.requireLinux();
        Requirements.require(!Files.exists(Path.of("/run/cwb-vm")), "already inside the test VM");
        Path qemu = Requirements.requireCommand("qemu-system-x86_64", "qemu-system-x86");
        Requirements.require(Files.isExecutable(Path.of("/bin/busybox")), "needs /bin/busybox (apt-get install busybox-static)");
        Path mkfs = Requirements.requireCommand("mkfs.ext4", "e2fsprogs");
        VmKernel kernel = VmKernel.find(VmKernel.CACHE).orElse(null);
        Requirements.require(kernel != null, "needs a Debian generic kernel unpacked in " + VmKernel.CACHE
                + " (sudo scripts/install-packages test fetches it)");

        Path testClasses = Path.of(CgroupV2VmTest.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path work = testClasses.getParent().resolve("cgroup-v2-vm");
        Path repo = Path.of(System.getenv().getOrDefault("CWB_TEST_REPO", "")).toAbsolutePath();
        Requirements.require(!repo.startsWith("/tmp") && !testClasses.startsWith("/tmp"), "the checkout " + repo + " is under /tmp, "
                + "which the VM replaces with a /tmp of its own (its disk): clone it elsewhere to run this stage");
        Map<String, String> env = new LinkedHashMap<>();
        env.put("CWB_TEST_REPO", repo.toString());
        if (Requirements.underCi()) {
            env.put("CI", "true"); // so a missing requirement fails in the VM too
        }
        List<String> selected = selection();
        List<String> args = new ArrayList<>();
        selected.forEach(c -> args.add("--select-class=" + c));

        UnifiedHostVm.Result r = new UnifiedHostVm(qemu, kernel, Path.of("/bin/busybox"), mkfs, work)
                .runTests(Path.of(System.getProperty("java.home"), "bin", "java"),
                        List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Djava.io.tmpdir=/tmp"),
                        testClassPath(), repo, env, args);
        System.out.println("cgroup v2 VM (" + kernel.release() + "): " + r.took().toSeconds() + " s, launcher exit "
                + (r.exitStatus().isPresent() ? r.exitStatus().getAsInt() : "none") + "; console log " + r.console());

        String why = r.timedOut() ? "the VM did not power off within its timeout and was killed"
                : r.exitStatus().isEmpty() ? "the VM stopped before the tests finished" : null;
        List<Path> reports = reports(r.reports());
        if (why != null || reports.isEmpty()) {
            fail((why != null ? why : "the launcher wrote no report (exit " + r.exitStatus().getAsInt() + ")")
                    + "; the console's last lines (all in " + r.console() + "):\n" + r.consoleTail(60));
        }

        List<DynamicTest> tests = new ArrayList<>();
        List<MountInfo.Mount> mounts = MountInfo.parse(Files.readString(r.out().resolve("mountinfo")));
        String controllers = Files.readString(r.out().resolve("cgroup.controllers")).trim();
        tests.add(DynamicTest.dynamicTest("the VM is a pure cgroup v2 host", () -> {
            assertTrue(mounts.stream().anyMatch(m -> m.mountPoint().equals("/sys/fs/cgroup") && m.fsType().equals("cgroup2")),
                    "cgroup2 is mounted at /sys/fs/cgroup in the VM: " + mounts);
            assertTrue(mounts.stream().noneMatch(m -> m.fsType().equals("cgroup")), "no v1 hierarchy in the VM: " + mounts);
            assertTrue(List.of(controllers.split(" ")).containsAll(List.of("cpu", "memory", "pids")),
                    "the cgroup2 root offers cpu, memory and pids: " + controllers);
        }));
        for (Path report : reports) {
            tests.addAll(casesOf(report));
        }
        tests.add(DynamicTest.dynamicTest("every selected class ran in the VM", () -> {
            for (String c : selected) {
                assertTrue(tests.stream().anyMatch(t -> t.getDisplayName().startsWith(simpleName(c) + ".")),
                        c + " has no test case in the VM's report");
            }
            assertTrue(r.exitStatus().getAsInt() <= 1, "launcher exit " + r.exitStatus().getAsInt()
                    + " (0 all passed, 1 some failed); console: " + r.console());
        }));
        return tests;
    }

    /** One dynamic test per {@code <testcase>} of a legacy (surefire-style) JUnit XML report. */
    private static List<DynamicTest> casesOf(Path report) throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        Element suite;
        try (InputStream in = Files.newInputStream(report)) {
            suite = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(in).getDocumentElement();
        }
        NodeList cases = suite.getElementsByTagName("testcase");
        for (int i = 0; i < cases.getLength(); i++) {
            Element c = (Element) cases.item(i);
            String name = simpleName(c.getAttribute("classname")) + "." + c.getAttribute("name") + " (in the VM)";
            Element failure = child(c, "failure");
            Element error = failure != null ? failure : child(c, "error");
            Element skipped = child(c, "skipped");
            String output = text(child(c, "system-out"));
            tests.add(DynamicTest.dynamicTest(name, () -> {
                if (error != null) {
                    fail(name + ": " + error.getAttribute("message") + "\n" + error.getTextContent()
                            + (output.isBlank() ? "" : "\n--- its output in the VM:\n" + output));
                }
                if (skipped != null) {
                    String reason = skipped.getAttribute("message");
                    Requirements.require(false, "skipped in the VM: " + (reason.isBlank() ? text(skipped) : reason));
                }
            }));
        }
        return tests;
    }

    private static Element child(Element e, String tag) {
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element x && x.getTagName().equals(tag)) {
                return x;
            }
        }
        return null;
    }

    private static String text(Element e) {
        return e == null ? "" : e.getTextContent().trim();
    }

    private static String simpleName(String className) {
        return className.substring(className.lastIndexOf('.') + 1);
    }

    private static List<Path> reports(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".xml")).sorted().toList();
        }
    }

    /**
     * This JVM's test class path: target/test-classes, target/classes and the jars in ~/.m2. Surefire
     * starts the JVM with a manifest-only jar whose {@code Class-Path} holds the real entries.
     */
    static List<String> testClassPath() throws IOException, URISyntaxException {
        LinkedHashSet<String> entries = new LinkedHashSet<>();
        String surefire = System.getProperty("surefire.test.class.path");
        String cp = surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
        for (String e : cp.split(java.io.File.pathSeparator)) {
            if (e.isBlank()) {
                continue;
            }
            Path p = Path.of(e).toAbsolutePath();
            if (p.getFileName().toString().startsWith("surefirebooter") && Files.isRegularFile(p)) {
                try (JarFile jar = new JarFile(p.toFile())) {
                    Manifest m = jar.getManifest();
                    String inner = m == null ? null : m.getMainAttributes().getValue("Class-Path");
                    if (inner != null) {
                        for (String u : inner.trim().split("\\s+")) {
                            entries.add(Path.of(new URI(u)).toString());
                        }
                    }
                }
            } else {
                entries.add(p.toString());
            }
        }
        assertTrue(entries.stream().anyMatch(e -> e.contains("junit-platform-console")),
                "the test class path has no junit-platform-console jar: " + entries);
        return List.copyOf(entries);
    }
}
