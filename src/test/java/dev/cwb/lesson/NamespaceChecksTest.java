package dev.cwb.lesson;

import dev.cwb.kernel.Kernel;
import dev.cwb.testing.Requirements;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The namespace checks on real containers (as root): each fails while its unshare is left out, then passes. */
class NamespaceChecksTest {
    @TempDir
    static Path home;
    static CheckBench bench;

    @BeforeAll
    static void samples() {
        Requirements.requireCommand("busybox", "busybox-static");
        bench = new CheckBench(home);
    }

    @AfterAll
    static void removeContainers() {
        if (bench != null) {
            bench.removeAll();
        }
    }

    @Test
    void ownAndSharedNamespacesFollowTheUnshares() {
        Requirements.requireRoot();
        bench.run("new ns1 from busybox");
        for (String kind : new String[] {"uts", "mnt", "ipc", "net", "pid", "cgroup", "time", "user"}) {
            bench.fails("namespace-own ns1 " + kind);
            bench.passes("namespace-shared ns1 " + kind);
        }
        bench.run("unshare -c ns1 uts ipc net");
        bench.passes("namespace-own ns1 uts");
        bench.passes("namespace-own ns1 net");
        bench.fails("namespace-shared ns1 ipc");
        bench.passes("namespace-shared ns1 pid");
        bench.run("unshare -c ns1 time");
        bench.passes("namespace-own ns1 time"); // for the processes it starts: time_for_children
        assertTrue(bench.fails("namespace-own ns1 bogus").saw().contains("no namespace called 'bogus'"));
        bench.run("rm ns1");
    }

    @Test
    void hostnameIsReadInsideTheContainersUtsNamespace() throws Exception {
        Requirements.requireRoot();
        String host = Kernel.gethostname();
        bench.run("new hn1 from busybox");
        // unshare uts and hostname left out: it says why the name is the host's
        assertTrue(bench.fails("container-hostname hn1 hn1").saw().contains("the host name inside is still " + host + " — hn1's UTS namespace is the host's"));
        bench.passes("container-hostname hn1 " + host);
        bench.run("unshare -c hn1 uts");
        assertTrue(bench.fails("container-hostname hn1 hn1").saw().contains("has a UTS namespace of its own, but no name was set in it"));
        bench.run("hostname -c hn1 hn1");
        assertTrue(bench.passes("container-hostname hn1 hn1").saw().contains("the host's is " + host));
        bench.fails("container-hostname hn1 " + host);
        assertEquals(host, Kernel.gethostname(), "looking inside left the workbench where it was");
        bench.run("rm hn1");
    }

    @Test
    void pid1NetworkDevicesAndClocks() {
        Requirements.requireRoot();
        bench.run("new pn1 from busybox");
        bench.fails("pid1 pn1");
        bench.fails("net-devices pn1 lo");
        bench.fails("boottime-offset pn1 86400");
        bench.run("unshare -c pn1 pid");
        assertTrue(bench.passes("pid1 pn1").saw().contains("is pid 1 inside"));
        bench.run("unshare -c pn1 net");
        bench.passes("net-devices pn1 lo");
        bench.fails("net-devices pn1 lo eth0");
        bench.run("unshare -c pn1 time --boottime 86400");
        bench.passes("boottime-offset pn1 86400");
        bench.fails("boottime-offset pn1 3600");
        bench.run("rm pn1");
    }

    @Test
    void userNamespaceMapsRootToTheWorkbenchsUser() {
        Requirements.requireRoot();
        bench.run("new un1 from busybox");
        assertTrue(bench.fails("root-mapped un1").saw().contains("host's user namespace"));
        bench.run("unshare -c un1 user");
        bench.passes("root-mapped un1");
        bench.passes("namespace-own un1 user");
        bench.run("rm un1");
    }

    @Test
    void theHostSeesTheContainersProcesses() {
        Requirements.requireRoot();
        bench.run("new hs1 from busybox", "unshare -c hs1 mnt pid", "overlay -c hs1", "mount -c hs1 proc", "mount -c hs1 dev",
                "pivot_root -c hs1");
        bench.fails("host-sees hs1 sleep"); // nothing started yet
        bench.run("exec -c hs1 sh -c 'sleep 60 > /dev/null 2>&1 &'");
        assertTrue(bench.passes("host-sees hs1 sleep").saw().contains("inside"));
        bench.fails("host-sees hs1 httpd");
        bench.run("rm hs1");
    }
}
