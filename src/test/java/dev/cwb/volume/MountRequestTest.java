package dev.cwb.volume;

import dev.cwb.CwbException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Docker's two spellings of a mount, read as Docker reads them; bad ones refused in one line. */
class MountRequestTest {
    @Test
    void dashVTellsBindsFromVolumesByTheirSlash() {
        assertEquals(new MountRequest(MountRequest.Type.BIND, "/srv/site", "/www", true, true, false), MountRequest.parseVolumeFlag("/srv/site:/www:ro"));
        assertEquals(new MountRequest(MountRequest.Type.VOLUME, "data", "/data", false, true, false), MountRequest.parseVolumeFlag("data:/data"));
        assertEquals(new MountRequest(MountRequest.Type.VOLUME, null, "/cache", false, true, false), MountRequest.parseVolumeFlag("/cache"));
        assertFalse(MountRequest.parseVolumeFlag("data:/data:rw").readOnly());
        assertEquals(new MountRequest(MountRequest.Type.VOLUME, "data", "/data", true, true, true), MountRequest.parseVolumeFlag("data:/data:ro,nocopy"));
    }

    @Test
    void mountSpellsItOutWithDockersAliases() {
        assertEquals(new MountRequest(MountRequest.Type.BIND, "/a", "/b", true, false, false),
                MountRequest.parseMountFlag("type=bind,src=/a,dst=/b,ro"));
        assertEquals(new MountRequest(MountRequest.Type.VOLUME, "v1", "/b", false, false, true),
                MountRequest.parseMountFlag("type=volume,source=v1,destination=/b,volume-nocopy"));
        assertEquals(new MountRequest(MountRequest.Type.VOLUME, null, "/b", false, false, false), MountRequest.parseMountFlag("type=volume,target=/b"));
        assertEquals(MountRequest.Type.TMPFS, MountRequest.parseMountFlag("type=tmpfs,target=/t").type());
        assertTrue(MountRequest.parseMountFlag("type=bind,source=/a,target=/b,readonly=true").readOnly());
        assertFalse(MountRequest.parseMountFlag("type=bind,source=/a,target=/b,readonly=false").readOnly());
    }

    @Test
    void badSpecsAreRefused() {
        for (String[] bad : new String[][] {{"-v", "a/b:/x"}, {"-v", "./x:/y"}, {"-v", "/a:y"}, {"-v", "/a:/"}, {"-v", "/a:/b:rx"},
                {"-v", "a:b:c:d"}, {"-v", "/a:/b:nocopy"}, {"-v", "x:/y"}, {"--mount", "type=bind,target=/x"}, {"--mount", "source=/a,target=/x"},
                {"--mount", "type=bind,source=/a"}, {"--mount", "type=volume,source=.hidden,target=/x"}, {"--mount", "type=tmpfs,source=x,target=/t"},
                {"--mount", "type=bind,source=/a,target=/b,propagation=shared"}, {"--mount", "type=bind,source=/a,target=/b,volume-nocopy"},
                {"--mount", "type=bind,source=/a,source=/c,target=/b"}}) {
            CwbException e = assertThrows(CwbException.class, () -> {
                if (bad[0].equals("-v")) {
                    MountRequest.parseVolumeFlag(bad[1]);
                } else {
                    MountRequest.parseMountFlag(bad[1]);
                }
            }, bad[1]);
            assertEquals(CwbException.BAD_INPUT, e.exitCode(), bad[1]);
        }
    }

    @Test
    void volumeNamesFollowDockersRule() {
        for (String ok : List.of("data", "db_1", "web-content", "a.b", "0x")) {
            assertEquals(ok, Volumes.checkName(ok));
        }
        for (String bad : List.of("a", "a/b", ".x", "-x", "_x", "sp ace", "ü-name", "")) {
            assertThrows(CwbException.class, () -> Volumes.checkName(bad), bad);
        }
    }

