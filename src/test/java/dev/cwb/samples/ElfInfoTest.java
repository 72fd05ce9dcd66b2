package dev.cwb.samples;

import dev.cwb.CwbException;
import dev.cwb.testing.Requirements;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ElfInfoTest {
    @Test
    void theHostsStaticBusyboxHasNoInterpreterAndADynamicProgramHasOne() throws Exception {
        Path busybox = Requirements.requireCommand("busybox", "busybox-static");
        assertFalse(ElfInfo.hasInterpreter(Files.readAllBytes(busybox.toRealPath())));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java"); // the JDK's launcher is dynamically linked
        assertTrue(ElfInfo.hasInterpreter(Files.readAllBytes(java.toRealPath())));
    }

    @Test
    void aDynamicBusyboxIsRefusedWithTheFix(@TempDir Path dir) throws Exception {
        Requirements.requireLinux();
        Path fake = dir.resolve("busybox");
        Files.copy(Path.of(System.getProperty("java.home"), "bin", "java").toRealPath(), fake);
        CwbException e = assertThrows(CwbException.class, () -> HostBusybox.inspect(fake));
        assertTrue(e.getMessage().contains("dynamically linked"), e.getMessage());
        assertTrue(e.hint().contains("apt-get install busybox-static"), e.hint());
    }

    @Test
    void aFileThatIsNotElfIsRefused(@TempDir Path dir) throws Exception {
        Path script = dir.resolve("busybox");
        Files.writeString(script, "#!/bin/sh\necho not really busybox, but long enough to have a header\n");
        CwbException e = assertThrows(CwbException.class, () -> HostBusybox.inspect(script));
        assertTrue(e.getMessage().contains("is not an ELF program"), e.getMessage());
    }
}