    @Test
    void aRemountKeepsTheFlagsAUserNamespaceLocks() {
        assertEquals(dev.cwb.kernel.MountFlags.MS_NOSUID | dev.cwb.kernel.MountFlags.MS_NODEV | dev.cwb.kernel.MountFlags.MS_RELATIME,
                dev.cwb.container.VolumeStep.lockedFlags("rw,nosuid,nodev,relatime"));
        assertEquals(dev.cwb.kernel.MountFlags.MS_NOEXEC | dev.cwb.kernel.MountFlags.MS_STRICTATIME, dev.cwb.container.VolumeStep.lockedFlags("rw,noexec"));
    }

    @Test
    void parentsAreMountedBeforeTheirChildren() {
        List<MountRequest> sorted = MountRequest.inMountOrder(List.of(MountRequest.anonymous("/a/b/c"), MountRequest.anonymous("/a"),
                MountRequest.anonymous("/a/b")));
        assertEquals(List.of("/a", "/a/b", "/a/b/c"), sorted.stream().map(MountRequest::target).toList());
    }

    @Test
    void tmpfsSizeAndModeBecomeTheOptionsDockerWrites() {
        MountRequest t = MountRequest.parseMountFlag("type=tmpfs,target=/t,tmpfs-size=1m,tmpfs-mode=750");
        assertEquals("/t:size=1024k,mode=750", t.tmpfsSpec());
        assertEquals("/t:size=64k", MountRequest.parseMountFlag("type=tmpfs,dst=/t,tmpfs-size=65536").tmpfsSpec(), "bytes, in kibibytes");
        assertEquals("/t", MountRequest.parseMountFlag("type=tmpfs,target=/t").tmpfsSpec());
        CwbException size = assertThrows(CwbException.class, () -> MountRequest.parseMountFlag("type=tmpfs,target=/t,tmpfs-size=lots"));
        assertTrue(size.getMessage().contains("tmpfs-size=lots is not a size"), size.getMessage());
        CwbException mode = assertThrows(CwbException.class, () -> MountRequest.parseMountFlag("type=tmpfs,target=/t,tmpfs-mode=999"));
        assertTrue(mode.getMessage().contains("not an octal mode"), mode.getMessage());
        CwbException onBind = assertThrows(CwbException.class, () -> MountRequest.parseMountFlag("type=bind,source=/a,target=/b,tmpfs-size=1m"));
        assertTrue(onBind.getMessage().contains("are for type=tmpfs"), onBind.getMessage());
    }

    @Test
    void bindPropagationTakesDockersPrivateAndSlaveValuesAndRefusesSharedWithItsReason() {
        long rec = dev.cwb.kernel.MountFlags.MS_REC;
        assertEquals(rec | dev.cwb.kernel.MountFlags.MS_PRIVATE, MountRequest.parseMountFlag("type=bind,source=/a,target=/b").propagationFlags(),
                "Docker's default: rprivate");
        assertEquals(rec | dev.cwb.kernel.MountFlags.MS_SLAVE,
                MountRequest.parseMountFlag("type=bind,source=/a,target=/b,bind-propagation=rslave").propagationFlags());
        assertEquals(dev.cwb.kernel.MountFlags.MS_SLAVE,
                MountRequest.parseMountFlag("type=bind,source=/a,target=/b,bind-propagation=slave").propagationFlags());
        assertEquals(dev.cwb.kernel.MountFlags.MS_PRIVATE,
                MountRequest.parseMountFlag("type=bind,source=/a,target=/b,bind-propagation=private").propagationFlags());
        for (String shared : List.of("shared", "rshared")) {
            CwbException e = assertThrows(CwbException.class,
                    () -> MountRequest.parseMountFlag("type=bind,source=/a,target=/b,bind-propagation=" + shared));
            assertEquals(CwbException.UNSUPPORTED, e.exitCode());
            assertTrue(e.getMessage().contains("back to the host's mount table"), e.getMessage());
        }
        CwbException odd = assertThrows(CwbException.class, () -> MountRequest.parseMountFlag("type=bind,source=/a,target=/b,bind-propagation=up"));
        assertTrue(odd.getMessage().contains("none of Docker's values"), odd.getMessage());
        CwbException onVolume = assertThrows(CwbException.class, () -> MountRequest.parseMountFlag("type=volume,target=/b,bind-propagation=rslave"));
        assertTrue(onVolume.getMessage().contains("is for type=bind"), onVolume.getMessage());
    }
}
